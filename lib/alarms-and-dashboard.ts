import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { GAUGES, METRICS, type GaugeName, type MetricName } from '../lambda/metrics.ts';

/**
 * The invalidation queue's operations side: alarms (dead letters, the queue's oldest message, and per distribution the
 * oldest message waiting for its in-progress budget) notifying an encrypted, TLS-only topic, and a dashboard.
 * Created in the InvalidationQueue's own scope, with the ids they always had, so that logical ids do not change.
 */

/** What the alarms watch and whom they notify. */
export interface AlarmsProps {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** Age of the oldest queued message, in seconds, from which the backlog alarm fires. */
  readonly oldestMessageAlarmSeconds: number;
  /** Subscribed to the topic by email. */
  readonly alarmEmails: readonly string[];
  /** The configured distributions: one backlog alarm each. */
  readonly distributionIds: readonly string[];
  /** Age of the oldest message waiting for a distribution's in-progress budget, in seconds, from which its alarm fires. */
  readonly backlogAgeAlarmSeconds: number;
  /** One of the handler's per-distribution gauges, its maximum per 5 minutes. */
  readonly gauge: (name: GaugeName, distributionId: string) => cloudwatch.IMetric;
}

/** The alarms and the topic they notify. */
export interface Alarms {
  readonly alarmTopic: sns.Topic;
  readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  readonly oldestMessageAlarm: cloudwatch.Alarm;
  readonly backlogAgeAlarms: cloudwatch.Alarm[];
}

/** Add the alarm topic (with its key and email subscriptions) and both alarms, notifying on alarm and on recovery. */
export function addAlarms(scope: Construct, props: AlarmsProps): Alarms {
  const stack = Stack.of(scope);
  const topicKey = new kms.Key(scope, 'AlarmTopicKey', {
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
  const alarmTopic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: 'CloudFront invalidation queue alarms',
    masterKey: topicKey,
    enforceSSL: true,
  });
  for (const email of props.alarmEmails) {
    alarmTopic.addSubscription(new subscriptions.EmailSubscription(email));
  }
  const alarmAction = new cloudwatchActions.SnsAction(alarmTopic);

  const deadLetterQueueAlarm = new cloudwatch.Alarm(scope, 'DeadLetterQueueAlarm', {
    alarmDescription:
      'The dead-letter queue holds messages that could not be processed; each carries its reason in the ' +
      'ErrorCode and ErrorMessage message attributes. Inspect them, fix the cause, then redrive or purge.',
    metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const oldestMessageAlarm = new cloudwatch.Alarm(scope, 'OldestMessageAlarm', {
    alarmDescription:
      'Publish events wait in the invalidation queue longer than expected: the function fails, is throttled, ' +
      'or CloudFront keeps refusing invalidations. Check the function logs and the dashboard.',
    metric: props.queue.metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(1),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    threshold: props.oldestMessageAlarmSeconds,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  // Ids by position: a distribution id may be a token.
  const backlogAgeAlarms = props.distributionIds.map(
    (distributionId, index) =>
      new cloudwatch.Alarm(scope, `BacklogAgeAlarm${index}`, {
        alarmDescription:
          'Publish events wait for CloudFront\'s in-progress budget (3,000 paths, 15 wildcards in progress) longer than ' +
          'expected on this distribution: a site-wide republish, or another writer filling the budget. They are not ' +
          'lost; past maxBacklogAge they are dead-lettered (BacklogExpired). Consider wildcards or a collapse.',
        metric: props.gauge(GAUGES.oldestWaitingAge, distributionId),
        threshold: props.backlogAgeAlarmSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
  );
  for (const alarm of [deadLetterQueueAlarm, oldestMessageAlarm, ...backlogAgeAlarms]) {
    alarm.addAlarmAction(alarmAction);
    alarm.addOkAction(alarmAction);
  }
  return { alarmTopic, deadLetterQueueAlarm, oldestMessageAlarm, backlogAgeAlarms };
}

/** What the dashboard shows. */
export interface DashboardProps extends Alarms {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly handler: lambda.IFunction;
  readonly oldestMessageAlarmSeconds: number;
  /** One of the handler's metrics, summed per 5 minutes. */
  readonly metric: (name: MetricName) => cloudwatch.IMetric;
  readonly distributionIds: readonly string[];
  readonly backlogAgeAlarmSeconds: number;
  /** One of the handler's per-distribution gauges, its maximum per 5 minutes. */
  readonly gauge: (name: GaugeName, distributionId: string) => cloudwatch.IMetric;
  /** Whether the function takes send leases: then the dashboard shows when it could not. */
  readonly sendLeases: boolean;
}

/** Add the dashboard: alarms, traffic, invalidations, failures, the backlog, both queues and the function at a glance. */
export function addDashboard(scope: Construct, props: DashboardProps): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    defaultInterval: Duration.hours(24),
  });
  const graph = (title: string, names: readonly MetricName[]): cloudwatch.GraphWidget =>
    new cloudwatch.GraphWidget({ title, left: names.map((name) => props.metric(name)), width: 8, height: 6 });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({
      title: 'Alarms',
      alarms: [props.deadLetterQueueAlarm, props.oldestMessageAlarm, ...props.backlogAgeAlarms],
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    graph('Messages received', [METRICS.messagesReceived, METRICS.invalidMessages, METRICS.messagesWaiting]),
    graph('Invalidations created', [METRICS.invalidationsCreated]),
    graph('Paths requested, submitted and collapsed', [METRICS.pathsRequested, METRICS.pathsSubmitted, METRICS.pathsCollapsed]),
  );
  dashboard.addWidgets(
    graph('Failures', [METRICS.transientFailures, METRICS.permanentFailures, METRICS.deadLetteredMessages]),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queue depth',
      left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM })],
      leftAnnotations: [{ value: 1, label: 'alarm', color: cloudwatch.Color.RED }],
      width: 8,
      height: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Age of oldest message (seconds)',
      left: [props.queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM })],
      leftAnnotations: [{ value: props.oldestMessageAlarmSeconds, label: 'alarm', color: cloudwatch.Color.RED }],
      width: 8,
      height: 6,
    }),
  );
  // The backlog a burst leaves, per distribution: what waits for CloudFront's in-progress budget, and for how long.
  const perDistribution = (name: GaugeName) => props.distributionIds.map((distributionId) => props.gauge(name, distributionId));
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({ title: 'Paths waiting for the in-progress budget', left: perDistribution(GAUGES.pathsWaiting), width: 8, height: 6 }),
    new cloudwatch.GraphWidget({
      title: 'Oldest waiting message (seconds)',
      left: perDistribution(GAUGES.oldestWaitingAge),
      leftAnnotations: [{ value: props.backlogAgeAlarmSeconds, label: 'alarm', color: cloudwatch.Color.RED }],
      width: 8,
      height: 6,
    }),
    new cloudwatch.GraphWidget({ title: 'Invalidations in progress', left: perDistribution(GAUGES.invalidationsInProgress), width: 8, height: 6 }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Queue depth',
      left: [
        props.queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM }),
        props.queue.metricApproximateNumberOfMessagesNotVisible({ statistic: cloudwatch.Stats.MAXIMUM }),
      ],
      width: 8,
      height: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Function errors and throttles',
      left: [props.handler.metricErrors(), props.handler.metricThrottles()],
      width: 8,
      height: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Function duration (ms)',
      left: [
        props.handler.metricDuration({ statistic: cloudwatch.Stats.p(99) }),
        props.handler.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM }),
      ],
      width: 8,
      height: 6,
    }),
  );
  // S3 events that invalidate nothing (published only by batches that hold S3 events), and sends without the send
  // lease (another invocation held it past the wait, or DynamoDB failed: CloudFront may then refuse one of the two).
  dashboard.addWidgets(
    graph('S3 events acknowledged or rejected', [METRICS.s3KeysIgnored, METRICS.s3TestEvents, METRICS.s3RecordsRejected]),
    ...(props.sendLeases ? [graph('Distributions sent to without the send lease', [METRICS.leasesNotTaken])] : []),
  );
  return dashboard;
}
