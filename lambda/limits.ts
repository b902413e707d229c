/**
 * CloudFront's invalidation limits: the single source of truth for the handler, the CLI, the CDK construct
 * and the local CloudFront emulator.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-invalidations
 */

/** Paths in one CreateInvalidation request, and paths in progress per distribution at any time. */
export const MAX_PATHS_PER_INVALIDATION = 3000;

/** Wildcard paths (ending in `*`) in progress per distribution at any time; so also per request. */
export const MAX_WILDCARDS_IN_PROGRESS = 15;

/** Characters in one invalidation path. */
export const MAX_PATH_LENGTH = 4000;

/**
 * Characters of paths (their lengths summed, as escaped in the XML body; normalized paths are ASCII, so bytes) in one
 * CreateInvalidation: 1 MiB.
 * Our own safety margin, not a documented CloudFront limit: chunking by count alone lets 3,000 paths of 4,000
 * characters make a 12 MB request body. Paths of 4,000 characters go 262 to a request.
 */
export const MAX_PATH_CHARACTERS_PER_INVALIDATION = 1_048_576;

/** Bytes in one SQS message body. */
export const MAX_SQS_MESSAGE_BYTES = 1_048_576;

/** SQS's largest DelaySeconds (15 minutes), in seconds. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** SQS's longest message retention (14 days), in seconds: the longest `maxBacklogAge`. */
export const MAX_BACKLOG_AGE_SECONDS = 14 * 24 * 60 * 60;

/** The largest `wildcardCollapse.whenBacklogRoundsAbove`: 3,000,000 paths owed. */
export const MAX_BACKLOG_ROUNDS = 1000;

/** The shortest `maxBacklogAge`, in seconds. */
export const MIN_MAX_BACKLOG_AGE_SECONDS = 60;

/** SQS ChangeMessageVisibility upper bound (12 hours), in seconds. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/** SQS message attributes per message. */
export const MAX_SQS_MESSAGE_ATTRIBUTES = 10;

/**
 * SQS entries per batch call (SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch), and messages per
 * ReceiveMessage (`MaxNumberOfMessages`).
 */
export const MAX_SQS_BATCH_ENTRIES = 10;

/** The SQS event source mapping's batch size range. */
export const MIN_BATCH_SIZE = 1;
export const MAX_BATCH_SIZE = 10_000;

/** The SQS event source mapping's batching window range, in seconds. */
export const MAX_BATCHING_WINDOW_SECONDS = 300;

/** The SQS event source mapping: a batch size above this needs a batching window of at least 1 second. */
export const MAX_BATCH_SIZE_WITHOUT_WINDOW = 10;

/** The shortest batching window, in seconds, of a batch size above MAX_BATCH_SIZE_WITHOUT_WINDOW. */
export const MIN_BATCHING_WINDOW_SECONDS_OF_LARGE_BATCHES = 1;

/**
 * The SQS event source mapping's rule that a batch size above 10 needs a batching window of at least 1 second: the
 * one definition the construct, the app's context reader, `cfiq local` and the local poller all check.
 *
 * @returns true when Lambda would refuse the pair
 */
export function batchingWindowTooShort(batchSize: number, windowSeconds: number): boolean {
  return batchSize > MAX_BATCH_SIZE_WITHOUT_WINDOW && windowSeconds < MIN_BATCHING_WINDOW_SECONDS_OF_LARGE_BATCHES;
}

/** The SQS event source mapping's maximum concurrency range. */
export const MIN_MAX_CONCURRENCY = 2;
export const MAX_MAX_CONCURRENCY = 1000;

/** The SQS redrive policy's maxReceiveCount range: receives before a message moves to the dead-letter queue. */
export const MIN_MAX_RECEIVE_COUNT = 1;
export const MAX_MAX_RECEIVE_COUNT = 1000;

/** The region that serves the CloudFront API. */
export const CLOUDFRONT_REGION = 'us-east-1';

/** S3's longest object key, in bytes of UTF-8. */
export const MAX_S3_KEY_BYTES = 1024;
