/**
 * The names of the stack's CloudFormation outputs: the stack writes them, `cfiq` reads them (DescribeStacks). Kept
 * free of aws-cdk-lib so that the CLI can import it without loading the CDK.
 */
export const STACK_OUTPUTS = {
  /** Where producers send publish events. */
  queueUrl: 'QueueUrl',
  /** The invalidation queue's ARN. */
  queueArn: 'QueueArn',
  /** The dead-letter queue's URL. */
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  /** The dead-letter queue's ARN. */
  deadLetterQueueArn: 'DeadLetterQueueArn',
  /** The SNS topic both alarms notify. */
  alarmTopicArn: 'AlarmTopicArn',
  /** The CloudWatch dashboard. */
  dashboardName: 'DashboardName',
  /** The managed policy to attach to a producer's role. */
  producerPolicyArn: 'ProducerPolicyArn',
  /** The handler's CloudWatch metrics namespace (`cfiq status` reads its gauges there). */
  metricsNamespace: 'MetricsNamespace',
  /** The handler's `service` metric dimension. */
  serviceName: 'ServiceName',
} as const;

/** One of the stack's output names. */
export type StackOutputName = (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS];
