import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { MAX_SQS_MESSAGE_BYTES } from '../limits.ts';
import { FIRST_ENQUEUED_AT_ATTRIBUTE, firstEnqueuedAt } from '../plan/admission.ts';
import { TENANT_DISTRIBUTION_ATTRIBUTE } from '../resolve/batch-router.ts';
import { copiedAttributes, DEAD_LETTER_ATTRIBUTES, fitAttributes, sendMessages, sqsMessageBytes } from './sqs.ts';
import { isTenantId } from '../submit/invalidation-api.ts';
import type { DeadLetter, MessageNotes, Remainder, SendResult } from '../types.ts';

/**
 * Remainders: when some requests of a message were created and others failed transiently, the message is
 * acknowledged and what it still owes goes back on its queue as a smaller message of its own. Retrying the whole
 * message instead would create the succeeded requests again (billed again, under a new CallerReference, since the
 * next batch differs) and, when the cause is CloudFront's in-progress limit, fail the same way every time.
 */

/** The message attribute naming the message a remainder was cut from. */
export const REMAINDER_OF_ATTRIBUTE = 'RemainderOf';

/**
 * The message attribute naming the message a producer sent, kept across every remainder cut from it and from its
 * remainders, so that whoever waits for a message (`cfiq wait`) can follow it.
 */
export const ORIGINAL_MESSAGE_ID_ATTRIBUTE = 'OriginalMessageId';


/**
 * The remainders for the paths one distribution still owes: as many messages as it takes for each, with its
 * attributes, to stay within `limit` bytes as SQS counts them (percent-encoding can make the paths of a remainder
 * three times the size of the URLs they came from). Each holds a run of `paths`, in order, so fewer paths than its
 * message. The original's attributes are trimmed, the largest first, until a body of the longest path fits beside
 * them; `RemainderOf` always stays. Only a `source` or `reason` near `limit` leaves a remainder over it: SQS refuses it.
 *
 * @param paths - the paths owed, sorted (owedPaths)
 */
export function remainderMessages(
  record: SQSRecord,
  original: MessageNotes,
  distributionId: string,
  paths: readonly string[],
  delaySeconds: number,
  limit: number = MAX_SQS_MESSAGE_BYTES,
  tenantDistributionId?: string,
): Remainder[] {
  // The body's bytes: those of an empty `paths`, plus each path as JSON and a comma between two.
  const emptyBytes = Buffer.byteLength(remainderBody(original, distributionId, []));
  const pathBytes = paths.map((path) => Buffer.byteLength(JSON.stringify(path)));
  const attributes = remainderAttributes(record, limit - emptyBytes - pathBytes.reduce((longest, size) => Math.max(longest, size), 0), tenantDistributionId);
  const room = limit - sqsMessageBytes('', attributes);
  const runs: Array<readonly string[]> = [];
  let start = 0;
  let bytes = emptyBytes;
  paths.forEach((_, index) => {
    const size = pathBytes[index]! + (index > start ? 1 : 0);
    if (index > start && bytes + size > room) {
      runs.push(paths.slice(start, index));
      start = index;
      bytes = emptyBytes + pathBytes[index]!;
    } else {
      bytes += size;
    }
  });
  if (start < paths.length) runs.push(paths.slice(start));
  return runs.map((run) => ({ record, distributionId, paths: run, body: remainderBody(original, distributionId, run), attributes, delaySeconds }));
}

/**
 * A remainder SQS would not take, as a dead letter of its own: its body, `SourceMessageId` the message it was cut
 * from, and the attributes it would have had (`RemainderOf` first, so that it stays among SQS's 10).
 */
export function remainderDeadLetter(remainder: Remainder, code: string, message: string): DeadLetter {
  const { record } = remainder;
  const messageAttributes: SQSMessageAttributes = { [REMAINDER_OF_ATTRIBUTE]: { dataType: 'String', stringValue: record.messageId } };
  for (const [name, value] of Object.entries((record.messageAttributes ?? {}) as SQSMessageAttributes)) {
    if (name !== REMAINDER_OF_ATTRIBUTE) messageAttributes[name] = value;
  }
  return { record: { ...record, body: remainder.body, messageAttributes }, code, message };
}

/**
 * A v1 message for the paths one distribution (or distribution tenant) still owes, keeping the original's `source` and `reason`. The paths
 * are normalized already, and normalizing is idempotent: the remainder resolves to exactly these paths.
 *
 * @example
 * remainderBody({ urls: ['https://www.example.org/a'], source: 'wagtail' }, 'E1', ['/a']);
 * // '{"distributionId":"E1","paths":["/a"],"source":"wagtail"}'
 */
export function remainderBody(original: MessageNotes, distributionId: string, paths: readonly string[]): string {
  const { source, reason } = original;
  // A distribution tenant's remainder names it as a message does: `{"tenantId": "dt_...", "paths": [...]}`.
  const target = isTenantId(distributionId) ? { tenantId: distributionId } : { distributionId };
  return JSON.stringify({ ...target, paths, ...(source !== undefined ? { source } : {}), ...(reason !== undefined ? { reason } : {}) });
}

/**
 * `RemainderOf` (the id of the message it was cut from), `OriginalMessageId` (the producer's message it descends
 * from) and `FirstEnqueuedAt` (when that was enqueued, epoch ms, when known), then the original's own attributes as
 * far as SQS's 10 allow, and as far as `maxBytes` (as SQS counts attributes) allows: past it the copied ones are
 * dropped, the largest first, as a dead letter's are; ours always stay. A dead-letter reason a redriven message may
 * carry is left behind: it was about the original.
 */
export function remainderAttributes(
  record: SQSRecord,
  maxBytes: number = MAX_SQS_MESSAGE_BYTES,
  tenantDistributionId?: string,
): Record<string, MessageAttributeValue> {
  const ours: Record<string, MessageAttributeValue> = {
    [REMAINDER_OF_ATTRIBUTE]: { DataType: 'String', StringValue: record.messageId },
    [ORIGINAL_MESSAGE_ID_ATTRIBUTE]: { DataType: 'String', StringValue: record.messageAttributes?.[ORIGINAL_MESSAGE_ID_ATTRIBUTE]?.stringValue ?? record.messageId },
  };
  const enqueuedAt = firstEnqueuedAt(record);
  if (enqueuedAt > 0) ours[FIRST_ENQUEUED_AT_ATTRIBUTE] = { DataType: 'Number', StringValue: String(enqueuedAt) };
  // A tenant found by tenantLookup is in no configuration: the next batch learns its distribution from this.
  if (tenantDistributionId !== undefined) ours[TENANT_DISTRIBUTION_ATTRIBUTE] = { DataType: 'String', StringValue: tenantDistributionId };
  const reserved = new Set<string>([
    REMAINDER_OF_ATTRIBUTE,
    ORIGINAL_MESSAGE_ID_ATTRIBUTE,
    FIRST_ENQUEUED_AT_ATTRIBUTE,
    TENANT_DISTRIBUTION_ATTRIBUTE,
    ...Object.values(DEAD_LETTER_ATTRIBUTES),
  ]);
  const copied = copiedAttributes(record.messageAttributes, reserved, Object.keys(ours).length);
  const room = maxBytes - sqsMessageBytes('', ours);
  const attributes: Record<string, MessageAttributeValue> = { ...ours };
  for (const { name, value } of fitAttributes(copied, room)) attributes[name] = value;
  return attributes;
}

/**
 * Send remainders to one queue. Never throws.
 *
 * @returns one result per remainder, in order: the new message's id, or why it was not sent
 */
export async function sendRemainders(sqs: SQSClient, queueUrl: string, remainders: readonly Remainder[]): Promise<SendResult[]> {
  const messages = remainders.map(({ body, attributes, delaySeconds }) => ({ body, attributes, bytes: sqsMessageBytes(body, attributes), delaySeconds }));
  const fitting = messages.flatMap((message, index) => (message.bytes <= MAX_SQS_MESSAGE_BYTES ? [index] : []));
  const sent = await sendMessages(sqs, queueUrl, fitting.map((index) => messages[index]!));
  const results: SendResult[] = messages.map((message) => ({ error: `the remainder is ${message.bytes} bytes; SQS allows ${MAX_SQS_MESSAGE_BYTES}` }));
  fitting.forEach((index, position) => (results[index] = sent[position]!));
  return results;
}
