import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { MAX_SQS_MESSAGE_ATTRIBUTES, MAX_SQS_MESSAGE_BYTES } from './limits.ts';

/** A record to move to the dead-letter queue, with its reason. */
export interface DeadLetter {
  readonly record: SQSRecord;
  readonly code: string;
  readonly message: string;
}

/** The message attributes a dead-lettered message carries (the Lambda dead-letter convention, plus the source id). */
export const DEAD_LETTER_ATTRIBUTES = {
  code: 'ErrorCode',
  message: 'ErrorMessage',
  sourceMessageId: 'SourceMessageId',
} as const;

const MAX_ERROR_MESSAGE_LENGTH = 1024;
const MAX_ENTRIES_PER_BATCH = 10;

/**
 * Send records to the dead-letter queue, bodies unchanged, with `ErrorCode`, `ErrorMessage` and
 * `SourceMessageId` attributes (and as many of the record's own attributes as still fit).
 *
 * @returns the records that could NOT be dead-lettered, by message id, with the reason (the caller reports them as failures)
 */
export async function sendToDeadLetterQueue(sqs: SQSClient, queueUrl: string, letters: readonly DeadLetter[]): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  for (const batch of packBatches(letters)) {
    try {
      const output = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((letter, index) => ({
            Id: String(index),
            MessageBody: letter.record.body,
            MessageAttributes: deadLetterAttributes(letter),
          })),
        }),
      );
      for (const entry of output.Failed ?? []) {
        failed.set(batch[Number(entry.Id)]!.record.messageId, `${entry.Code ?? 'Failed'}: ${entry.Message ?? ''}`);
      }
    } catch (error) {
      for (const letter of batch) failed.set(letter.record.messageId, `${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  return failed;
}

/** The attributes of a dead-lettered message: the reason first, then the original attributes that fit. */
export function deadLetterAttributes(letter: DeadLetter): Record<string, MessageAttributeValue> {
  const reason = letter.message.length > MAX_ERROR_MESSAGE_LENGTH ? `${letter.message.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1)}…` : letter.message;
  const attributes: Record<string, MessageAttributeValue> = {
    [DEAD_LETTER_ATTRIBUTES.code]: { DataType: 'String', StringValue: letter.code },
    [DEAD_LETTER_ATTRIBUTES.message]: { DataType: 'String', StringValue: reason },
    [DEAD_LETTER_ATTRIBUTES.sourceMessageId]: { DataType: 'String', StringValue: letter.record.messageId },
  };
  for (const [name, value] of Object.entries(letter.record.messageAttributes as SQSMessageAttributes)) {
    if (Object.keys(attributes).length >= MAX_SQS_MESSAGE_ATTRIBUTES) break;
    if (name in attributes) continue;
    attributes[name] = {
      DataType: value.dataType,
      ...(value.stringValue !== undefined ? { StringValue: value.stringValue } : {}),
      ...(value.binaryValue !== undefined ? { BinaryValue: Buffer.from(value.binaryValue, 'base64') } : {}),
    };
  }
  return attributes;
}

/** Group letters into SendMessageBatch calls: at most 10 entries and about 1 MiB each. */
function packBatches(letters: readonly DeadLetter[]): DeadLetter[][] {
  const batches: DeadLetter[][] = [];
  let current: DeadLetter[] = [];
  let bytes = 0;
  for (const letter of letters) {
    const size = Buffer.byteLength(letter.record.body) + MAX_ERROR_MESSAGE_LENGTH * 4 + 512;
    if (current.length > 0 && (current.length >= MAX_ENTRIES_PER_BATCH || bytes + size > MAX_SQS_MESSAGE_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(letter);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A record to hide for a while before its next receive. */
export interface VisibilityChange {
  readonly record: SQSRecord;
  readonly visibilityTimeoutSeconds: number;
}

/**
 * Set each record's visibility timeout (the backoff before its next receive).
 *
 * @returns the number of records whose visibility could not be changed; they reappear after the queue's default
 */
export async function changeVisibility(sqs: SQSClient, queueUrl: string, changes: readonly VisibilityChange[]): Promise<number> {
  let failed = 0;
  for (let start = 0; start < changes.length; start += MAX_ENTRIES_PER_BATCH) {
    const batch = changes.slice(start, start + MAX_ENTRIES_PER_BATCH);
    try {
      const output = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((change, index) => ({
            Id: String(index),
            ReceiptHandle: change.record.receiptHandle,
            VisibilityTimeout: change.visibilityTimeoutSeconds,
          })),
        }),
      );
      failed += output.Failed?.length ?? 0;
    } catch {
      failed += batch.length;
    }
  }
  return failed;
}

/** Resolves a queue ARN (`arn:aws:sqs:REGION:ACCOUNT:NAME`) to its URL once, with GetQueueUrl. */
export class QueueUrlResolver {
  readonly #sqs: SQSClient;
  readonly #urls = new Map<string, Promise<string>>();

  public constructor(sqs: SQSClient) {
    this.#sqs = sqs;
  }

  public resolve(queueArn: string): Promise<string> {
    let url = this.#urls.get(queueArn);
    if (url === undefined) {
      const [, , , , account, name] = queueArn.split(':');
      url = this.#sqs
        .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
        .then((output) => output.QueueUrl ?? Promise.reject(new Error(`GetQueueUrl returned no URL for ${queueArn}`)));
      url.catch(() => this.#urls.delete(queueArn));
      this.#urls.set(queueArn, url);
    }
    return url;
  }
}
