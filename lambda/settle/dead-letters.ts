import { OWN_TRANSIENT_ERROR_CODES } from '../errors.ts';
import { METRICS } from '../metrics.ts';
import type { DeadLetter, PipelineDependencies } from '../types.ts';
import { sendToDeadLetterQueue } from './sqs.ts';

const OWN_CODES = new Set<string>(OWN_TRANSIENT_ERROR_CODES);

/** Send letters to the dead-letter queue; returns the ids that could not be sent (to receive again), with why. */
export async function deadLetter(letters: readonly DeadLetter[], deps: PipelineDependencies): Promise<Map<string, string>> {
  const undelivered = letters.length === 0 ? new Map<string, string>() : await sendToDeadLetterQueue(deps.sqs, deps.settings.deadLetterQueueUrl, letters);
  for (const { record, code, message } of letters) {
    const fields = { messageId: record.messageId, errorCode: code, errorMessage: message };
    const sendError = undelivered.get(record.messageId);
    if (sendError !== undefined) deps.observer.warn('dead-letter send failed; the message will be received again', { ...fields, sendError });
    else deps.observer.info('message dead-lettered', fields);
  }
  deps.observer.count(METRICS.deadLetteredMessages, letters.length - undelivered.size);
  return undelivered;
}

/** What the ErrorMessage of a dead letter calls a failure: our own codes are not CloudFront's. */
export function failureName(code: string): string {
  return OWN_CODES.has(code) ? code : `CloudFront ${code}`;
}
