import { REMAINDER_NOT_SENT } from '../errors.ts';
import { METRICS } from '../metrics.ts';
import type { DeadLetter, FailedOutcome, PipelineDependencies, Remainder, SendResult } from '../types.ts';
import { failureName } from './dead-letters.ts';
import { remainderDeadLetter, sendRemainders } from './remainders.ts';
import { deadLetterEntry, sendMessages } from './sqs.ts';

/** A remainder to send, with the failure that left its paths owed. */
export type OwedRemainder = Remainder & { readonly failure: FailedOutcome };

/** What came of sending a batch's remainders. */
export interface RemainderDelivery {
  /** Messages none of whose remainders SQS took, with their failure: to retry whole. */
  readonly unsent: Map<string, FailedOutcome>;
  /** Messages with a remainder neither sent nor dead-lettered: to receive again. */
  readonly undelivered: Set<string>;
}

/**
 * Send the remainders, each to the queue its message came from. A message none of whose remainders SQS took is to be
 * retried whole. One with some taken is acknowledged: each of its others is dead-lettered on its own
 * (`RemainderNotSent`), so neither the created part is created again nor the sent remainder duplicated.
 */
export async function deliverRemainders(remainders: readonly OwedRemainder[], deps: PipelineDependencies): Promise<RemainderDelivery> {
  const unsent = new Map<string, FailedOutcome>();
  const undelivered = new Set<string>();
  if (remainders.length === 0) return { unsent, undelivered };
  const resultOf = new Map<Remainder, SendResult>();
  for (const [queueArn, group] of Map.groupBy(remainders, (remainder) => remainder.record.eventSourceARN)) {
    let results: SendResult[];
    try {
      results = await sendRemainders(deps.sqs, await deps.queueUrls.resolve(queueArn), group);
    } catch (error) {
      results = group.map(() => ({ error: `${(error as Error).name}: ${(error as Error).message}` }));
    }
    group.forEach((remainder, index) => resultOf.set(remainder, results[index]!));
  }

  const letters: Array<{ readonly remainder: Remainder; readonly letter: DeadLetter }> = [];
  for (const [messageId, own] of Map.groupBy(remainders, (remainder) => remainder.record.messageId)) {
    const sent = own.filter((remainder) => 'messageId' in resultOf.get(remainder)!).length;
    for (const remainder of own) {
      const result = resultOf.get(remainder)!;
      const fields = { messageId, distributionId: remainder.distributionId, paths: remainder.paths.length };
      if ('messageId' in result) {
        deps.observer.info('remainder sent', { ...fields, remainderMessageId: result.messageId, delaySeconds: remainder.delaySeconds });
      } else if (sent === 0) {
        deps.observer.warn('remainder send failed; the message will be retried whole', { ...fields, sendError: result.error });
        unsent.set(messageId, remainder.failure);
      } else {
        deps.observer.warn('remainder send failed; it is dead-lettered, since another remainder of the message was sent', { ...fields, sendError: result.error });
        const reason =
          `remainder of ${messageId} (${remainder.paths.length} paths for ${remainder.distributionId}) not sent (${result.error}) while ` +
          `${sent} other remainder(s) of it were; its last error: ${failureName(remainder.failure.code)}: ${remainder.failure.message}`;
        letters.push({ remainder, letter: remainderDeadLetter(remainder, REMAINDER_NOT_SENT, reason) });
      }
    }
  }
  if (letters.length === 0) return { unsent, undelivered };

  const results = await sendMessages(deps.sqs, deps.settings.deadLetterQueueUrl, letters.map(({ letter }) => deadLetterEntry(letter)));
  letters.forEach(({ remainder, letter }, index) => {
    const result = results[index]!;
    const fields = { messageId: remainder.record.messageId, distributionId: remainder.distributionId, errorCode: letter.code, errorMessage: letter.message };
    if ('messageId' in result) {
      deps.observer.info('remainder dead-lettered', fields);
    } else {
      // Only now is the message received again (and retried whole): its remainder must not be lost.
      deps.observer.warn('remainder dead-letter send failed; the message will be received again', { ...fields, sendError: result.error });
      undelivered.add(remainder.record.messageId);
    }
  });
  deps.observer.count(METRICS.deadLetteredMessages, letters.length - results.filter((result) => 'error' in result).length);
  return { unsent, undelivered };
}
