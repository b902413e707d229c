import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  DEFAULT_BACKLOG_AGE_ALARM_SECONDS,
  DEFAULT_BATCH_SIZE,
  DEFAULT_DEAD_LETTER_RETENTION_DAYS,
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  DEFAULT_MAX_BATCHING_WINDOW_SECONDS,
  DEFAULT_MAX_BACKLOG_AGE_SECONDS,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_MAX_RECEIVE_COUNT,
  DEFAULT_MEMORY_SIZE_MB,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_OLDEST_MESSAGE_ALARM_SECONDS,
  DEFAULT_QUEUE_RETENTION_DAYS,
  DEFAULT_RETRY_BASE_DELAY_SECONDS,
  DEFAULT_RETRY_MAX_DELAY_SECONDS,
  DEFAULT_SEND_LEASES,
  DEFAULT_SERVICE_NAME,
} from '../lambda/defaults.ts';
import type { InvalidationBucket, InvalidationDistribution, InvalidationQueueProps } from './invalidation-queue-props.ts';

/** The visibility timeout is this many function timeouts plus the batching window (AWS's recommendation). */
export const VISIBILITY_TIMEOUT_FUNCTION_TIMEOUTS = 6;

/**
 * The props with every default applied except the ones a choice of its own makes: `visibilityTimeout` (computed from
 * the timeout and the window, once both are known valid) and `encryption` (a key may have to be created).
 */
export interface InvalidationQueueSettings {
  readonly distributions: InvalidationDistribution[];
  readonly maxPathsPerInvalidation: number | undefined;
  readonly maxWildcardsPerInvalidation: number | undefined;
  readonly wildcardCollapse: { readonly minPathsPerDirectory?: number; readonly whenBacklogRoundsAbove?: number } | undefined;
  readonly buckets: InvalidationBucket[] | undefined;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  readonly maxConcurrency: number;
  readonly sendLeases: boolean;
  readonly maxReceiveCount: number;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly visibilityTimeout: Duration | undefined;
  readonly retentionPeriod: Duration;
  readonly deadLetterQueueRetentionPeriod: Duration;
  readonly encryption: sqs.QueueEncryption | undefined;
  readonly encryptionMasterKey: kms.IKey | undefined;
  readonly retryBaseDelay: Duration;
  readonly retryMaxDelay: Duration;
  readonly maxBacklogAge: Duration;
  readonly backlogAgeAlarmThreshold: Duration;
  readonly alarmEmails: readonly string[];
  readonly oldestMessageAlarmThreshold: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly serviceName: string;
  readonly metricsNamespace: string;
}

/** `props` with the documented defaults applied (lambda/defaults.ts holds the values). */
export function withDefaults(props: InvalidationQueueProps): InvalidationQueueSettings {
  return {
    distributions: props.distributions,
    maxPathsPerInvalidation: props.maxPathsPerInvalidation,
    maxWildcardsPerInvalidation: props.maxWildcardsPerInvalidation,
    wildcardCollapse: props.wildcardCollapse,
    buckets: props.buckets,
    batchSize: props.batchSize ?? DEFAULT_BATCH_SIZE,
    maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(DEFAULT_MAX_BATCHING_WINDOW_SECONDS),
    maxConcurrency: props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    sendLeases: props.sendLeases ?? DEFAULT_SEND_LEASES,
    maxReceiveCount: props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT,
    timeout: props.timeout ?? Duration.seconds(DEFAULT_FUNCTION_TIMEOUT_SECONDS),
    memorySize: props.memorySize ?? DEFAULT_MEMORY_SIZE_MB,
    visibilityTimeout: props.visibilityTimeout,
    retentionPeriod: props.retentionPeriod ?? Duration.days(DEFAULT_QUEUE_RETENTION_DAYS),
    deadLetterQueueRetentionPeriod: props.deadLetterQueueRetentionPeriod ?? Duration.days(DEFAULT_DEAD_LETTER_RETENTION_DAYS),
    encryption: props.encryption,
    encryptionMasterKey: props.encryptionMasterKey,
    retryBaseDelay: props.retryBaseDelay ?? Duration.seconds(DEFAULT_RETRY_BASE_DELAY_SECONDS),
    retryMaxDelay: props.retryMaxDelay ?? Duration.seconds(DEFAULT_RETRY_MAX_DELAY_SECONDS),
    maxBacklogAge: props.maxBacklogAge ?? Duration.seconds(DEFAULT_MAX_BACKLOG_AGE_SECONDS),
    backlogAgeAlarmThreshold: props.backlogAgeAlarmThreshold ?? Duration.seconds(DEFAULT_BACKLOG_AGE_ALARM_SECONDS),
    alarmEmails: props.alarmEmails ?? [],
    oldestMessageAlarmThreshold: props.oldestMessageAlarmThreshold ?? Duration.seconds(DEFAULT_OLDEST_MESSAGE_ALARM_SECONDS),
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    serviceName: props.serviceName ?? DEFAULT_SERVICE_NAME,
    metricsNamespace: props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE,
  };
}

/**
 * The visibility timeout: the one given, or 6 function timeouts plus the batching window. Call only once the rules
 * passed: they refuse a missing one when either term is a token.
 */
export function visibilityTimeoutOf(settings: InvalidationQueueSettings): Duration {
  return (
    settings.visibilityTimeout ??
    Duration.seconds(VISIBILITY_TIMEOUT_FUNCTION_TIMEOUTS * settings.timeout.toSeconds() + settings.maxBatchingWindow.toSeconds())
  );
}
