/**
 * Defaults shared by the handler, the CLI, local mode and the CDK construct. Change a default here and every
 * consumer follows.
 */

/** Records per Lambda invocation. More records per batch coalesce more paths into one invalidation. */
export const DEFAULT_BATCH_SIZE = 1000;

/** Seconds the event source waits to fill a batch. */
export const DEFAULT_MAX_BATCHING_WINDOW_SECONDS = 60;

/** Concurrent invocations the event source may run; low, since CloudFront throttles per account. */
export const DEFAULT_MAX_CONCURRENCY = 2;

/** Receives before the queue's redrive policy moves a message to the dead-letter queue. */
export const DEFAULT_MAX_RECEIVE_COUNT = 10;

/** Function timeout, in seconds. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 60;

/**
 * Time the handler keeps for its bookkeeping (dead-lettering, retry delays, remainders): it starts no CloudFront
 * call with less than this left in the invocation, and aborts a running one when only this is left.
 */
export const DEADLINE_MARGIN_MS = 10_000;

/** Working time a function timeout must leave beyond DEADLINE_MARGIN_MS, in seconds. */
const MIN_WORKING_TIME_SECONDS = 10;

/**
 * The shortest function timeout, in seconds (the construct and `cfiq local --function-timeout` refuse less): the
 * deadline margin plus 10 s of working time. At 10 s or less the handler would never call CloudFront. Lambda itself
 * accepts 1 s.
 */
export const MIN_FUNCTION_TIMEOUT_SECONDS = DEADLINE_MARGIN_MS / 1000 + MIN_WORKING_TIME_SECONDS;

/** Function memory, in MiB. */
export const DEFAULT_MEMORY_SIZE_MB = 256;

/** Queue retention, in days. */
export const DEFAULT_QUEUE_RETENTION_DAYS = 4;

/** Dead-letter queue retention, in days (the SQS maximum). */
export const DEFAULT_DEAD_LETTER_RETENTION_DAYS = 14;

/** Age of the oldest queued message, in seconds, above which the backlog alarm fires. */
export const DEFAULT_OLDEST_MESSAGE_ALARM_SECONDS = 15 * 60;

/** First retry delay after a transient CloudFront failure, in seconds; doubled per receive, with full jitter. */
export const DEFAULT_RETRY_BASE_DELAY_SECONDS = 30;

/** Upper bound of the retry delay, in seconds. */
export const DEFAULT_RETRY_MAX_DELAY_SECONDS = 900;

/**
 * How long a message may wait for CloudFront's in-progress budget, in seconds, from when it was first enqueued:
 * past it, it is dead-lettered with `BacklogExpired`.
 */
export const DEFAULT_MAX_BACKLOG_AGE_SECONDS = 24 * 60 * 60;

/**
 * The time CloudFront takes at least to complete an invalidation, in seconds (usually 60 to 300): a message waiting
 * for the in-progress budget comes back when the oldest invalidation in progress is this old, and one more of these
 * for each round of the in-progress limit ahead of it. Lower than the truth costs re-sends; higher costs drain time.
 */
export const DEFAULT_INVALIDATION_SECONDS = 60;

/** How often, in seconds, a waiting message looks again once the invalidations ahead of it are overdue. */
export const DEFAULT_BACKLOG_RECHECK_SECONDS = 15;

/**
 * The longest an invocation waits for another's send lease on a distribution, in milliseconds (send-lease.ts): the
 * holder needs one read of the budget and a few CreateInvalidation calls, seconds in all; past this, it sends without.
 */
export const LEASE_WAIT_MS = 20_000;

/** How often a waiting invocation asks for a send lease again, in milliseconds (jittered by half either way). */
export const LEASE_POLL_MS = 250;

/**
 * Whether the construct (and the app) creates the send lease table and names it to the handler: on, since the
 * leases spare CloudFront's refusals of concurrent invocations for two DynamoDB writes per distribution per batch.
 */
export const DEFAULT_SEND_LEASES = true;

/** Age of the oldest message waiting for CloudFront's in-progress budget, in seconds, above which its alarm fires. */
export const DEFAULT_BACKLOG_AGE_ALARM_SECONDS = 60 * 60;

/** The wildcard collapse's threshold when `wildcardCollapse` is given without `minPathsPerDirectory`. */
export const DEFAULT_MIN_PATHS_PER_DIRECTORY = 10;

/** CloudWatch namespace of the handler's metrics. */
export const DEFAULT_METRICS_NAMESPACE = 'CloudFrontInvalidationQueue';

/** Powertools service name, used in logs and as a metric dimension. */
export const DEFAULT_SERVICE_NAME = 'cloudfront-invalidation-queue';

/** Stack name of `bin/app.ts` and the CLI's `--stack` default. */
export const DEFAULT_STACK_NAME = 'CloudFrontInvalidationQueue';

/** A bucket source's `keyPrefix` when absent: every key of the bucket. */
export const DEFAULT_KEY_PREFIX = '';

/** A bucket source's `pathPrefix` when absent: a key's path is `/` and the key. */
export const DEFAULT_PATH_PREFIX = '/';

/** tenantLookup: how long, in seconds, a warm container trusts the tenant CloudFront named for a domain. */
export const DEFAULT_TENANT_LOOKUP_TTL_SECONDS = 300;

/** tenantLookup: how long, in seconds, a warm container trusts "no tenant of ours serves this domain". */
export const DEFAULT_TENANT_LOOKUP_NEGATIVE_TTL_SECONDS = 60;
