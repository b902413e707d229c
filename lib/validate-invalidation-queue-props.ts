import { Token, ValidationError, type Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { invalidatorConfigSchema } from '../lambda/config.ts';
import { DEADLINE_MARGIN_MS, MIN_FUNCTION_TIMEOUT_SECONDS } from '../lambda/defaults.ts';
import {
  batchingWindowTooShort,
  MAX_BACKLOG_AGE_SECONDS,
  MAX_BATCH_SIZE,
  MAX_BATCH_SIZE_WITHOUT_WINDOW,
  MAX_BATCHING_WINDOW_SECONDS,
  MAX_MAX_CONCURRENCY,
  MAX_MAX_RECEIVE_COUNT,
  MAX_VISIBILITY_TIMEOUT_SECONDS,
  MIN_BATCH_SIZE,
  MIN_BATCHING_WINDOW_SECONDS_OF_LARGE_BATCHES,
  MIN_MAX_BACKLOG_AGE_SECONDS,
  MIN_MAX_CONCURRENCY,
  MIN_MAX_RECEIVE_COUNT,
} from '../lambda/limits.ts';
import { formatIssues } from '../lambda/read/issue-format.ts';
import { isEmailAddress } from './email-address.ts';
import type { InvalidationQueueSettings } from './invalidation-queue-defaults.ts';
import {
  MAX_FUNCTION_TIMEOUT_SECONDS,
  MAX_MEMORY_SIZE_MB,
  MAX_RETENTION_SECONDS,
  MIN_MEMORY_SIZE_MB,
  MIN_RETENTION_SECONDS,
} from './service-limits.ts';

/**
 * The construct's prop rules as a table, after aws-sqs's validate-queue-props.ts: every rule runs, and all the
 * violations are reported together in one CDK `ValidationError`. A rule skips a value that is an unresolved token:
 * only CloudFormation knows it.
 */

/** A prop rule: the violations it finds (each naming the prop, the limit and the value given), or none. */
export type PropRule = (settings: InvalidationQueueSettings) => readonly string[];

/** The shortest backlog alarm threshold, in seconds: CloudWatch's metric period here. */
const MIN_OLDEST_MESSAGE_ALARM_SECONDS = 60;

/** The `name` the error carries (CDK writes it to its error file); a literal, as CDK's own are. */
const ERROR_NAME = 'InvalidationQueuePropsInvalid' as ConstructorParameters<typeof ValidationError>[0];

/** A whole number of `value` between `min` and `max` inclusive. */
function integerRule(name: string, get: (settings: InvalidationQueueSettings) => number, min: number, max: number): PropRule {
  return (settings) => {
    const value = get(settings);
    if (Token.isUnresolved(value) || (Number.isInteger(value) && value >= min && value <= max)) return [];
    return [`${name} must be an integer between ${min} and ${max} inclusive (given ${value})`];
  };
}

/**
 * A duration of whole seconds between `min` and `max` inclusive.
 *
 * @param why - why the range is what it is, when it is not AWS's own
 */
function secondsRule(
  name: string,
  get: (settings: InvalidationQueueSettings) => Duration | undefined,
  min: number | ((settings: InvalidationQueueSettings) => number),
  max: number,
  why?: string,
): PropRule {
  return (settings) => {
    const value = get(settings);
    if (value === undefined || value.isUnresolved()) return [];
    const low = typeof min === 'number' ? min : min(settings);
    const seconds = value.toSeconds({ integral: false });
    if (Number.isInteger(seconds) && seconds >= low && seconds <= max) return [];
    return [
      `${name} must be whole seconds between ${low} and ${max} inclusive${why === undefined ? '' : ` (${why})`} ` +
        `(given ${seconds} seconds)`,
    ];
  };
}

/** A rule over several values: skipped unless all are known (see `known`), violated when `violated` says so. */
function whenKnown<T extends readonly number[]>(
  values: (settings: InvalidationQueueSettings) => T | undefined,
  violated: (values: T) => boolean,
  message: (values: T) => string,
): PropRule {
  return (settings) => {
    const given = values(settings);
    return given !== undefined && violated(given) ? [message(given)] : [];
  };
}

/** The values as a tuple, or undefined when one of them is a token or absent. */
function known<T extends readonly (number | undefined)[]>(...values: T): { [K in keyof T]: number } | undefined {
  return values.every((value) => value !== undefined && !Token.isUnresolved(value)) ? (values as { [K in keyof T]: number }) : undefined;
}

/** A duration's seconds, or undefined when it is a token or absent. */
const secondsOf = (duration: Duration | undefined): number | undefined =>
  duration === undefined || duration.isUnresolved() ? undefined : duration.toSeconds({ integral: false });

/** The rules, in the order of the props' documentation. */
export const INVALIDATION_QUEUE_PROP_RULES: readonly PropRule[] = [
  // The handler's own configuration: the same schema as INVALIDATOR_CONFIG, one line per issue.
  (settings) => {
    const result = invalidatorConfigSchema.safeParse(handlerConfigInput(settings), { reportInput: true });
    return result.success ? [] : result.error.issues.map((issue) => formatIssues([issue]));
  },
  integerRule('batchSize', (s) => s.batchSize, MIN_BATCH_SIZE, MAX_BATCH_SIZE),
  secondsRule('maxBatchingWindow', (s) => s.maxBatchingWindow, 0, MAX_BATCHING_WINDOW_SECONDS),
  whenKnown(
    (s) => known(s.batchSize, secondsOf(s.maxBatchingWindow)),
    ([batchSize, window]) => batchingWindowTooShort(batchSize, window),
    ([batchSize, window]) =>
      `maxBatchingWindow must be at least ${MIN_BATCHING_WINDOW_SECONDS_OF_LARGE_BATCHES} second when batchSize is above ` +
      `${MAX_BATCH_SIZE_WITHOUT_WINDOW} (given batchSize ${batchSize} and maxBatchingWindow ${window} seconds)`,
  ),
  integerRule('maxConcurrency', (s) => s.maxConcurrency, MIN_MAX_CONCURRENCY, MAX_MAX_CONCURRENCY),
  integerRule('maxReceiveCount', (s) => s.maxReceiveCount, MIN_MAX_RECEIVE_COUNT, MAX_MAX_RECEIVE_COUNT),
  secondsRule(
    'timeout',
    (s) => s.timeout,
    MIN_FUNCTION_TIMEOUT_SECONDS,
    MAX_FUNCTION_TIMEOUT_SECONDS,
    `the handler starts no CloudFront call with less than ${DEADLINE_MARGIN_MS / 1000} seconds left`,
  ),
  integerRule('memorySize', (s) => s.memorySize, MIN_MEMORY_SIZE_MB, MAX_MEMORY_SIZE_MB),
  (settings) =>
    settings.visibilityTimeout === undefined && (settings.timeout.isUnresolved() || settings.maxBatchingWindow.isUnresolved())
      ? ['visibilityTimeout must be given when timeout or maxBatchingWindow is only known at deploy time']
      : [],
  secondsRule('visibilityTimeout', (s) => s.visibilityTimeout, 0, MAX_VISIBILITY_TIMEOUT_SECONDS),
  whenKnown(
    // Only a given one: the computed one is 6 timeouts and more.
    (s) => known(secondsOf(s.visibilityTimeout), secondsOf(s.timeout)),
    ([visibility, timeout]) => visibility < timeout,
    ([visibility, timeout]) =>
      `visibilityTimeout must be at least the function timeout of ${timeout} seconds (given ${visibility} seconds)`,
  ),
  secondsRule('retentionPeriod', (s) => s.retentionPeriod, MIN_RETENTION_SECONDS, MAX_RETENTION_SECONDS),
  secondsRule('deadLetterQueueRetentionPeriod', (s) => s.deadLetterQueueRetentionPeriod, MIN_RETENTION_SECONDS, MAX_RETENTION_SECONDS),
  whenKnown(
    (s) => known(secondsOf(s.deadLetterQueueRetentionPeriod), secondsOf(s.retentionPeriod)),
    ([deadLetter, queue]) => deadLetter < queue,
    ([deadLetter, queue]) =>
      'deadLetterQueueRetentionPeriod must be at least retentionPeriod, since a redriven message keeps its ' +
      `original enqueue time (given ${deadLetter} seconds, retentionPeriod ${queue} seconds)`,
  ),
  (settings) =>
    settings.encryptionMasterKey !== undefined && settings.encryption !== undefined && settings.encryption !== sqs.QueueEncryption.KMS
      ? [`Either give encryptionMasterKey or use encryption ${settings.encryption}, but not both`]
      : [],
  (settings) =>
    settings.encryption === undefined || settings.encryption === sqs.QueueEncryption.SQS_MANAGED || settings.encryption === sqs.QueueEncryption.KMS
      ? []
      : [`encryption must be QueueEncryption.SQS_MANAGED or QueueEncryption.KMS (given ${settings.encryption})`],
  secondsRule('retryBaseDelay', (s) => s.retryBaseDelay, 0, MAX_VISIBILITY_TIMEOUT_SECONDS),
  secondsRule(
    'retryMaxDelay',
    (s) => s.retryMaxDelay,
    (s) => secondsOf(s.retryBaseDelay) ?? 0,
    MAX_VISIBILITY_TIMEOUT_SECONDS,
  ),
  (settings) =>
    settings.alarmEmails
      .filter((email) => !Token.isUnresolved(email) && !isEmailAddress(email))
      .map((email) => `alarmEmails must hold email addresses (given ${JSON.stringify(email)})`),
  secondsRule('oldestMessageAlarmThreshold', (s) => s.oldestMessageAlarmThreshold, MIN_OLDEST_MESSAGE_ALARM_SECONDS, MAX_RETENTION_SECONDS),
  secondsRule('maxBacklogAge', (s) => s.maxBacklogAge, MIN_MAX_BACKLOG_AGE_SECONDS, MAX_BACKLOG_AGE_SECONDS),
  secondsRule('backlogAgeAlarmThreshold', (s) => s.backlogAgeAlarmThreshold, MIN_OLDEST_MESSAGE_ALARM_SECONDS, MAX_BACKLOG_AGE_SECONDS),
];

/** The handler's configuration as given in the props; `wildcardCollapse` only when given (the schema rejects unknown keys). */
export function handlerConfigInput(settings: InvalidationQueueSettings): Record<string, unknown> {
  return {
    distributions: settings.distributions,
    maxPathsPerInvalidation: settings.maxPathsPerInvalidation,
    maxWildcardsPerInvalidation: settings.maxWildcardsPerInvalidation,
    ...(settings.wildcardCollapse !== undefined ? { wildcardCollapse: settings.wildcardCollapse } : {}),
    ...(settings.buckets !== undefined ? { buckets: settings.buckets } : {}),
  };
}

/** Every violation of the rules by `settings`, in the rules' order; empty when the props are valid. */
export function invalidationQueuePropViolations(settings: InvalidationQueueSettings): string[] {
  return INVALIDATION_QUEUE_PROP_RULES.flatMap((rule) => rule(settings));
}

/**
 * Check the props against every rule.
 *
 * @throws {ValidationError} listing every violation, one line each
 */
export function validateInvalidationQueueProps(scope: IConstruct, settings: InvalidationQueueSettings): void {
  const violations = invalidationQueuePropViolations(settings);
  if (violations.length > 0) throwViolations(scope, violations);
}

/**
 * Throw CDK's ValidationError for `violations`: a first line naming the construct, then one line per violation.
 *
 * @throws {ValidationError} always
 */
export function throwViolations(scope: IConstruct, violations: readonly string[]): never {
  throw new ValidationError(
    ERROR_NAME,
    `InvalidationQueue ${scope.node.path} has invalid props:\n${violations.map((violation) => `- ${violation}`).join('\n')}`,
    scope,
  );
}
