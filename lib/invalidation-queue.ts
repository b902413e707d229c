// Over 250 lines on purpose: one class whose public fields and grant methods a user reads together. Its props,
// defaults, prop rules, alarms, dashboard and lease table already live in modules of their own (see below).
import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENVIRONMENT, invalidatorConfigSchema, type BucketConfig, type InvalidatorConfig } from '../lambda/config.ts';
import type { GaugeName, MetricName } from '../lambda/metrics.ts';
import { addAlarms, addDashboard } from './alarms-and-dashboard.ts';
import { handlerCode } from './handler-code.ts';
import { visibilityTimeoutOf, withDefaults, type InvalidationQueueSettings } from './invalidation-queue-defaults.ts';
import type { InvalidationQueueProps } from './invalidation-queue-props.ts';
import { createLeaseTable, leaseTableStatement } from './lease-table.ts';
import {
  allowS3ToSend,
  notifyQueue,
  S3_CONTENT_DETAIL_TYPES,
  S3Delivery,
  tightenNotificationsHandler,
  type AddS3SourceOptions,
  type NotifiedBucket,
  type S3SourceOptions,
} from './s3-source.ts';
import { MAX_ENVIRONMENT_BYTES } from './service-limits.ts';
import { handlerConfigInput, throwViolations, validateInvalidationQueueProps } from './validate-invalidation-queue-props.ts';
import { tenantPolicyStatements } from './tenant-permissions.ts';
import { formatIssues } from '../lambda/read/issue-format.ts';

export type { InvalidationBucket, InvalidationDistribution, InvalidationQueueProps } from './invalidation-queue-props.ts';
export { S3Delivery, type AddS3SourceOptions, type S3SourceOptions } from './s3-source.ts';

/**
 * The InvalidationQueue construct: queues, function, grants. Its props live in invalidation-queue-props.ts, their
 * defaults in invalidation-queue-defaults.ts, their rules in validate-invalidation-queue-props.ts, alarms and the
 * dashboard in alarms-and-dashboard.ts, where the handler's code comes from in handler-code.ts, the send lease table
 * in lease-table.ts.
 */

/** Actions a producer needs on the queue: send, and look the URL up by name (boto3's `get_queue_url`). */
export const PRODUCER_QUEUE_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueUrl'] as const;
/** KMS actions SQS needs from whoever sends to a queue encrypted with a customer managed key. */
export const SEND_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;
/**
 * Actions an operator needs on the dead-letter queue for `cfiq dlq list` and `cfiq dlq redrive`: read its depth,
 * peek (receive, then make visible again), delete what was moved, and run SQS message move tasks.
 */
export const DEAD_LETTER_OPERATOR_ACTIONS = [
  'sqs:GetQueueAttributes',
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:StartMessageMoveTask',
  'sqs:ListMessageMoveTasks',
  'sqs:CancelMessageMoveTask',
] as const;

/** CloudFront actions `cfiq wait` and `cfiq status` need on the configured distributions: what was invalidated, and when. */
export const INVALIDATION_READ_ACTIONS = ['cloudfront:ListInvalidations', 'cloudfront:GetInvalidation'] as const;
/** Actions `cfiq wait` needs on the dead-letter queue to look for its message without consuming it (receive, then make visible again). */
export const DEAD_LETTER_PEEK_ACTIONS = ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility'] as const;
/** The action `cfiq status` needs to read the handler's backlog gauges; CloudWatch has no resource-level permission for it. */
export const GAUGE_READ_ACTIONS = ['cloudwatch:GetMetricData'] as const;

/** Environment bytes kept for values only known at deploy time (the dead-letter queue URL). */
const UNRESOLVED_ENVIRONMENT_VALUE_BYTES = 256;

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
  /**
   * Where concurrent invocations take turns per distribution before sending (`sendLeases`); the function may
   * `dynamodb:PutItem` and `dynamodb:DeleteItem` on it. Undefined when `sendLeases` is false.
   */
  public readonly leaseTable?: dynamodb.Table;
  /** Where both alarms notify, on alarm and on recovery. KMS-encrypted, TLS only. */
  public readonly alarmTopic: sns.Topic;
  /** Fires when the dead-letter queue holds any message. */
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  /** Fires when the oldest queued message is older than `oldestMessageAlarmThreshold`. */
  public readonly oldestMessageAlarm: cloudwatch.Alarm;
  /** Per configured distribution, in their order: fires when a message has waited for its in-progress budget too long. */
  public readonly backlogAgeAlarms: cloudwatch.Alarm[];
  /** Traffic, invalidations, failures and both queues at a glance. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The validated handler configuration, as passed in `INVALIDATOR_CONFIG`, with the S3 sources added so far. */
  public get config(): InvalidatorConfig {
    return this.s3Sources.length === 0 ? this.baseConfig : { ...this.baseConfig, buckets: [...this.s3Sources] };
  }
  /** The customer managed key of both queues, when `QueueEncryption.KMS` is used. */
  public readonly encryptionMasterKey?: kms.IKey;

  /** The handler's `service` metric dimension (and Powertools service name). */
  public readonly serviceName: string;
  /** The CloudWatch namespace of the handler's metrics. */
  public readonly metricsNamespace: string;
  private eventBridgeSources = 0;
  private readonly baseConfig: InvalidatorConfig;
  /** The configuration's `buckets`, as addS3Source adds them. */
  private readonly s3Sources: BucketConfig[] = [];
  /** The buckets notifying the queue, by name, each with the key prefixes it notifies of. */
  private readonly notifiedBuckets = new Map<string, NotifiedBucket>();
  private readonly logRetention: logs.RetentionDays;
  /** The function's environment, for the size check when the configuration grows. */
  private handlerEnvironment: Readonly<Record<string, string>> = {};

  public constructor(scope: Construct, id: string, props: InvalidationQueueProps) {
    super(scope, id);

    const settings = withDefaults(props);
    validateInvalidationQueueProps(this, settings);
    // The rules passed, so the schema does too; parsed again for its output (lower-cased hostnames, defaults). The
    // buckets are added below, by addS3Source.
    const { buckets, ...baseConfig } = invalidatorConfigSchema.parse(handlerConfigInput(settings));
    this.baseConfig = baseConfig;
    this.logRetention = settings.logRetention;
    this.serviceName = settings.serviceName;
    this.metricsNamespace = settings.metricsNamespace;

    // Queues: both encrypted at rest and TLS only.
    const encryption = settings.encryption ?? (settings.encryptionMasterKey !== undefined ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED);
    this.encryptionMasterKey =
      encryption === sqs.QueueEncryption.KMS
        ? (settings.encryptionMasterKey ??
          new kms.Key(this, 'QueueKey', {
            description: 'Encrypts the CloudFront invalidation queue and its dead-letter queue',
            enableKeyRotation: true,
          }))
        : undefined;
    const encryptionMasterKey = this.encryptionMasterKey;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption,
      encryptionMasterKey,
      enforceSSL: true,
      retentionPeriod: settings.deadLetterQueueRetentionPeriod,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption,
      encryptionMasterKey,
      enforceSSL: true,
      retentionPeriod: settings.retentionPeriod,
      visibilityTimeout: visibilityTimeoutOf(settings),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: settings.logRetention });
    this.leaseTable = settings.sendLeases ? createLeaseTable(this, 'LeaseTable') : undefined;
    this.handler = this.createHandler(settings);

    const oldestMessageAlarmSeconds = settings.oldestMessageAlarmThreshold.toSeconds();
    const backlogAgeAlarmSeconds = settings.backlogAgeAlarmThreshold.toSeconds();
    const alarms = addAlarms(this, {
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      oldestMessageAlarmSeconds,
      alarmEmails: settings.alarmEmails,
      distributionIds: this.config.distributions.map((distribution) => distribution.id),
      backlogAgeAlarmSeconds,
      gauge: (name, distributionId) => this.distributionMetric(name, distributionId),
    });
    this.alarmTopic = alarms.alarmTopic;
    this.deadLetterQueueAlarm = alarms.deadLetterQueueAlarm;
    this.oldestMessageAlarm = alarms.oldestMessageAlarm;
    this.backlogAgeAlarms = alarms.backlogAgeAlarms;
    this.dashboard = addDashboard(this, {
      ...alarms,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      handler: this.handler,
      oldestMessageAlarmSeconds,
      metric: (name) => this.metric(name),
      distributionIds: this.config.distributions.map((distribution) => distribution.id),
      backlogAgeAlarmSeconds,
      gauge: (name, distributionId) => this.distributionMetric(name, distributionId),
      sendLeases: this.leaseTable !== undefined,
    });

    // The buckets of the props, looked up by name; each bucket's shorter key prefixes notify first (see addS3Source).
    const sources = (buckets ?? []).map(({ name, ...options }) => {
      const bucket = this.bucketNamed(name);
      return { bucket, options: this.addS3SourceConfig(bucket, options, S3Delivery.NOTIFICATION) };
    });
    const byPrefix = [...sources].sort((a, b) => a.options.keyPrefix.length - b.options.keyPrefix.length);
    for (const { bucket, options } of byPrefix) this.notifyOf(bucket, options.keyPrefix);
  }

  /**
   * Invalidate what changes in an S3 bucket (a static site's origin): sets the bucket's event notifications to the
   * queue for created and removed objects under `keyPrefix`, lets S3 send to the queue (`sqs:SendMessage` in the
   * queue policy, and with `QueueEncryption.KMS` `kms:GenerateDataKey` and `kms:Decrypt` in the key policy, both only
   * for this bucket, `aws:SourceArn`, and its account, `aws:SourceAccount`), and adds the bucket to the handler's
   * configuration (`buckets`). aws-cdk-lib puts the notification configuration with a function of its own (one per
   * stack), given a log group of its own here.
   *
   * S3 refuses two notifications of one event type whose prefixes overlap: a bucket that already notifies something
   * of created or removed objects can deliver through EventBridge instead (`delivery: S3Delivery.EVENTBRIDGE`: the
   * bucket's EventBridge delivery turned on, and a rule for its Object Created and Object Deleted events, as
   * addEventBridgeSource). Several sources of one bucket share its notifications, one per prefix; add the one with
   * the shorter `keyPrefix` first.
   *
   * @example
   * const site = s3.Bucket.fromBucketName(this, 'Site', 'example-site');
   * invalidator.addS3Source(site, { distributionId: 'EDFDVBD6EXAMPLE', keyPrefix: 'public/', indexDocument: 'index.html' });
   * @param bucket - the bucket; one of another account must be imported with its `account`
   * @throws {ValidationError} when the options break the configuration's rules (the distribution is not configured,
   * a bad `pathPrefix`, the same source twice), or a notification would overlap one of this construct
   */
  public addS3Source(bucket: s3.IBucket, options: AddS3SourceOptions): void {
    const { delivery = S3Delivery.NOTIFICATION, ...source } = options;
    const { keyPrefix } = this.addS3SourceConfig(bucket, source, delivery);
    if (delivery === S3Delivery.EVENTBRIDGE) this.deliverThroughEventBridge(bucket);
    else this.notifyOf(bucket, keyPrefix);
  }

  /** The bucket of that name, looked up once (one notification configuration per bucket). */
  private bucketNamed(name: string): s3.IBucket {
    return this.notifiedBuckets.get(name)?.bucket ?? s3.Bucket.fromBucketName(this, `Bucket${this.notifiedBuckets.size + 1}`, name);
  }

  /** Validate the source with the configuration's schema and add it to the configuration. */
  private addS3SourceConfig(bucket: s3.IBucket, options: S3SourceOptions, delivery: S3Delivery): BucketConfig {
    const name = bucket.bucketName;
    const known = this.notifiedBuckets.get(name);
    if (known !== undefined && known.delivery !== delivery) {
      this.fail(`addS3Source: bucket ${name} already delivers its events by ${known.delivery}: all its sources use one delivery (given ${delivery})`);
    }
    // Names known only at deploy time are checked as stand-ins (one per bucket), then kept as the tokens they are.
    const standIns = new Map<string, string>();
    const checked = (source: { readonly name: string }) => {
      if (!Token.isUnresolved(source.name)) return source;
      if (!standIns.has(source.name)) standIns.set(source.name, `deploy-time-bucket-${standIns.size + 1}`);
      return { ...source, name: standIns.get(source.name)! };
    };
    const buckets = [...this.s3Sources, { name, ...options }].map(checked);
    const result = invalidatorConfigSchema.safeParse({ ...this.baseConfig, buckets }, { reportInput: true });
    if (!result.success) this.fail(`addS3Source: ${result.error.issues.map((issue) => formatIssues([issue])).join('; ')}`);
    const source = { ...result.data.buckets!.at(-1)!, name };
    this.s3Sources.push(source);
    if (known === undefined) this.notifiedBuckets.set(name, { bucket, delivery, keyPrefixes: [] });
    this.checkEnvironmentSize();
    return source;
  }

  /**
   * Deliver the bucket's Object Created and Object Deleted events from the default bus, once per bucket: the rule
   * matches the bucket's name only, since AWS does not say how EventBridge writes keys (the handler ignores keys
   * outside every `keyPrefix`, and counts them).
   */
  private deliverThroughEventBridge(bucket: s3.IBucket): void {
    const notified = this.notifiedBuckets.get(bucket.bucketName)!;
    if (notified.keyPrefixes.length > 0) return;
    notified.keyPrefixes.push('');
    notified.bucket.enableEventBridgeNotification();
    tightenNotificationsHandler(notified.bucket, this.logRetention);
    const defaultBus = (this.node.tryFindChild('DefaultBus') as events.IEventBus | undefined) ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    this.addEventBridgeSource(defaultBus, {
      source: ['aws.s3'],
      detailType: [...S3_CONTENT_DETAIL_TYPES],
      detail: { bucket: { name: [notified.bucket.bucketName] } },
    });
  }

  /** Notify the queue of the bucket's changes under `keyPrefix`, unless a notification of a shorter prefix covers it. */
  private notifyOf(bucket: s3.IBucket, keyPrefix: string): void {
    const notified = this.notifiedBuckets.get(bucket.bucketName)!;
    if (notified.keyPrefixes.some((prefix) => keyPrefix.startsWith(prefix))) return;
    const covered = notified.keyPrefixes.filter((prefix) => prefix.startsWith(keyPrefix));
    if (covered.length > 0) {
      this.fail(
        `addS3Source: bucket ${bucket.bucketName} already notifies the queue of keys under ${covered.map((prefix) => JSON.stringify(prefix)).join(', ')}, ` +
          `which keyPrefix ${JSON.stringify(keyPrefix)} overlaps (S3 refuses overlapping notifications): add the source with the shorter keyPrefix first`,
      );
    }
    notified.keyPrefixes.push(keyPrefix);
    const dependencies = notified.keyPrefixes.length === 1 ? allowS3ToSend(this, this.queue, this.encryptionMasterKey, notified.bucket) : [this.queue];
    notifyQueue(notified.bucket, this.queue, keyPrefix, dependencies);
    tightenNotificationsHandler(notified.bucket, this.logRetention);
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
   * the same actions as {@link InvalidationQueue.grantSendMessages}.
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
   * Grant an operator what `cfiq dlq list` and `cfiq dlq redrive` need: on the dead-letter queue
   * `sqs:GetQueueAttributes`, `sqs:ReceiveMessage`, `sqs:ChangeMessageVisibility`, `sqs:DeleteMessage`,
   * `sqs:StartMessageMoveTask`, `sqs:ListMessageMoveTasks` and `sqs:CancelMessageMoveTask`; on the invalidation
   * queue, where redriven messages go, `sqs:SendMessage`; with `QueueEncryption.KMS` also `kms:GenerateDataKey` and
   * `kms:Decrypt` on the queues' key. Reading the queue URLs from the stack's outputs needs
   * `cloudformation:DescribeStacks` besides; give `--dlq-url` and `--queue-url` instead to do without.
   *
   * @example
   * invalidator.grantDeadLetterQueueAccess(operatorsRole);
   * @param grantee - the operator, e.g. an on-call role
   */
  public grantDeadLetterQueueAccess(grantee: iam.IGrantable): iam.Grant {
    const deadLetterQueue = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: [...DEAD_LETTER_OPERATOR_ACTIONS],
      resourceArns: [this.deadLetterQueue.queueArn],
      resource: this.deadLetterQueue,
    });
    return deadLetterQueue.combine(this.grantSend(grantee, this.queue, ['sqs:SendMessage']));
  }

  /**
   * Grant what `cfiq wait`, `cfiq send --wait` (besides {@link InvalidationQueue.grantSendMessages}) and `cfiq status` read, for a CI
   * role that waits until a purge is live:
   *
   * - `cloudfront:ListInvalidations` and `cloudfront:GetInvalidation` on the configured distributions;
   * - `sqs:ReceiveMessage` and `sqs:ChangeMessageVisibility` on the dead-letter queue, where the wait looks for its
   *   message without consuming it (received, then made visible again at once; skip with `--ignore-dlq`), and with
   *   `QueueEncryption.KMS` also `kms:Decrypt` on the queues' key;
   * - `cloudwatch:GetMetricData` on `*`: CloudWatch has no resource-level permission for it (nor a condition key
   *   naming a namespace), so it reads any metric of the account; `cfiq status` reads only the handler's gauges.
   *   cdk-nag's AwsSolutions pack reports it on the grantee's policy as `AwsSolutions-IAM5[Resource::*]`: acknowledge
   *   that finding with this reason.
   *
   * Reading the queue URLs from the stack's outputs needs `cloudformation:DescribeStacks` besides; set
   * `CFIQ_QUEUE_URL` and `CFIQ_DLQ_URL` instead to do without.
   *
   * @example
   * invalidator.grantSendMessages(ciRole);
   * invalidator.grantWaitForInvalidations(ciRole);
   * @param grantee - the waiter, e.g. a CI deploy role
   */
  public grantWaitForInvalidations(grantee: iam.IGrantable): iam.Grant {
    const invalidations = iam.Grant.addToPrincipal({
      grantee,
      actions: [...INVALIDATION_READ_ACTIONS],
      resourceArns: this.distributionArns(),
    });
    const gauges = iam.Grant.addToPrincipal({ grantee, actions: [...GAUGE_READ_ACTIONS], resourceArns: ['*'] });
    const deadLetters = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: [...DEAD_LETTER_PEEK_ACTIONS],
      resourceArns: [this.deadLetterQueue.queueArn],
      resource: this.deadLetterQueue,
    });
    const grant = invalidations.combine(gauges).combine(deadLetters);
    return this.encryptionMasterKey === undefined ? grant : grant.combine(this.encryptionMasterKey.grantDecrypt(grantee));
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

  /**
   * One of the handler's per-distribution gauges (`PathsWaiting`, `OldestWaitingAgeSeconds`,
   * `InvalidationsInProgress`), its maximum over `period`, for the dashboard or an alarm of your own.
   */
  public distributionMetric(metricName: GaugeName, distributionId: string, period = Duration.minutes(5)): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName,
      dimensionsMap: { service: this.serviceName, DistributionId: distributionId },
      statistic: cloudwatch.Stats.MAXIMUM,
      period,
    });
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

  /** The function, its own role (no managed policy, no `*` resource) and its event source. */
  private createHandler(settings: InvalidationQueueSettings): nodejs.NodejsFunction {
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Invalidates the configured CloudFront distributions from the invalidation queue',
    });
    this.logGroup.grantWrite(role);
    const environment: Record<string, string> = {
      // Lazy: addS3Source adds buckets after the function exists.
      [ENVIRONMENT.config]: Lazy.string({ produce: () => Stack.of(this).toJsonString(this.config) }),
      [ENVIRONMENT.deadLetterQueueUrl]: this.deadLetterQueue.queueUrl,
      [ENVIRONMENT.maxReceiveCount]: String(settings.maxReceiveCount),
      [ENVIRONMENT.retryBaseDelaySeconds]: String(settings.retryBaseDelay.toSeconds()),
      [ENVIRONMENT.retryMaxDelaySeconds]: String(settings.retryMaxDelay.toSeconds()),
      [ENVIRONMENT.maxBacklogAgeSeconds]: String(settings.maxBacklogAge.toSeconds()),
      ...(this.leaseTable !== undefined ? { [ENVIRONMENT.leaseTableName]: this.leaseTable.tableName } : {}),
      POWERTOOLS_SERVICE_NAME: this.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
      NODE_OPTIONS: '--enable-source-maps',
    };
    this.handlerEnvironment = environment;
    this.checkEnvironmentSize();
    const handler = new nodejs.NodejsFunction(this, 'Handler', {
      // The package's prebuilt bundle, or (in this repository) the source bundled at synth time.
      ...handlerCode(),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: 'Coalesces queued publish events into CloudFront invalidations',
      timeout: settings.timeout,
      memorySize: settings.memorySize,
      role,
      logGroup: this.logGroup,
      environment,
    });
    handler.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxBatchingWindow: settings.maxBatchingWindow,
        maxConcurrency: settings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // List and Get: what is in progress before a batch sends, so it sends only what CloudFront's limits allow.
        actions: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation', 'cloudfront:ListInvalidations'],
        resources: this.distributionArns(),
      }),
    );
    // Distribution tenants (CloudFront SaaS Manager): their own invalidation API, and the lookup when it is on.
    for (const statement of tenantPolicyStatements(Stack.of(this), this.config)) role.addToPrincipalPolicy(statement);
    this.grantSend(role, this.deadLetterQueue, ['sqs:SendMessage']);
    // The rest of a large message, when part of it was invalidated, goes back on the queue as a smaller message.
    this.grantSend(role, this.queue, ['sqs:SendMessage']);
    if (this.leaseTable !== undefined) role.addToPrincipalPolicy(leaseTableStatement(this.leaseTable));
    return handler;
  }

  /** The ARNs of the configured distributions (CloudFront is global: no region). */
  private distributionArns(): string[] {
    const stack = Stack.of(this);
    return this.config.distributions.map((distribution) =>
      stack.formatArn({ service: 'cloudfront', region: '', resource: 'distribution', resourceName: distribution.id }),
    );
  }

  /** The function's environment, with the configuration as it stands, within Lambda's 4 KB. */
  private checkEnvironmentSize(): void {
    const configBytes = Buffer.byteLength(JSON.stringify(this.config));
    let bytes = 0;
    for (const [name, value] of Object.entries(this.handlerEnvironment)) {
      bytes +=
        Buffer.byteLength(name) +
        (name === ENVIRONMENT.config ? configBytes : Token.isUnresolved(value) ? UNRESOLVED_ENVIRONMENT_VALUE_BYTES : Buffer.byteLength(value));
    }
    if (bytes > MAX_ENVIRONMENT_BYTES) {
      this.fail(
        `distributions do not fit in the function's environment: about ${bytes} bytes with ` +
          `${ENVIRONMENT.config} of ${configBytes} bytes, above ` +
          `Lambda's ${MAX_ENVIRONMENT_BYTES}; use fewer or shorter hostnames (e.g. ".example.org" for all subdomains) or buckets`,
      );
    }
  }

  private fail(message: string): never {
    throwViolations(this, [message]);
  }
}
