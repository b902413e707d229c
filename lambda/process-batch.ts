import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { METRICS } from './metrics.ts';
import { planInvalidations } from './plan/plan.ts';
import { mostUrgentFirst } from './plan/urgency.ts';
import { readRecords } from './read/records.ts';
import { settleBatch } from './settle/settle.ts';
import { submitAll } from './submit/submit-all.ts';
import type { PipelineDependencies } from './types.ts';

/**
 * Process one SQS batch, stage by stage: read (validate and route every record), plan (coalesce and chunk the paths
 * per distribution), submit (CreateInvalidation within the in-progress budget and the deadline), settle (dead-letter
 * what can never succeed, send remainders, delay retries).
 *
 * @returns the partial batch response: the records to receive again
 */
export async function processBatch(records: readonly SQSRecord[], deps: PipelineDependencies): Promise<SQSBatchResponse> {
  const { observer, settings } = deps;
  observer.count(METRICS.messagesReceived, records.length);

  const read = readRecords(records, deps.router, observer);
  observer.count(METRICS.invalidMessages, read.deadLetters.length);
  observer.count(METRICS.pathsRequested, read.pathsRequested);

  const planned = planInvalidations(read.accepted, settings.config, read.requested);
  // With one receive count in the batch (every message new, the usual case), all requests are equally urgent.
  const submitted = await submitAll(read.oneReceiveCount ? planned : mostUrgentFirst(planned, records), read.accepted, deps);

  return settleBatch(records, read, submitted, deps);
}
