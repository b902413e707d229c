import { MAX_VISIBILITY_TIMEOUT_SECONDS } from '../limits.ts';

/** How long to hide a message after a transient failure. */
export interface BackoffPolicy {
  readonly baseDelaySeconds: number;
  readonly maxDelaySeconds: number;
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from 0 to min(max, base x 2^(receives - 1)),
 * never below 1 second when the base is positive, and never above SQS's 12 hours.
 *
 * @example
 * retryDelaySeconds(3, { baseDelaySeconds: 30, maxDelaySeconds: 900 }, () => 0.5); // 60
 * @param receiveCount - the record's ApproximateReceiveCount (1 on the first delivery)
 * @param random - a source of numbers in [0, 1)
 */
export function retryDelaySeconds(receiveCount: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (policy.baseDelaySeconds <= 0) return 0;
  const exponent = Math.min(Math.max(receiveCount, 1) - 1, 30);
  const ceiling = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** exponent, MAX_VISIBILITY_TIMEOUT_SECONDS);
  return Math.max(1, Math.floor(random() * ceiling));
}
