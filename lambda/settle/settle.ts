import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { RETRIES_EXHAUSTED } from '../errors.ts';
import { MAX_SQS_DELAY_SECONDS } from '../limits.ts';
import { receiveCountOf, type ReadBatch } from '../read/records.ts';
import type { AcceptedMessage, FailedOutcome, PipelineDependencies, Submitted, VisibilityChange } from '../types.ts';
import { deadLetter, failureName } from './dead-letters.ts';
import { failedMessages, owedPaths, progressNote, progressOf } from './progress.ts';
import { deliverRemainders, type OwedRemainder } from './remainder-delivery.ts';
import { remainderMessages } from './remainders.ts';
import { backoff, scheduleRetries } from './retries.ts';

/**
 * Settle a batch once its requests were sent: a message is acknowledged when every request it contributed to
 * succeeded, or when some did and what it still owes went back on its queue as a remainder message; dead-lettered
 * when it can never succeed (invalid, refused for good, out of receives); otherwise received again after a backoff.
 *
 * @returns the partial batch response: the records to receive again
 */
export async function settleBatch(records: readonly SQSRecord[], read: ReadBatch, submitted: readonly Submitted[], deps: PipelineDependencies): Promise<SQSBatchResponse> {
  const { settings } = deps;
  const deadLetters = read.deadLetters;
  const failures = failedMessages(submitted);
  const { createdFor, coverage } = progressOf(submitted, failures, read.accepted);

  // Only failures need records by id: no map of the whole batch when every request succeeded.
  const recordsById = new Map(failures.size === 0 ? [] : records.map((record) => [record.messageId, record]));
  const failedById = new Map<string, AcceptedMessage>(createdFor.size === 0 ? [] : read.accepted.map((message) => [message.messageId, message]));
  const retries: VisibilityChange[] = [];
  const retryLater = (record: SQSRecord, failure: FailedOutcome) => {
    const receiveCount = receiveCountOf(record);
    if (receiveCount >= settings.maxReceiveCount) {
      deadLetters.push({
        record,
        code: RETRIES_EXHAUSTED,
        message: `${failureName(failure.code)} on receive ${receiveCount} of ${settings.maxReceiveCount}: ${failure.message}`,
      });
    } else {
      retries.push({ record, visibilityTimeoutSeconds: backoff(receiveCount, deps) });
    }
  };

  const remainders: OwedRemainder[] = [];
  for (const [messageId, failure] of failures) {
    const record = recordsById.get(messageId)!;
    const created = createdFor.get(messageId);
    if (failure.kind === 'permanent') {
      const progress = created === undefined ? '' : progressNote(failedById.get(messageId)!, coverage, created);
      deadLetters.push({ record, code: failure.code, message: `CloudFront ${failure.code}: ${failure.message}${progress}` });
    } else if (created === undefined) {
      retryLater(record, failure);
    } else {
      // Some of its requests were created: send on only what it still owes, so those are not created again.
      const message = failedById.get(messageId)!;
      const owed = owedPaths(message.targets, coverage);
      if (owed.size === 0) continue;
      const delaySeconds = Math.min(MAX_SQS_DELAY_SECONDS, backoff(receiveCountOf(record), deps));
      for (const [distributionId, paths] of owed) {
        // Several messages when the owed paths, encoded, outgrow SQS's message size.
        for (const remainder of remainderMessages(record, message, distributionId, paths, delaySeconds)) remainders.push({ ...remainder, failure });
      }
    }
  }

  const { unsent, undelivered: undeliveredRemainders } = await deliverRemainders(remainders, deps);
  // A message none of whose remainders could be sent is retried whole, as if it had made no progress. One with a
  // remainder sent is acknowledged; its unsent remainders were dead-lettered, or failing that it is received again.
  for (const [messageId, failure] of unsent) retryLater(recordsById.get(messageId)!, failure);

  const [undelivered] = await Promise.all([deadLetter(deadLetters, deps), scheduleRetries(retries, deps)]);
  const failed = [...read.unreadable, ...retries.map((retry) => retry.record.messageId), ...undelivered.keys(), ...undeliveredRemainders];
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
