import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { mapConcurrently } from '../concurrency.ts';
import { describeAwsError } from '../errors.ts';
import { countPaths } from '../resolve/paths.ts';
import { sendGetInvalidation, sendListInvalidations } from './invalidation-api.ts';
import type { PathCount } from '../types.ts';

/**
 * What is in progress on a distribution, read from CloudFront before a batch sends anything: CloudFront's limits
 * (3,000 file paths, 15 wildcard paths) are on invalidations in progress, for minutes and across invocations, so the
 * handler sends only what fits instead of learning the limit from TooManyInvalidationsInProgress refusals.
 */
export interface InProgressSnapshot {
  /** False when CloudFront could not be read: the batch then counts only what it sends itself, as a refusal still tells. */
  readonly known: boolean;
  /** File paths (not wildcards) in progress. */
  readonly files: number;
  /** Wildcard paths in progress. */
  readonly wildcards: number;
  /** Invalidations in progress. */
  readonly invalidations: number;
  /** CreateTime of the oldest invalidation in progress, in epoch milliseconds; absent when none is. */
  readonly oldestCreatedAt?: number;
}

/** A snapshot of a distribution nothing is known to be in progress on. */
export const NOTHING_IN_PROGRESS: InProgressSnapshot = { known: true, files: 0, wildcards: 0, invalidations: 0 };

/** ListInvalidations page size (CloudFront's maximum is 100). */
const PAGE_SIZE = 100;
/** Pages read at most per distribution: 1,000 invalidations, far more than 3,000 paths' worth in progress. */
const MAX_PAGES = 10;
/**
 * Invalidations listed are newest first; one created longer ago than this is taken as the end of those in progress
 * (CloudFront completes an invalidation in minutes), so a long history is not paged through.
 */
const IN_PROGRESS_HORIZON_MS = 30 * 60 * 1000;
/** GetInvalidation calls in flight at once. */
const GET_CONCURRENCY = 5;
/** Invalidations whose path counts a warm container remembers. */
const CACHE_ENTRIES = 4096;

/**
 * Reads what is in progress per distribution: ListInvalidations (newest first, until an old or completed page), then
 * GetInvalidation of each in-progress one not seen before, for its path counts. Keep one per warm container.
 */
export class InProgressReader {
  readonly #counts = new Map<string, PathCount>();

  /**
   * The snapshot of one distribution. Never throws: a failure gives `known: false`, with why in `error`.
   *
   * @param now - epoch milliseconds, for the horizon
   */
  public async read(
    client: CloudFrontClient,
    distributionId: string,
    now: number,
    abortSignal?: AbortSignal,
  ): Promise<InProgressSnapshot & { readonly error?: string }> {
    try {
      const inProgress = await this.#listInProgress(client, distributionId, now, abortSignal);
      if (inProgress.length === 0) return NOTHING_IN_PROGRESS;
      const counts = await mapConcurrently(inProgress, GET_CONCURRENCY, ({ id }) => this.#pathCounts(client, distributionId, id, abortSignal));
      let files = 0;
      let wildcards = 0;
      for (const count of counts) {
        files += count.files;
        wildcards += count.wildcards;
      }
      const oldestCreatedAt = Math.min(...inProgress.map(({ createdAt }) => createdAt));
      return { known: true, files, wildcards, invalidations: inProgress.length, oldestCreatedAt };
    } catch (error) {
      return { ...NOTHING_IN_PROGRESS, known: false, error: describeAwsError(error) };
    }
  }

  async #listInProgress(client: CloudFrontClient, distributionId: string, now: number, abortSignal?: AbortSignal) {
    const inProgress: Array<{ id: string; createdAt: number }> = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      // A tenant's invalidations are listed with ListInvalidationsForDistributionTenant (invalidation-api.ts).
      const list = await sendListInvalidations(client, distributionId, { maxItems: PAGE_SIZE, marker }, { abortSignal });
      let pastHorizon = false;
      for (const summary of list?.Items ?? []) {
        const createdAt = summary.CreateTime?.getTime() ?? now;
        if (now - createdAt > IN_PROGRESS_HORIZON_MS) pastHorizon = true;
        else if (isInProgress(summary.Status) && summary.Id !== undefined) inProgress.push({ id: summary.Id, createdAt });
      }
      if (pastHorizon || list?.IsTruncated !== true || list.NextMarker === undefined) break;
      marker = list.NextMarker;
    }
    return inProgress;
  }

  async #pathCounts(client: CloudFrontClient, distributionId: string, invalidationId: string, abortSignal?: AbortSignal): Promise<PathCount> {
    const key = `${distributionId}/${invalidationId}`;
    const known = this.#counts.get(key);
    if (known !== undefined) return known;
    const invalidation = await sendGetInvalidation(client, distributionId, invalidationId, { abortSignal });
    const counts = countPaths(invalidation?.InvalidationBatch?.Paths?.Items ?? []);
    if (this.#counts.size >= CACHE_ENTRIES) this.#counts.delete(this.#counts.keys().next().value!);
    this.#counts.set(key, counts);
    return counts;
  }
}

/**
 * Whether an invalidation's status is CloudFront's `InProgress`, in any case: moto reports `COMPLETED`, and a status
 * not known to be in progress is not counted (at worst CloudFront refuses a request, as it did before the read).
 */
function isInProgress(status: string | undefined): boolean {
  return status?.toLowerCase() === 'inprogress';
}
