import { SendMessageBatchCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { mapConcurrently } from './concurrency.ts';
import { MAX_SQS_BATCH_ENTRIES, MAX_SQS_DELAY_SECONDS, MAX_SQS_MESSAGE_ATTRIBUTES, MAX_SQS_MESSAGE_BYTES } from './limits.ts';
import type { InvalidationMessage } from './message.ts';
import { isWildcard } from './paths.ts';
import { DEAD_LETTER_ATTRIBUTES, sqsMessageBytes } from './queue.ts';
import type { PathsByDistribution } from './request.ts';

/**
 * Remainders: when some requests of a message were created and others failed transiently, the message is
 * acknowledged and what it still owes goes back on its queue as a smaller message of its own. Retrying the whole
 * message instead would create the succeeded requests again (billed again, under a new CallerReference, since the
 * next batch differs) and, when the cause is CloudFront's in-progress limit, fail the same way every time.
 */

/** The message attribute naming the message a remainder was cut from. */
export const REMAINDER_OF_ATTRIBUTE = 'RemainderOf';

/** Concurrent SendMessageBatch calls. */
const CONCURRENCY = 5;

/** The paths that created invalidations cover, per distribution. */
export class Coverage {
  readonly #exact = new Map<string, Set<string>>();
  /** The created wildcards without their `*`: few, since one invocation sends at most 15 per distribution. */
  readonly #prefixes = new Map<string, string[]>();

  /** Count the paths of a created invalidation. */
  public add(distributionId: string, paths: readonly string[]): void {
    let exact = this.#exact.get(distributionId);
    if (exact === undefined) this.#exact.set(distributionId, (exact = new Set()));
    for (const path of paths) {
      exact.add(path);
      if (isWildcard(path)) {
        let prefixes = this.#prefixes.get(distributionId);
        if (prefixes === undefined) this.#prefixes.set(distributionId, (prefixes = []));
        prefixes.push(path.slice(0, -1));
      }
    }
  }

  /** Is `path` (a requested path, wildcard or not) invalidated by a created invalidation of the distribution? */
  public covers(distributionId: string, path: string): boolean {
    if (this.#exact.get(distributionId)?.has(path)) return true;
    return this.#prefixes.get(distributionId)?.some((prefix) => path.startsWith(prefix)) ?? false;
  }
}

/**
 * A message's paths that no created invalidation covers, per distribution, sorted; distributions owing nothing left out.
 *
 * @example
 * owedPaths(new Map([['E1', new Set(['/a', '/b'])]]), coverage); // Map { 'E1' => ['/b'] } when only '/a' was created
 */
export function owedPaths(paths: PathsByDistribution, coverage: Coverage): Map<string, string[]> {
  const owed = new Map<string, string[]>();
  for (const [distributionId, requested] of paths) {
    const left = [...requested].filter((path) => !coverage.covers(distributionId, path));
    if (left.length > 0) owed.set(distributionId, left.sort());
  }
  return owed;
}

/** One remainder to send: the body, and the record it was cut from. */
export interface Remainder {
  readonly record: SQSRecord;
  readonly distributionId: string;
  readonly paths: readonly string[];
  readonly body: string;
  /** The backoff before it is received, at most SQS's 900 s. */
  readonly delaySeconds: number;
}

/**
 * A v1 message for the paths one distribution still owes, keeping the original's `source` and `reason`. The paths
 * are normalized already, and normalizing is idempotent: the remainder resolves to exactly these paths.
 *
 * @example
 * remainderBody({ urls: ['https://www.example.org/a'], source: 'wagtail' }, 'E1', ['/a']);
 * // '{"distributionId":"E1","paths":["/a"],"source":"wagtail"}'
 */
export function remainderBody(original: InvalidationMessage, distributionId: string, paths: readonly string[]): string {
  const { source, reason } = original;
  return JSON.stringify({ distributionId, paths, ...(source !== undefined ? { source } : {}), ...(reason !== undefined ? { reason } : {}) });
}

/**
 * `RemainderOf` (the id of the message it was cut from), then the original's own attributes as far as SQS's 10
 * allow. A dead-letter reason a redriven message may carry is left behind: it was about the original.
 */
export function remainderAttributes(record: SQSRecord): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = { [REMAINDER_OF_ATTRIBUTE]: { DataType: 'String', StringValue: record.messageId } };
  const skipped = new Set<string>([REMAINDER_OF_ATTRIBUTE, ...Object.values(DEAD_LETTER_ATTRIBUTES)]);
  for (const [name, value] of Object.entries((record.messageAttributes ?? {}) as SQSMessageAttributes)) {
    if (Object.keys(attributes).length >= MAX_SQS_MESSAGE_ATTRIBUTES) break;
    if (skipped.has(name)) continue;
    attributes[name] = {
      DataType: value.dataType,
      ...(value.stringValue !== undefined ? { StringValue: value.stringValue } : {}),
      ...(value.binaryValue !== undefined ? { BinaryValue: Buffer.from(value.binaryValue, 'base64') } : {}),
    };
  }
  return attributes;
}

/** What came of sending one remainder: the new message's id, or why it was not sent. */
export type RemainderResult = { readonly messageId: string } | { readonly error: string };

interface Entry {
  readonly index: number;
  readonly remainder: Remainder;
  readonly attributes: Record<string, MessageAttributeValue>;
  readonly bytes: number;
}

/**
 * Send remainders to one queue with SendMessageBatch, a few calls at a time. Never throws.
 *
 * @returns one result per remainder, in order
 */
export async function sendRemainders(sqs: SQSClient, queueUrl: string, remainders: readonly Remainder[]): Promise<RemainderResult[]> {
  const results = new Array<RemainderResult>(remainders.length);
  const entries: Entry[] = [];
  remainders.forEach((remainder, index) => {
    const attributes = remainderAttributes(remainder.record);
    const bytes = sqsMessageBytes(remainder.body, attributes);
    if (bytes > MAX_SQS_MESSAGE_BYTES) results[index] = { error: `the remainder is ${bytes} bytes; SQS allows ${MAX_SQS_MESSAGE_BYTES}` };
    else entries.push({ index, remainder, attributes, bytes });
  });
  await mapConcurrently(packBatches(entries), CONCURRENCY, async (batch) => {
    try {
      const output = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((entry, id) => ({
            Id: String(id),
            MessageBody: entry.remainder.body,
            DelaySeconds: Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.floor(entry.remainder.delaySeconds))),
            MessageAttributes: entry.attributes,
          })),
        }),
      );
      for (const sent of output.Successful ?? []) results[batch[Number(sent.Id)]!.index] = { messageId: sent.MessageId ?? '' };
      for (const failed of output.Failed ?? []) results[batch[Number(failed.Id)]!.index] = { error: `${failed.Code ?? 'Failed'}: ${failed.Message ?? ''}` };
    } catch (error) {
      for (const entry of batch) results[entry.index] = { error: `${(error as Error).name}: ${(error as Error).message}` };
    }
  });
  // An entry SQS did not mention was not confirmed: treat it as not sent.
  for (let index = 0; index < results.length; index++) results[index] ??= { error: 'not confirmed by SendMessageBatch' };
  return results;
}

/** SendMessageBatch calls of at most 10 entries and 1 MiB in all. */
function packBatches(entries: readonly Entry[]): Entry[][] {
  const batches: Entry[][] = [];
  let current: Entry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length > 0 && (current.length >= MAX_SQS_BATCH_ENTRIES || bytes + entry.bytes > MAX_SQS_MESSAGE_BYTES)) {
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
