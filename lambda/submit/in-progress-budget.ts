import { MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../limits.ts';
import { countPaths } from '../resolve/paths.ts';
import type { PathCount } from '../types.ts';

/**
 * CloudFront's in-progress limits, as one invocation sees them: what was in progress on each distribution when the
 * batch started (read from CloudFront, see in-progress.ts), plus what the batch sends. A request that would take its
 * distribution past either limit would be refused (TooManyInvalidationsInProgress), so it is not sent: its messages
 * wait for the budget. Another writer on the same distribution can still fill it first; CloudFront's refusal then
 * marks the distribution full for the rest of the invocation.
 *
 * Files and wildcards count apart, as CloudFront counts them (3,000 files, 15 wildcard paths). Every request
 * sent counts, whatever its outcome (a request that timed out may have been created), except one CloudFront
 * refused for its content: it created nothing, and its paths are released for the requests that resend them.
 */
export class InProgressBudget {
  readonly #used = new Map<string, { files: number; wildcards: number }>();

  /** @param inProgress - what is in progress per distribution when the batch starts; absent: nothing */
  public constructor(inProgress: ReadonlyMap<string, PathCount> = new Map()) {
    for (const [distributionId, { files, wildcards }] of inProgress) this.#used.set(distributionId, { files, wildcards });
  }

  /** What is left of the distribution's budget. */
  public free(distributionId: string): PathCount {
    const used = this.#used.get(distributionId) ?? { files: 0, wildcards: 0 };
    return { files: Math.max(0, MAX_PATHS_PER_INVALIDATION - used.files), wildcards: Math.max(0, MAX_WILDCARDS_IN_PROGRESS - used.wildcards) };
  }

  /**
   * Count `paths` against the distribution's budget when they fit.
   *
   * @example
   * const budget = new InProgressBudget();
   * budget.reserve('E1', ['/a']); // undefined: send it
   * @returns undefined when the request may be sent (and is now counted), else why not
   */
  public reserve(distributionId: string, paths: readonly string[]): string | undefined {
    const { files, wildcards } = countPaths(paths);
    const used = this.#used.get(distributionId) ?? { files: 0, wildcards: 0 };
    if ((files > 0 && used.files + files > MAX_PATHS_PER_INVALIDATION) || (wildcards > 0 && used.wildcards + wildcards > MAX_WILDCARDS_IN_PROGRESS)) {
      return (
        `waiting: ${used.files} file paths and ${used.wildcards} wildcard paths in progress on ${distributionId}; ` +
        `${files} and ${wildcards} more would pass CloudFront's in-progress limits (${MAX_PATHS_PER_INVALIDATION} and ${MAX_WILDCARDS_IN_PROGRESS})`
      );
    }
    this.#used.set(distributionId, { files: used.files + files, wildcards: used.wildcards + wildcards });
    return undefined;
  }

  /** Give back what a request reserved, when CloudFront refused it for its content and so created nothing. */
  public release(distributionId: string, paths: readonly string[]): void {
    const used = this.#used.get(distributionId);
    if (used === undefined) return;
    const { files, wildcards } = countPaths(paths);
    this.#used.set(distributionId, { files: Math.max(0, used.files - files), wildcards: Math.max(0, used.wildcards - wildcards) });
  }

  /** CloudFront refused a request as too many in progress: someone else filled the budget; send no more there. */
  public fill(distributionId: string): void {
    this.#used.set(distributionId, { files: MAX_PATHS_PER_INVALIDATION, wildcards: MAX_WILDCARDS_IN_PROGRESS });
  }
}
