import { groupsOf, mapConcurrently } from '../concurrency.ts';
import { MAX_SQS_BATCH_ENTRIES } from '../limits.ts';
import type { PipelineDependencies, VisibilityChange } from '../types.ts';
import { retryDelaySeconds } from './backoff.ts';
import { changeVisibility, SQS_CONCURRENCY } from './sqs.ts';

/** The backoff before the next try of a message received `receiveCount` times, by the handler's retry settings. */
export function backoff(receiveCount: number, deps: PipelineDependencies): number {
  const { settings } = deps;
  return retryDelaySeconds(receiveCount, { baseDelaySeconds: settings.retryBaseDelaySeconds, maxDelaySeconds: settings.retryMaxDelaySeconds }, deps.random);
}

/**
 * Set each retried message's visibility timeout to its backoff, per source queue. Never throws: a retry whose delay
 * could not be set reappears after the queue's visibility timeout instead, and a warning says so.
 */
export async function scheduleRetries(retries: readonly VisibilityChange[], deps: PipelineDependencies): Promise<void> {
  const bySource = Map.groupBy(retries, (retry) => retry.record.eventSourceARN);
  for (const [queueArn, changes] of bySource) {
    try {
      const queueUrl = await deps.queueUrls.resolve(queueArn);
      const failedCounts = await mapConcurrently(groupsOf(changes, MAX_SQS_BATCH_ENTRIES), SQS_CONCURRENCY, (group) =>
        changeVisibility(deps.sqs, queueUrl, group),
      );
      const failed = failedCounts.reduce((sum, count) => sum + count, 0);
      if (failed > 0) deps.observer.warn('could not delay some retries; they reappear after the queue visibility timeout', { queueArn, failed });
    } catch (error) {
      deps.observer.warn('could not delay retries; they reappear after the queue visibility timeout', { queueArn, error: String(error) });
    }
  }
}
