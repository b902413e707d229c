// Over 250 lines on purpose: SQS as the handler uses it (sends within the size limits, dead-letter entries with
// their reason attributes, visibility changes, queue URLs); the size accounting is shared by all of them.
import {
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSMessageAttribute, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { describeAwsError } from '../errors.ts';
import { mapConcurrently } from '../concurrency.ts';
import { changeVisibilityTimeouts } from './sqs-batches.ts';
import { FIRST_ENQUEUED_AT_ATTRIBUTE } from '../plan/admission.ts';
import { MAX_SQS_BATCH_ENTRIES, MAX_SQS_DELAY_SECONDS, MAX_SQS_MESSAGE_ATTRIBUTES, MAX_SQS_MESSAGE_BYTES } from '../limits.ts';
import type { DeadLetter, OutgoingMessage, SendResult, VisibilityChange } from '../types.ts';

/** SQS calls one invocation makes at once: one at a time a large batch's bookkeeping adds up, all at once it meets throttling. */
export const SQS_CONCURRENCY = 5;



/**
 * Send messages to one queue with SendMessageBatch, packed by count and size, a few calls at a time. Never throws.
 *
 * @returns one result per message, in order; a message SQS did not confirm counts as not sent
 */
export async function sendMessages(sqs: SQSClient, queueUrl: string, messages: readonly OutgoingMessage[]): Promise<SendResult[]> {
  const results = new Array<SendResult>(messages.length);
  const indexed = messages.map((message, index) => ({ message, index, bytes: message.bytes }));
  await mapConcurrently(packBatches(indexed), SQS_CONCURRENCY, async (batch) => {
    try {
      const output = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map(({ message }, id) => ({
            Id: String(id),
            MessageBody: message.body,
            MessageAttributes: { ...message.attributes },
            ...(message.delaySeconds ? { DelaySeconds: Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.floor(message.delaySeconds))) } : {}),
          })),
        }),
      );
      for (const sent of output.Successful ?? []) results[batch[Number(sent.Id)]!.index] = { messageId: sent.MessageId ?? '' };
      for (const failed of output.Failed ?? []) results[batch[Number(failed.Id)]!.index] = { error: `${failed.Code ?? 'Failed'}: ${failed.Message ?? ''}` };
    } catch (error) {
      for (const { index } of batch) results[index] = { error: describeAwsError(error) };
    }
  });
  for (let index = 0; index < results.length; index++) results[index] ??= { error: 'not confirmed by SendMessageBatch' };
  return results;
}

/** A Lambda event's message attribute as the SDK sends it. */
export function messageAttribute(value: SQSMessageAttribute): MessageAttributeValue {
  return {
    DataType: value.dataType,
    ...(value.stringValue !== undefined ? { StringValue: value.stringValue } : {}),
    ...(value.binaryValue !== undefined ? { BinaryValue: Buffer.from(value.binaryValue, 'base64') } : {}),
  };
}


/** The message attributes a dead-lettered message carries (the Lambda dead-letter convention, plus the source id). */
export const DEAD_LETTER_ATTRIBUTES = {
  code: 'ErrorCode',
  message: 'ErrorMessage',
  sourceMessageId: 'SourceMessageId',
} as const;

/** `ErrorMessage` is at most this many characters (UTF-16 code units), shortened with "…". */
const MAX_ERROR_MESSAGE_LENGTH = 1024;
/**
 * When a letter is too big, `ErrorMessage` is first shortened down to this many bytes (enough to name the bad value);
 * only then are copied attributes dropped, and only then is `ErrorMessage` shortened further.
 */
export const MIN_ERROR_MESSAGE_BYTES = 256;
/** The shortest `ErrorMessage`: SQS refuses an empty attribute value. */
const SHORTEST_ERROR_MESSAGE = '…';
const STRING = 'String';

/** A dead-letter queue entry as sent: the body unchanged, the attributes that fit, and its size as SQS counts it. */
export interface DeadLetterEntry extends OutgoingMessage {
  readonly letter: DeadLetter;
  readonly attributes: Record<string, MessageAttributeValue>;
  /** Over `MAX_SQS_MESSAGE_BYTES` only when the body leaves no room for the three reason attributes. */
  readonly bytes: number;
}

/**
 * Send records to the dead-letter queue, bodies unchanged, with `ErrorCode`, `ErrorMessage` and
 * `SourceMessageId` attributes (and as many of the record's own attributes as still fit).
 *
 * @returns the records that could NOT be dead-lettered, by message id, with the reason (the caller reports them as failures)
 */
export async function sendToDeadLetterQueue(sqs: SQSClient, queueUrl: string, letters: readonly DeadLetter[]): Promise<Map<string, string>> {
  const entries = letters.map((letter) => deadLetterEntry(letter));
  const results = await sendMessages(sqs, queueUrl, entries);
  const failed = new Map<string, string>();
  results.forEach((result, index) => {
    if ('error' in result) failed.set(entries[index]!.letter.record.messageId, result.error);
  });
  return failed;
}

/**
 * The bytes SQS counts for a message: the body, and each attribute's name, data type and value. A binary value
 * counts as its base64 text (its length on the wire), never less than SQS counts.
 */
export function sqsMessageBytes(body: string, attributes: Readonly<Record<string, MessageAttributeValue>>): number {
  let bytes = Buffer.byteLength(body);
  for (const [name, value] of Object.entries(attributes)) bytes += attributeBytes(name, value);
  return bytes;
}

function attributeBytes(name: string, value: MessageAttributeValue): number {
  let bytes = Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
  if (value.StringValue !== undefined) bytes += Buffer.byteLength(value.StringValue);
  if (value.BinaryValue !== undefined) bytes += Math.ceil(value.BinaryValue.length / 3) * 4;
  return bytes;
}

/**
 * A letter as its dead-letter entry: the reason attributes first, then the record's own attributes (SQS allows 10 in
 * all), all within `limit` bytes as SQS counts them. When they do not fit, `ErrorMessage` is shortened (down to
 * `MIN_ERROR_MESSAGE_BYTES`), then copied attributes are dropped, the largest first, then `ErrorMessage` is shortened
 * further, to "…" at the least. `ErrorCode` and `SourceMessageId` always stay. A body too big for even that (within
 * 104 to 123 bytes of the limit with a UUID message id, by the length of the code) gives an entry over the limit:
 * SQS refuses it.
 *
 * @param limit - the message size limit, in bytes
 */
export function deadLetterEntry(letter: DeadLetter, limit: number = MAX_SQS_MESSAGE_BYTES): DeadLetterEntry {
  const code: MessageAttributeValue = { DataType: STRING, StringValue: letter.code };
  const sourceMessageId: MessageAttributeValue = { DataType: STRING, StringValue: letter.record.messageId };
  const ours = Object.values(DEAD_LETTER_ATTRIBUTES);
  // FirstEnqueuedAt stays behind: a dead letter redriven (by cfiq or a move task, which keep attributes) starts
  // its backlog age again, rather than expire at once for the time it spent in the dead-letter queue.
  const reserved = new Set<string>([...ours, FIRST_ENQUEUED_AT_ATTRIBUTE]);
  const copied = copiedAttributes(letter.record.messageAttributes, reserved, ours.length);
  // Everything but the copied attributes and the value of ErrorMessage.
  let bytes =
    Buffer.byteLength(letter.record.body) +
    attributeBytes(DEAD_LETTER_ATTRIBUTES.code, code) +
    attributeBytes(DEAD_LETTER_ATTRIBUTES.sourceMessageId, sourceMessageId) +
    Buffer.byteLength(DEAD_LETTER_ATTRIBUTES.message) +
    Buffer.byteLength(STRING);

  const reason = shortenToLength(letter.message, MAX_ERROR_MESSAGE_LENGTH);
  const wanted = Math.min(Buffer.byteLength(reason), MIN_ERROR_MESSAGE_BYTES);
  const kept = fitAttributes(copied, limit - bytes - wanted);
  for (const attribute of kept) bytes += attribute.bytes;
  const message = shortenToBytes(reason, limit - bytes);
  bytes += Buffer.byteLength(message);

  const attributes: Record<string, MessageAttributeValue> = {
    [DEAD_LETTER_ATTRIBUTES.code]: code,
    [DEAD_LETTER_ATTRIBUTES.message]: { DataType: STRING, StringValue: message },
    [DEAD_LETTER_ATTRIBUTES.sourceMessageId]: sourceMessageId,
  };
  for (const { name, value } of kept) attributes[name] = value;
  return { letter, body: letter.record.body, attributes, bytes };
}

/** One of a record's own attributes, as the SDK sends it, and its size as SQS counts it. */
export interface CopiedAttribute {
  readonly name: string;
  readonly value: MessageAttributeValue;
  readonly bytes: number;
}

/**
 * A record's own attributes to send on beside `ours` attributes of our own (SQS allows 10 in all), leaving out
 * those with a `reserved` name, in the record's order.
 */
export function copiedAttributes(messageAttributes: SQSMessageAttributes | undefined, reserved: ReadonlySet<string>, ours: number): CopiedAttribute[] {
  const copied: CopiedAttribute[] = [];
  for (const [name, attribute] of Object.entries(messageAttributes ?? {})) {
    if (ours + copied.length >= MAX_SQS_MESSAGE_ATTRIBUTES) break;
    if (reserved.has(name)) continue;
    const value = messageAttribute(attribute);
    copied.push({ name, value, bytes: attributeBytes(name, value) });
  }
  return copied;
}

/** The copied attributes that fit in `room` bytes together, the largest dropped first; the rest in their order. */
export function fitAttributes(copied: readonly CopiedAttribute[], room: number): CopiedAttribute[] {
  let bytes = copied.reduce((sum, attribute) => sum + attribute.bytes, 0);
  const dropped = new Set<CopiedAttribute>();
  for (const attribute of [...copied].sort((a, b) => b.bytes - a.bytes)) {
    if (bytes <= room) break;
    dropped.add(attribute);
    bytes -= attribute.bytes;
  }
  return copied.filter((attribute) => !dropped.has(attribute));
}

/** `text` cut to at most `maxLength` UTF-16 code units, ending in "…" when cut; never splits a surrogate pair. */
function shortenToLength(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  return `${cutBeforeLowSurrogate(text, maxLength - 1)}…`;
}

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, ending in "…" when cut; never splits a character. "…" (3 bytes) when
 * nothing fits, though it may be over `maxBytes`: SQS refuses an empty attribute value.
 */
export function shortenToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(SHORTEST_ERROR_MESSAGE);
  if (budget <= 0) return SHORTEST_ERROR_MESSAGE;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return `${text.slice(0, end)}${SHORTEST_ERROR_MESSAGE}`;
}

function cutBeforeLowSurrogate(text: string, end: number): string {
  const next = text.charCodeAt(end);
  return text.slice(0, next >= 0xdc00 && next <= 0xdfff && end > 0 ? end - 1 : end);
}

/**
 * Group entries into SendMessageBatch calls: at most 10 entries and `limit` bytes (the sum of their sizes as SQS
 * counts them) each. An entry over the limit goes alone, so that its refusal fails no other.
 */
export function packBatches<T extends { readonly bytes: number }>(entries: readonly T[], limit: number = MAX_SQS_MESSAGE_BYTES): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length > 0 && (current.length >= MAX_SQS_BATCH_ENTRIES || bytes + entry.bytes > limit)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}


/**
 * Set each record's visibility timeout (the backoff before its next receive), 10 records a call.
 *
 * @returns the number of records whose visibility could not be changed; they reappear after the queue's default
 */
export async function changeVisibility(sqs: SQSClient, queueUrl: string, changes: readonly VisibilityChange[]): Promise<number> {
  const failures = await changeVisibilityTimeouts(
    sqs,
    queueUrl,
    changes.map((change) => ({ receiptHandle: change.record.receiptHandle, visibilityTimeoutSeconds: change.visibilityTimeoutSeconds })),
  );
  return failures.length;
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
