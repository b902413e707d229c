import { MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../limits.ts';
import { isWildcard } from '../resolve/paths.ts';

/**
 * CloudFront's in-progress limits, as far as one invocation can see them: the file paths and wildcard paths it has
 * sent to each distribution. A request that would take its distribution past either limit is refused by CloudFront
 * (TooManyInvalidationsInProgress) on every try while the earlier ones are in progress, so it is not sent at all.
 * Invalidations of earlier invocations are unknown here; CloudFront's refusal still covers those.
 *
 * Files and wildcards count apart, as CloudFront counts them (3,000 files, 15 wildcard paths). Every request
 * sent counts, whatever its outcome (a request that timed out may have been created), except one CloudFront
 * refused for its content: it created nothing, and its paths are released for the requests that resend them.
 */
export class InProgressBudget {
  readonly #sent = new Map<string, { files: number; wildcards: number }>();

  /**
   * Count `paths` against the distribution's budget when they fit.
   *
   * @example
   * const budget = new InProgressBudget();
   * budget.reserve('E1', ['/a']); // undefined: send it
   * @returns undefined when the request may be sent (and is now counted), else why not
   */
  public reserve(distributionId: string, paths: readonly string[]): string | undefined {
    let wildcards = 0;
    for (const path of paths) if (isWildcard(path)) wildcards++;
    const files = paths.length - wildcards;
    const sent = this.#sent.get(distributionId) ?? { files: 0, wildcards: 0 };
    if ((files > 0 && sent.files + files > MAX_PATHS_PER_INVALIDATION) || (wildcards > 0 && sent.wildcards + wildcards > MAX_WILDCARDS_IN_PROGRESS)) {
      return (
        `deferred: ${sent.files} file paths and ${sent.wildcards} wildcard paths already submitted to ${distributionId} in this batch; ` +
        `${files} and ${wildcards} more would pass CloudFront's in-progress limits (${MAX_PATHS_PER_INVALIDATION} and ${MAX_WILDCARDS_IN_PROGRESS})`
      );
    }
    this.#sent.set(distributionId, { files: sent.files + files, wildcards: sent.wildcards + wildcards });
    return undefined;
  }

  /** Give back what a request reserved, when CloudFront refused it for its content and so created nothing. */
  public release(distributionId: string, paths: readonly string[]): void {
    const sent = this.#sent.get(distributionId);
    if (sent === undefined) return;
    let wildcards = 0;
    for (const path of paths) if (isWildcard(path)) wildcards++;
    this.#sent.set(distributionId, {
      files: Math.max(0, sent.files - (paths.length - wildcards)),
      wildcards: Math.max(0, sent.wildcards - wildcards),
    });
  }
}
