import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENVIRONMENT, parseInvalidatorConfig, type InvalidatorConfig } from '../lambda/config.ts';
import {
  DEADLINE_MARGIN_MS,
  DEFAULT_BATCH_SIZE,
  DEFAULT_DEAD_LETTER_RETENTION_DAYS,
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  DEFAULT_MAX_BATCHING_WINDOW_SECONDS,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_MAX_RECEIVE_COUNT,
  DEFAULT_MEMORY_SIZE_MB,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_OLDEST_MESSAGE_ALARM_SECONDS,
  DEFAULT_QUEUE_RETENTION_DAYS,
  DEFAULT_RETRY_BASE_DELAY_SECONDS,
  DEFAULT_RETRY_MAX_DELAY_SECONDS,
  DEFAULT_SERVICE_NAME,
  MIN_FUNCTION_TIMEOUT_SECONDS,
} from '../lambda/defaults.ts';
import { ConfigurationError } from '../lambda/errors.ts';
import { isEmailAddress } from './email-address.ts';
import { HANDLER_BUNDLING } from './handler-bundling.ts';
import {
  MAX_BATCH_SIZE,
  MAX_BATCH_SIZE_WITHOUT_WINDOW,
  MAX_BATCHING_WINDOW_SECONDS,
  MAX_MAX_CONCURRENCY,
  MAX_MAX_RECEIVE_COUNT,
  MAX_VISIBILITY_TIMEOUT_SECONDS,
  MIN_BATCH_SIZE,
  MIN_MAX_CONCURRENCY,
  MIN_MAX_RECEIVE_COUNT,
} from '../lambda/limits.ts';
import { METRICS, type MetricName } from '../lambda/metrics.ts';
import {
  MAX_ENVIRONMENT_BYTES,
  MAX_FUNCTION_TIMEOUT_SECONDS,
  MAX_MEMORY_SIZE_MB,
  MAX_RETENTION_SECONDS,
  MIN_MEMORY_SIZE_MB,
  MIN_RETENTION_SECONDS,
} from './service-limits.ts';

/** The handler's source; bundled by local esbuild. */
export const HANDLER_ENTRY = fileURLToPath(new URL('../lambda/handler.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Actions a producer needs on the queue: send, and look the URL up by name (boto3's `get_queue_url`). */
export const PRODUCER_QUEUE_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueUrl'] as const;
/** KMS actions SQS needs from whoever sends to a queue encrypted with a customer managed key. */
export const SEND_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/** The visibility timeout is this many function timeouts plus the batching window (AWS's recommendation). */
const VISIBILITY_TIMEOUT_FUNCTION_TIMEOUTS = 6;
/** Environment bytes kept for values only known at deploy time (the dead-letter queue URL). */
const UNRESOLVED_ENVIRONMENT_VALUE_BYTES = 256;

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
   * `minPathsPerDirectory` valid range: 2 to 3000.
   *
   * @default - off: paths are invalidated as requested
   */
  readonly wildcardCollapse?: { readonly minPathsPerDirectory?: number };

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

/**
 * An SQS queue of publish events, a Lambda function that coalesces their paths into CloudFront invalidations, a
 * dead-letter queue that keeps every message that could not be processed (with its reason), alarms on both queues
 * and a dashboard.
 *
 * @example
 * const invalidator = new InvalidationQueue(this, 'Invalidator', {
 *   distributions: [{ id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org', '.example.org'] }],
 *   alarmEmails: ['ops@example.org'],
 * });
 * invalidator.grantSendMessages(cmsRole);
 */
export class InvalidationQueue extends Construct {
  /** The queue producers send publish events to. */
  public readonly queue: sqs.Queue;
  /** Messages that could not be processed, each with its reason in the `ErrorCode` / `ErrorMessage` attributes. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The function that turns batches of messages into CloudFront invalidations. */
  public readonly handler: nodejs.NodejsFunction;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** Where both alarms notify, on alarm and on recovery. KMS-encrypted, TLS only. */
  public readonly alarmTopic: sns.Topic;
  /** Fires when the dead-letter queue holds any message. */
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  /** Fires when the oldest queued message is older than `oldestMessageAlarmThreshold`. */
  public readonly oldestMessageAlarm: cloudwatch.Alarm;
  /** Traffic, invalidations, failures and both queues at a glance. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The validated handler configuration, as passed in `INVALIDATOR_CONFIG`. */
  public readonly config: InvalidatorConfig;
  /** The customer managed key of both queues, when `QueueEncryption.KMS` is used. */
  public readonly encryptionMasterKey?: kms.IKey;

  private readonly serviceName: string;
  private readonly metricsNamespace: string;
  private readonly oldestMessageAlarmSeconds: number;
  private eventBridgeSources = 0;

  public constructor(scope: Construct, id: string, props: InvalidationQueueProps) {
    super(scope, id);

    this.config = this.parseConfig(props);
    const batchSize = props.batchSize ?? DEFAULT_BATCH_SIZE;
    const maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(DEFAULT_MAX_BATCHING_WINDOW_SECONDS);
    const maxConcurrency = props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
    const timeout = props.timeout ?? Duration.seconds(DEFAULT_FUNCTION_TIMEOUT_SECONDS);
    const memorySize = props.memorySize ?? DEFAULT_MEMORY_SIZE_MB;
    const retentionPeriod = props.retentionPeriod ?? Duration.days(DEFAULT_QUEUE_RETENTION_DAYS);
    const deadLetterQueueRetentionPeriod =
      props.deadLetterQueueRetentionPeriod ?? Duration.days(DEFAULT_DEAD_LETTER_RETENTION_DAYS);
    const retryBaseDelay = props.retryBaseDelay ?? Duration.seconds(DEFAULT_RETRY_BASE_DELAY_SECONDS);
    const retryMaxDelay = props.retryMaxDelay ?? Duration.seconds(DEFAULT_RETRY_MAX_DELAY_SECONDS);
    const oldestMessageAlarmThreshold =
      props.oldestMessageAlarmThreshold ?? Duration.seconds(DEFAULT_OLDEST_MESSAGE_ALARM_SECONDS);
    this.serviceName = props.serviceName ?? DEFAULT_SERVICE_NAME;
    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;

    this.checkInteger('batchSize', batchSize, MIN_BATCH_SIZE, MAX_BATCH_SIZE);
    this.checkSeconds('maxBatchingWindow', maxBatchingWindow, 0, MAX_BATCHING_WINDOW_SECONDS);
    if (
      !Token.isUnresolved(batchSize) &&
      !maxBatchingWindow.isUnresolved() &&
      batchSize > MAX_BATCH_SIZE_WITHOUT_WINDOW &&
      maxBatchingWindow.toSeconds() < 1
    ) {
      this.fail(
        `maxBatchingWindow must be at least 1 second when batchSize is above ${MAX_BATCH_SIZE_WITHOUT_WINDOW} ` +
          `(given batchSize ${batchSize} and maxBatchingWindow ${maxBatchingWindow.toSeconds()} seconds)`,
      );
    }
    this.checkInteger('maxConcurrency', maxConcurrency, MIN_MAX_CONCURRENCY, MAX_MAX_CONCURRENCY);
    this.checkInteger('maxReceiveCount', maxReceiveCount, MIN_MAX_RECEIVE_COUNT, MAX_MAX_RECEIVE_COUNT);
    this.checkSeconds(
      'timeout',
      timeout,
      MIN_FUNCTION_TIMEOUT_SECONDS,
      MAX_FUNCTION_TIMEOUT_SECONDS,
      `the handler starts no CloudFront call with less than ${DEADLINE_MARGIN_MS / 1000} seconds left`,
    );
    this.checkInteger('memorySize', memorySize, MIN_MEMORY_SIZE_MB, MAX_MEMORY_SIZE_MB);
    this.checkSeconds('retentionPeriod', retentionPeriod, MIN_RETENTION_SECONDS, MAX_RETENTION_SECONDS);
    this.checkSeconds(
      'deadLetterQueueRetentionPeriod',
      deadLetterQueueRetentionPeriod,
      MIN_RETENTION_SECONDS,
      MAX_RETENTION_SECONDS,
    );
    if (
      !retentionPeriod.isUnresolved() &&
      !deadLetterQueueRetentionPeriod.isUnresolved() &&
      deadLetterQueueRetentionPeriod.toSeconds() < retentionPeriod.toSeconds()
    ) {
      this.fail(
        'deadLetterQueueRetentionPeriod must be at least retentionPeriod, since a redriven message keeps its ' +
          `original enqueue time (given ${deadLetterQueueRetentionPeriod.toSeconds()} seconds, ` +
          `retentionPeriod ${retentionPeriod.toSeconds()} seconds)`,
      );
    }
    this.checkSeconds('retryBaseDelay', retryBaseDelay, 0, MAX_VISIBILITY_TIMEOUT_SECONDS);
    const retryBaseSeconds = retryBaseDelay.isUnresolved() ? 0 : retryBaseDelay.toSeconds();
    this.checkSeconds('retryMaxDelay', retryMaxDelay, retryBaseSeconds, MAX_VISIBILITY_TIMEOUT_SECONDS);
    this.checkSeconds('oldestMessageAlarmThreshold', oldestMessageAlarmThreshold, 60, MAX_RETENTION_SECONDS);
    this.oldestMessageAlarmSeconds = oldestMessageAlarmThreshold.toSeconds();
    const visibilityTimeout = this.visibilityTimeout(props.visibilityTimeout, timeout, maxBatchingWindow);
    const alarmEmails = props.alarmEmails ?? [];
    for (const email of alarmEmails) {
      if (!Token.isUnresolved(email) && !isEmailAddress(email)) {
        this.fail(`alarmEmails must hold email addresses (given ${JSON.stringify(email)})`);
      }
    }

    // Queues: both encrypted at rest and TLS only.
    const { encryption, encryptionMasterKey } = this.encryption(props.encryption, props.encryptionMasterKey);
    this.encryptionMasterKey = encryptionMasterKey;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption,
      encryptionMasterKey,
      enforceSSL: true,
      retentionPeriod: deadLetterQueueRetentionPeriod,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption,
      encryptionMasterKey,
      enforceSSL: true,
      retentionPeriod,
      visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    // The function: its own role, so that it gets no managed policy and no `*` resource.
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Invalidates the configured CloudFront distributions from the invalidation queue',
    });
    this.logGroup.grantWrite(role);
    const environment: Record<string, string> = {
      [ENVIRONMENT.config]: JSON.stringify(this.config),
      [ENVIRONMENT.deadLetterQueueUrl]: this.deadLetterQueue.queueUrl,
      [ENVIRONMENT.maxReceiveCount]: String(maxReceiveCount),
      [ENVIRONMENT.retryBaseDelaySeconds]: String(retryBaseDelay.toSeconds()),
      [ENVIRONMENT.retryMaxDelaySeconds]: String(retryMaxDelay.toSeconds()),
      POWERTOOLS_SERVICE_NAME: this.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
      NODE_OPTIONS: '--enable-source-maps',
    };
    this.checkEnvironmentSize(environment);
    this.handler = new nodejs.NodejsFunction(this, 'Handler', {
      entry: HANDLER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: 'Coalesces queued publish events into CloudFront invalidations',
      timeout,
      memorySize,
      role,
      logGroup: this.logGroup,
      environment,
      bundling: { ...HANDLER_BUNDLING, logLevel: nodejs.LogLevel.WARNING },
    });
    this.handler.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize,
        maxBatchingWindow,
        maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudfront:CreateInvalidation'],
        resources: this.config.distributions.map((distribution) =>
          stack.formatArn({
            service: 'cloudfront',
            region: '',
            resource: 'distribution',
            resourceName: distribution.id,
          }),
        ),
      }),
    );
    this.grantSend(role, this.deadLetterQueue, ['sqs:SendMessage']);
    // The rest of a large message, when part of it was invalidated, goes back on the queue as a smaller message.
    this.grantSend(role, this.queue, ['sqs:SendMessage']);

    // Operations: alarms to an encrypted, TLS-only topic, and a dashboard.
    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the invalidation queue alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to an encrypted topic only when the key allows them; the conditions limit that to
    // this account's alarms in this region, so no other account's alarm can use the key (confused deputy).
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'CloudFront invalidation queue alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
    for (const email of alarmEmails) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    const alarmAction = new cloudwatchActions.SnsAction(this.alarmTopic);

    this.deadLetterQueueAlarm = new cloudwatch.Alarm(this, 'DeadLetterQueueAlarm', {
      alarmDescription:
        'The dead-letter queue holds messages that could not be processed; each carries its reason in the ' +
        'ErrorCode and ErrorMessage message attributes. Inspect them, fix the cause, then redrive or purge.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.oldestMessageAlarm = new cloudwatch.Alarm(this, 'OldestMessageAlarm', {
      alarmDescription:
        'Publish events wait in the invalidation queue longer than expected: the function fails, is throttled, ' +
        'or CloudFront keeps refusing invalidations. Check the function logs and the dashboard.',
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: this.oldestMessageAlarmSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.deadLetterQueueAlarm, this.oldestMessageAlarm]) {
      alarm.addAlarmAction(alarmAction);
      alarm.addOkAction(alarmAction);
    }
    this.dashboard = this.createDashboard();
  }

  /**
   * Grant a producer the right to send publish events: `sqs:SendMessage` and `sqs:GetQueueUrl` on the queue, and
   * with `QueueEncryption.KMS` also `kms:GenerateDataKey` and `kms:Decrypt` on its key. A principal of another
   * account is granted through the queue's resource policy.
   *
   * @param grantee - the producer, e.g. the CMS's role
   */
  public grantSendMessages(grantee: iam.IGrantable): iam.Grant {
    return this.grantSend(grantee, this.queue, PRODUCER_QUEUE_ACTIONS);
  }

  /**
   * The statements of a producer policy, for an `iam.ManagedPolicy` that a role outside this app attaches:
   * the same actions as {@link grantSendMessages}.
   */
  public producerPolicyStatements(): iam.PolicyStatement[] {
    const statements = [
      new iam.PolicyStatement({ actions: [...PRODUCER_QUEUE_ACTIONS], resources: [this.queue.queueArn] }),
    ];
    if (this.encryptionMasterKey !== undefined) {
      statements.push(
        new iam.PolicyStatement({ actions: [...SEND_KEY_ACTIONS], resources: [this.encryptionMasterKey.keyArn] }),
      );
    }
    return statements;
  }

  /**
   * Deliver events from an EventBridge bus to the queue. The queue receives the whole event; the handler takes
   * the message from its `detail`. Events EventBridge cannot deliver go to the dead-letter queue.
   *
   * @example
   * invalidator.addEventBridgeSource(bus, { source: ['wagtail'], detailType: ['page.published'] });
   * @param bus - the bus producers put publish events on
   * @param pattern - the events to deliver; must not be empty
   * @returns the rule
   */
  public addEventBridgeSource(bus: events.IEventBus, pattern: events.EventPattern): events.Rule {
    if (Object.values(pattern).every((value) => value === undefined)) {
      this.fail('addEventBridgeSource needs a non-empty event pattern (given {})');
    }
    this.eventBridgeSources += 1;
    const rule = new events.Rule(this, `EventBridgeSource${this.eventBridgeSources}`, {
      description: 'Delivers publish events to the CloudFront invalidation queue',
      eventBus: bus,
      eventPattern: pattern,
    });
    rule.addTarget(new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue }));
    return rule;
  }

  /** One of the handler's metrics, summed over `period`, for the dashboard or an alarm of your own. */
  public metric(metricName: MetricName, period = Duration.minutes(5)): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName,
      dimensionsMap: { service: this.serviceName },
      statistic: cloudwatch.Stats.SUM,
      period,
    });
  }

  private grantSend(grantee: iam.IGrantable, queue: sqs.IQueue, actions: readonly string[]): iam.Grant {
    const grant = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: [...actions],
      resourceArns: [queue.queueArn],
      resource: queue,
    });
    return this.encryptionMasterKey === undefined
      ? grant
      : grant.combine(this.encryptionMasterKey.grant(grantee, ...SEND_KEY_ACTIONS));
  }

  private parseConfig(props: InvalidationQueueProps): InvalidatorConfig {
    try {
      return parseInvalidatorConfig(
        {
          distributions: props.distributions,
          maxPathsPerInvalidation: props.maxPathsPerInvalidation,
          maxWildcardsPerInvalidation: props.maxWildcardsPerInvalidation,
          // Only when given: the configuration schema rejects unknown keys.
          ...(props.wildcardCollapse !== undefined ? { wildcardCollapse: props.wildcardCollapse } : {}),
        },
        `InvalidationQueue ${this.node.path}`,
      );
    } catch (error) {
      if (error instanceof ConfigurationError) throw new ConfigurationError(error.message, { cause: error });
      throw error;
    }
  }

  private encryption(
    encryption: sqs.QueueEncryption | undefined,
    key: kms.IKey | undefined,
  ): { encryption: sqs.QueueEncryption; encryptionMasterKey?: kms.IKey } {
    if (key !== undefined && encryption !== undefined && encryption !== sqs.QueueEncryption.KMS) {
      this.fail(`Either give encryptionMasterKey or use encryption ${encryption}, but not both`);
    }
    const chosen = encryption ?? (key !== undefined ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED);
    if (chosen === sqs.QueueEncryption.SQS_MANAGED) return { encryption: chosen };
    if (chosen !== sqs.QueueEncryption.KMS) {
      this.fail(`encryption must be QueueEncryption.SQS_MANAGED or QueueEncryption.KMS (given ${chosen})`);
    }
    return {
      encryption: chosen,
      encryptionMasterKey:
        key ??
        new kms.Key(this, 'QueueKey', {
          description: 'Encrypts the CloudFront invalidation queue and its dead-letter queue',
          enableKeyRotation: true,
        }),
    };
  }

  private visibilityTimeout(given: Duration | undefined, timeout: Duration, window: Duration): Duration {
    if (given === undefined) {
      if (timeout.isUnresolved() || window.isUnresolved()) {
        this.fail('visibilityTimeout must be given when timeout or maxBatchingWindow is only known at deploy time');
      }
      return Duration.seconds(VISIBILITY_TIMEOUT_FUNCTION_TIMEOUTS * timeout.toSeconds() + window.toSeconds());
    }
    this.checkSeconds('visibilityTimeout', given, 0, MAX_VISIBILITY_TIMEOUT_SECONDS);
    if (!given.isUnresolved() && !timeout.isUnresolved() && given.toSeconds() < timeout.toSeconds()) {
      this.fail(
        `visibilityTimeout must be at least the function timeout of ${timeout.toSeconds()} seconds ` +
          `(given ${given.toSeconds()} seconds)`,
      );
    }
    return given;
  }

  private checkEnvironmentSize(environment: Readonly<Record<string, string>>): void {
    let bytes = 0;
    for (const [name, value] of Object.entries(environment)) {
      bytes +=
        Buffer.byteLength(name) +
        (Token.isUnresolved(value) ? UNRESOLVED_ENVIRONMENT_VALUE_BYTES : Buffer.byteLength(value));
    }
    if (bytes > MAX_ENVIRONMENT_BYTES) {
      this.fail(
        `distributions do not fit in the function's environment: about ${bytes} bytes with ` +
          `${ENVIRONMENT.config} of ${Buffer.byteLength(environment[ENVIRONMENT.config] ?? '')} bytes, above ` +
          `Lambda's ${MAX_ENVIRONMENT_BYTES}; use fewer or shorter hostnames (e.g. ".example.org" for all subdomains)`,
      );
    }
  }

  private checkInteger(name: string, value: number, min: number, max: number): void {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.fail(`${name} must be an integer between ${min} and ${max} inclusive (given ${value})`);
    }
  }

  /** @param why - why the range is what it is, when it is not AWS's own */
  private checkSeconds(name: string, value: Duration, min: number, max: number, why?: string): void {
    if (value.isUnresolved()) return;
    const seconds = value.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
      this.fail(
        `${name} must be whole seconds between ${min} and ${max} inclusive${why === undefined ? '' : ` (${why})`} ` +
          `(given ${seconds} seconds)`,
      );
    }
  }

  private fail(message: string): never {
    throw new ConfigurationError(`${this.node.path}: ${message}`);
  }

  private createDashboard(): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(24),
    });
    const graph = (title: string, names: readonly MetricName[]): cloudwatch.GraphWidget =>
      new cloudwatch.GraphWidget({ title, left: names.map((name) => this.metric(name)), width: 8, height: 6 });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [this.deadLetterQueueAlarm, this.oldestMessageAlarm],
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      graph('Messages received', [METRICS.messagesReceived, METRICS.invalidMessages]),
      graph('Invalidations created', [METRICS.invalidationsCreated]),
      graph('Paths requested and submitted', [METRICS.pathsRequested, METRICS.pathsSubmitted]),
    );
    dashboard.addWidgets(
      graph('Failures', [
        METRICS.transientFailures,
        METRICS.permanentFailures,
        METRICS.deadLetteredMessages,
      ]),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: [this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM })],
        leftAnnotations: [{ value: 1, label: 'alarm', color: cloudwatch.Color.RED }],
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Age of oldest message (seconds)',
        left: [this.queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM })],
        leftAnnotations: [{ value: this.oldestMessageAlarmSeconds, label: 'alarm', color: cloudwatch.Color.RED }],
        width: 8,
        height: 6,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: [
          this.queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM }),
          this.queue.metricApproximateNumberOfMessagesNotVisible({ statistic: cloudwatch.Stats.MAXIMUM }),
        ],
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function errors and throttles',
        left: [this.handler.metricErrors(), this.handler.metricThrottles()],
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration (ms)',
        left: [
          this.handler.metricDuration({ statistic: cloudwatch.Stats.p(99) }),
          this.handler.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM }),
        ],
        width: 8,
        height: 6,
      }),
    );
    return dashboard;
  }
}
