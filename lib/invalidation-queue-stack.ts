import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { InvalidationQueue, type InvalidationQueueProps } from './invalidation-queue.ts';
import { STACK_OUTPUTS, type StackOutputName } from './stack-outputs.ts';

/** Properties of an {@link InvalidationQueueStack}: the stack's own, and the invalidation queue's. */
export interface InvalidationQueueStackProps extends StackProps, InvalidationQueueProps {}

/**
 * The deployable unit: an {@link InvalidationQueue}, a managed policy for producers, and outputs naming everything
 * an operator or a CMS needs.
 */
export class InvalidationQueueStack extends Stack {
  /** The queues, the function, the alarms and the dashboard. */
  public readonly invalidationQueue: InvalidationQueue;
  /** Attach this to the CMS's role: it may send publish events to the queue, nothing else. */
  public readonly producerPolicy: iam.ManagedPolicy;

  public constructor(scope: Construct, id: string, props: InvalidationQueueStackProps) {
    super(scope, id, {
      description: 'CloudFront invalidation queue: SQS queue, coalescing Lambda function, dead-letter queue, alarms',
      ...props,
    });

    this.invalidationQueue = new InvalidationQueue(this, 'InvalidationQueue', props);
    this.producerPolicy = new iam.ManagedPolicy(this, 'ProducerPolicy', {
      description: 'Send publish events to the CloudFront invalidation queue',
      statements: this.invalidationQueue.producerPolicyStatements(),
    });

    const { queue, deadLetterQueue, alarmTopic, dashboard } = this.invalidationQueue;
    const outputs: Record<StackOutputName, { value: string; description: string }> = {
      [STACK_OUTPUTS.queueUrl]: { value: queue.queueUrl, description: 'Where producers send publish events' },
      [STACK_OUTPUTS.queueArn]: { value: queue.queueArn, description: 'The invalidation queue' },
      [STACK_OUTPUTS.deadLetterQueueUrl]: {
        value: deadLetterQueue.queueUrl,
        description: 'Messages that could not be processed, with their reason',
      },
      [STACK_OUTPUTS.deadLetterQueueArn]: { value: deadLetterQueue.queueArn, description: 'The dead-letter queue' },
      [STACK_OUTPUTS.alarmTopicArn]: { value: alarmTopic.topicArn, description: 'Subscribe here to receive alarms' },
      [STACK_OUTPUTS.dashboardName]: { value: dashboard.dashboardName, description: 'The CloudWatch dashboard' },
      [STACK_OUTPUTS.producerPolicyArn]: {
        value: this.producerPolicy.managedPolicyArn,
        description: "Attach to the CMS's role to let it send publish events",
      },
      [STACK_OUTPUTS.metricsNamespace]: {
        value: this.invalidationQueue.metricsNamespace,
        description: "The handler's CloudWatch metrics namespace",
      },
      [STACK_OUTPUTS.serviceName]: { value: this.invalidationQueue.serviceName, description: "The handler's service metric dimension" },
    };
    for (const [outputId, output] of Object.entries(outputs)) {
      new CfnOutput(this, outputId, output);
    }
  }
}
