import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_DEAD_LETTER_RETENTION_DAYS, DEFAULT_QUEUE_RETENTION_DAYS } from '../lambda/defaults.ts';

/** Queue names in local mode. */
export const LOCAL_QUEUE_NAME = 'cfiq-local-invalidation-queue';
export const LOCAL_DEAD_LETTER_QUEUE_NAME = 'cfiq-local-invalidation-dlq';

const DAY_SECONDS = 86_400;

export interface LocalQueueSettings {
  /** Receives before the redrive policy moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** The queue's visibility timeout, in seconds. */
  readonly visibilityTimeoutSeconds: number;
}

export interface LocalQueues {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
}

/**
 * Create the queue and its dead-letter queue as the stack does: retention 4 and 14 days, a redrive policy with
 * `maxReceiveCount`, and the given visibility timeout. Idempotent.
 */
export async function createLocalQueues(sqs: SQSClient, settings: LocalQueueSettings): Promise<LocalQueues> {
  const deadLetterQueueUrl = await createQueue(sqs, LOCAL_DEAD_LETTER_QUEUE_NAME, {
    MessageRetentionPeriod: String(DEFAULT_DEAD_LETTER_RETENTION_DAYS * DAY_SECONDS),
  });
  const deadLetterQueueArn = await queueArn(sqs, deadLetterQueueUrl);
  const queueUrl = await createQueue(sqs, LOCAL_QUEUE_NAME, {
    MessageRetentionPeriod: String(DEFAULT_QUEUE_RETENTION_DAYS * DAY_SECONDS),
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount: settings.maxReceiveCount }),
  });
  return { queueUrl, queueArn: await queueArn(sqs, queueUrl), deadLetterQueueUrl, deadLetterQueueArn };
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  const output = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (output.QueueUrl === undefined) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  return output.QueueUrl;
}

/** A queue's ARN, from GetQueueAttributes. */
export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const output = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = output.Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`GetQueueAttributes returned no QueueArn for ${queueUrl}`);
  return arn;
}
