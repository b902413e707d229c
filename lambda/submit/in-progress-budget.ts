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
 *
 * A distribution tenant has a budget of its own, and, conservatively, shares its multi-tenant distribution's: AWS
 * states the limits per distribution and says nothing of tenants (docs/message-contract.md, "Distribution tenants"),
 * so what is in progress on a tenant counts against its parent too, and a tenant's request must fit both.
 */
export class InProgressBudget {
  readonly #used = new Map<string, { files: number; wildcards: number }>();
  readonly #parents: ReadonlyMap<string, string>;

  /**
   * @param inProgress - what is in progress per distribution (or tenant) when the batch starts; absent: nothing
   * @param parents - each tenant's multi-tenant distribution; its in-progress counts against the parent's too
   */
  public constructor(inProgress: ReadonlyMap<string, PathCount> = new Map(), parents: ReadonlyMap<string, string> = new Map()) {
    this.#parents = parents;
    for (const [distributionId, { files, wildcards }] of inProgress) this.#add(distributionId, files, wildcards);
    for (const [tenantId, parentId] of parents) {
      const tenant = inProgress.get(tenantId);
      if (tenant !== undefined) this.#add(parentId, tenant.files, tenant.wildcards);
    }
  }

  #add(id: string, files: number, wildcards: number): void {
    const used = this.#used.get(id) ?? { files: 0, wildcards: 0 };
    this.#used.set(id, { files: used.files + files, wildcards: used.wildcards + wildcards });
  }

  /** The ids whose budgets a request to `distributionId` spends: its own, and a tenant's parent's. */
  #pools(distributionId: string): string[] {
    const parent = this.#parents.get(distributionId);
    return parent === undefined ? [distributionId] : [distributionId, parent];
  }

  /** What is left of the distribution's (or tenant's) budget: for a tenant, the lesser of its own and its parent's. */
  public free(distributionId: string): PathCount {
    let files = MAX_PATHS_PER_INVALIDATION;
    let wildcards = MAX_WILDCARDS_IN_PROGRESS;
    for (const id of this.#pools(distributionId)) {
      const used = this.#used.get(id) ?? { files: 0, wildcards: 0 };
      files = Math.min(files, Math.max(0, MAX_PATHS_PER_INVALIDATION - used.files));
      wildcards = Math.min(wildcards, Math.max(0, MAX_WILDCARDS_IN_PROGRESS - used.wildcards));
    }
    return { files, wildcards };
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
    for (const id of this.#pools(distributionId)) {
      const used = this.#used.get(id) ?? { files: 0, wildcards: 0 };
      if ((files > 0 && used.files + files > MAX_PATHS_PER_INVALIDATION) || (wildcards > 0 && used.wildcards + wildcards > MAX_WILDCARDS_IN_PROGRESS)) {
        const on = id === distributionId ? distributionId : `${id} (the multi-tenant distribution of ${distributionId})`;
        return (
          `waiting: ${used.files} file paths and ${used.wildcards} wildcard paths in progress on ${on}; ` +
          `${files} and ${wildcards} more would pass CloudFront's in-progress limits (${MAX_PATHS_PER_INVALIDATION} and ${MAX_WILDCARDS_IN_PROGRESS})`
        );
      }
    }
    for (const id of this.#pools(distributionId)) this.#add(id, files, wildcards);
    return undefined;
  }

  /** Give back what a request reserved, when CloudFront refused it for its content and so created nothing. */
  public release(distributionId: string, paths: readonly string[]): void {
    const { files, wildcards } = countPaths(paths);
    for (const id of this.#pools(distributionId)) {
      const used = this.#used.get(id);
      if (used !== undefined) this.#used.set(id, { files: Math.max(0, used.files - files), wildcards: Math.max(0, used.wildcards - wildcards) });
    }
  }

  /**
   * CloudFront refused a request as too many in progress: someone else filled the budget; send no more there. For a
   * tenant, whose refusal does not say whose limit it was, its parent's too.
   */
  public fill(distributionId: string): void {
    for (const id of this.#pools(distributionId)) this.#used.set(id, { files: MAX_PATHS_PER_INVALIDATION, wildcards: MAX_WILDCARDS_IN_PROGRESS });
  }
}
