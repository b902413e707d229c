import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { PipelineDependencies } from '../types.ts';

/**
 * Messages on a batch's source queue (visible, in flight and delayed, this batch's own included), for estimating
 * what a distribution owes beyond the batch. Undefined when SQS does not say (the function's role has
 * sqs:GetQueueAttributes through its event source; a failure is logged, and the batch alone is counted).
 */
export async function readQueueDepth(queueArn: string, deps: PipelineDependencies): Promise<number | undefined> {
  try {
    const queueUrl = await deps.queueUrls.resolve(queueArn);
    const output = await deps.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const attributes = output?.Attributes ?? {};
    const depth =
      Number(attributes.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0);
    return Number.isFinite(depth) ? depth : undefined;
  } catch (error) {
    deps.observer.warn('could not read the queue depth; the backlog is estimated from the batch alone', { queueArn, error: String(error) });
    return undefined;
  }
}
