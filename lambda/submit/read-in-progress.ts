import { DEADLINE_MARGIN_MS } from '../defaults.ts';
import type { PipelineDependencies } from '../types.ts';
import { InProgressReader, type InProgressSnapshot } from './in-progress.ts';

/** The reader of a process that gives none: one per warm container, so invalidations are read once each. */
const sharedReader = new InProgressReader();

/**
 * What is in progress on each distribution a batch targets, read in parallel. A distribution CloudFront would not
 * describe (no ListInvalidations permission yet, throttling) is logged and counted as empty: the batch then learns
 * its limit from CloudFront's refusal, and its messages wait all the same.
 */
export async function readInProgress(distributionIds: Iterable<string>, deps: PipelineDependencies): Promise<Map<string, InProgressSnapshot>> {
  const reader = deps.inProgress ?? sharedReader;
  const now = deps.now?.() ?? Date.now();
  const remaining = deps.remainingTimeMs?.();
  const abortSignal = remaining === undefined ? undefined : AbortSignal.timeout(Math.max(1, remaining - DEADLINE_MARGIN_MS));
  const ids = [...distributionIds];
  const snapshots = await Promise.all(ids.map((distributionId) => reader.read(deps.cloudfront, distributionId, now, abortSignal)));
  const byDistribution = new Map<string, InProgressSnapshot>();
  ids.forEach((distributionId, index) => {
    const { error, ...snapshot } = snapshots[index]!;
    if (error !== undefined) deps.observer.warn('could not read the invalidations in progress; counting only what this batch sends', { distributionId, error });
    byDistribution.set(distributionId, snapshot);
  });
  return byDistribution;
}
