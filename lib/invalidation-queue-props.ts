import type { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { S3SourceOptions } from './s3-source.ts';

/**
 * The construct's props: what a user of {@link InvalidationQueue} reads first, each with its valid range and default.
 * The ranges are enforced by validate-invalidation-queue-props.ts, the defaults applied by invalidation-queue-defaults.ts.
 */

/** A CloudFront distribution the function may invalidate. */
export interface InvalidationDistribution {
  /**
   * The distribution id, e.g. `EDFDVBD6EXAMPLE`: 1 to 64 uppercase letters and digits, unique.
   */
  readonly id: string;

  /**
   * Hostnames the distribution serves, so that messages with `urls` are routed to it: exact names
   * (`www.example.org`), a domain with a leading dot for it and all its subdomains (`.example.org`), or `*`.
   * Case-insensitive; each hostname may belong to one distribution only.
   *
   * @default - none: the distribution is reached by `distributionId` in a message, or as the only one configured
   */
  readonly hostnames?: string[];
}

/**
 * An S3 bucket whose object changes invalidate a distribution: the configuration's `buckets` entry. The construct
 * looks the bucket up by name and calls `addS3Source` with the rest.
 */
export interface InvalidationBucket extends S3SourceOptions {
  /** The bucket's name (in this stack's account and region). */
  readonly name: string;
}

/** Properties of an {@link InvalidationQueue}. */
export interface InvalidationQueueProps {
  /**
   * The distributions the function may invalidate, with the hostnames that route `urls` to them. The function's
   * IAM policy allows `cloudfront:CreateInvalidation` on exactly these distributions.
   * Validated like the handler's `INVALIDATOR_CONFIG`: at least one, ids well-formed and unique, no hostname twice.
   */
  readonly distributions: InvalidationDistribution[];

  /**
   * Paths per CreateInvalidation request; larger batches are split. Valid range: 1 to 3000.
   *
   * @default 3000 (CloudFront's limit)
   */
  readonly maxPathsPerInvalidation?: number;

  /**
   * Wildcard paths per CreateInvalidation request. Valid range: 1 to 15.
   *
   * @default 15 (CloudFront's limit of wildcard paths in progress per distribution)
   */
  readonly maxWildcardsPerInvalidation?: number;

  /**
   * Opt-in wildcard collapse: within one batch, the paths of a directory holding at least `minPathsPerDirectory`
   * of them are replaced by `directory/*` when that bills fewer paths (never more wildcards than
   * `maxWildcardsPerInvalidation`). Every other page under that directory is invalidated too.
   * `minPathsPerDirectory` valid range: 2 to 3000 (default 10). With `whenBacklogRoundsAbove` (1 to 1000), only while
   * a distribution owes more than that many rounds of CloudFront's in-progress limit (3,000 paths each, estimated from
   * the batch and the queue's depth), before the in-progress budget is given out: the way to drain a site-wide
   * republish in minutes rather than hours.
   *
   * @default - off: paths are invalidated as requested
   */
  readonly wildcardCollapse?: { readonly minPathsPerDirectory?: number; readonly whenBacklogRoundsAbove?: number };

  /**
   * S3 buckets whose created, overwritten and deleted objects invalidate their paths (static sites): each is looked
   * up by name and added with `addS3Source`, in this order. Validated like the handler's `INVALIDATOR_CONFIG`.
   *
   * @default - none; add buckets with `addS3Source`
   */
  readonly buckets?: InvalidationBucket[];

  /**
   * Messages per function invocation. More messages per batch coalesce more paths into one invalidation.
   * Valid range: 1 to 10000; above 10 the batching window must be at least 1 second.
   *
   * @default 1000
   */
  readonly batchSize?: number;

  /**
   * How long the event source waits to fill a batch before invoking the function.
   * Longer windows coalesce more publish events into one invalidation.
   * Valid range: 0 to 300 seconds; a batch size above 10 needs at least 1 second.
   *
   * @default Duration.seconds(60)
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Concurrent function invocations the event source may run. Kept low: CloudFront limits invalidations in
   * progress per distribution. Valid range: 2 to 1000.
   *
   * @default 2
   */
  readonly maxConcurrency?: number;

  /**
   * Send leases: a DynamoDB table in which concurrent invocations take turns per distribution, from reading
   * CloudFront's in-progress budget to their last CreateInvalidation there, so that two of them do not send into the
   * same free budget and have CloudFront refuse one (its messages would wait and be sent again). On-demand, with a
   * time to live, encrypted with DynamoDB's AWS owned key, deleted with the stack. Each batch writes twice per
   * distribution it targets (take and give back the lease), and once more per quarter second it waits for another
   * invocation's. The function may `dynamodb:PutItem` and `dynamodb:DeleteItem` on it, nothing else.
   * `false`: no table, no permission, and no `LEASE_TABLE_NAME` in the function's environment.
   *
   * @default true
   */
  readonly sendLeases?: boolean;

  /**
   * Receives of a message before the queue moves it to the dead-letter queue. At the last receive the handler
   * dead-letters a transiently failing message itself, with its reason. Valid range: 1 to 1000.
   *
   * @default 10
   */
  readonly maxReceiveCount?: number;

  /**
   * The function's timeout. Valid range: 20 seconds to 15 minutes, whole seconds. The handler starts no CloudFront
   * call with less than 10 seconds left (it keeps them for dead-lettering and retry delays), so a timeout must leave
   * at least 10 seconds of working time beyond them.
   *
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;

  /**
   * The function's memory, in MiB. Valid range: 128 to 10240.
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * The queue's visibility timeout: how long a received batch stays hidden from other invocations.
   * Must be at least the function timeout and at most 12 hours; AWS recommends 6 times the function timeout
   * plus the batching window.
   *
   * @default - 6 x `timeout` + `maxBatchingWindow` (420 seconds with the defaults)
   */
  readonly visibilityTimeout?: Duration;

  /**
   * How long the queue keeps a message. Valid range: 1 minute to 14 days.
   *
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;

  /**
   * How long the dead-letter queue keeps a message. A message moved by the redrive policy keeps its original
   * enqueue time, so this must be at least `retentionPeriod`. Valid range: 1 minute to 14 days.
   *
   * @default Duration.days(14)
   */
  readonly deadLetterQueueRetentionPeriod?: Duration;

  /**
   * Encryption at rest of both queues: `QueueEncryption.SQS_MANAGED` (SSE-SQS, no key to manage) or
   * `QueueEncryption.KMS` (a customer managed key: `encryptionMasterKey`, or a new one with rotation).
   * `UNENCRYPTED` is refused; so is `KMS_MANAGED`, whose AWS managed key cannot be granted to EventBridge or to
   * producers in other accounts.
   *
   * @default - `QueueEncryption.KMS` when `encryptionMasterKey` is given, else `QueueEncryption.SQS_MANAGED`
   */
  readonly encryption?: sqs.QueueEncryption;

  /**
   * The customer managed key of both queues; implies `QueueEncryption.KMS`. Producers and the function are granted
   * `kms:GenerateDataKey` and `kms:Decrypt` on it.
   *
   * @default - with `QueueEncryption.KMS`, a new key with yearly rotation; otherwise none
   */
  readonly encryptionMasterKey?: kms.IKey;

  /**
   * First retry delay after a transient CloudFront failure; doubled per receive, with full jitter.
   * Valid range: 0 seconds to 12 hours.
   *
   * @default Duration.seconds(30)
   */
  readonly retryBaseDelay?: Duration;

  /**
   * Upper bound of the retry delay. Valid range: `retryBaseDelay` to 12 hours.
   *
   * @default Duration.seconds(900)
   */
  readonly retryMaxDelay?: Duration;

  /**
   * How long a message may wait for CloudFront's in-progress budget (3,000 paths and 15 wildcards in progress per
   * distribution) before it is dead-lettered with `BacklogExpired`. Waiting spends no receive: the message is re-sent
   * with a delay, paced by when the invalidations ahead of it are expected to complete. Valid range: 1 minute to 14
   * days (a re-sent message starts a new retention period).
   *
   * @default Duration.hours(24)
   */
  readonly maxBacklogAge?: Duration;

  /**
   * Age of the oldest message waiting for a distribution's in-progress budget above which that distribution's backlog
   * alarm fires. Valid range: at least 1 minute.
   *
   * @default Duration.hours(1)
   */
  readonly backlogAgeAlarmThreshold?: Duration;

  /**
   * Email addresses subscribed to the alarm topic. Each address must confirm its subscription.
   *
   * @default - no subscription; subscribe to `alarmTopic` yourself
   */
  readonly alarmEmails?: string[];

  /**
   * Age of the oldest queued message above which the backlog alarm fires. Valid range: at least 1 minute.
   *
   * @default Duration.minutes(15)
   */
  readonly oldestMessageAlarmThreshold?: Duration;

  /**
   * How long the function's log group keeps log events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The Powertools service name: the `service` dimension of the handler's metrics and a field of every log line.
   * Give each deployment in an account its own name to tell their metrics apart.
   *
   * @default 'cloudfront-invalidation-queue'
   */
  readonly serviceName?: string;

  /**
   * The CloudWatch namespace of the handler's metrics.
   *
   * @default 'CloudFrontInvalidationQueue'
   */
  readonly metricsNamespace?: string;
}
