import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_ATTRIBUTES } from '../../lambda/settle/sqs.ts';

/** One message read from the dead-letter queue. */
export interface DeadLetterEntry {
  readonly body: string;
  /** Absent when the queue's redrive policy moved the message (the handler never dead-lettered it). */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly sourceMessageId?: string;
}

export interface ReadDeadLettersOptions {
  /** Stop after this many messages at most. */
  readonly maxMessages: number;
  /** Give up after this long. */
  readonly timeoutMs: number;
}

/**
 * Read a dead-letter queue to the end, deleting as it goes: receives until three in a row come back empty.
 * Bounded by `maxMessages` and `timeoutMs`.
 */
export async function readDeadLetters(sqs: SQSClient, queueUrl: string, options: ReadDeadLettersOptions): Promise<DeadLetterEntry[]> {
  const entries: DeadLetterEntry[] = [];
  const deadline = Date.now() + options.timeoutMs;
  let emptyReceives = 0;
  while (emptyReceives < 3 && entries.length < options.maxMessages && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      emptyReceives++;
      continue;
    }
    emptyReceives = 0;
    for (const message of Messages) {
      const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
      entries.push({
        body: message.Body ?? '',
        errorCode: attribute(DEAD_LETTER_ATTRIBUTES.code),
        errorMessage: attribute(DEAD_LETTER_ATTRIBUTES.message),
        sourceMessageId: attribute(DEAD_LETTER_ATTRIBUTES.sourceMessageId),
      });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
  }
  return entries;
}
