import type { SQSRecord } from 'aws-lambda';
import { InvalidMessageError, redactCredentials } from '../errors.ts';
import { BatchTargets } from '../resolve/batch-targets.ts';
import type { DistributionRouter } from '../resolve/routing.ts';
import { resolveTargets } from '../resolve/targets.ts';
import type { AcceptedMessage, DeadLetter, PipelineObserver, Requested } from '../types.ts';
import { parseMessageBody } from './message.ts';

/** A batch's records, read: the messages accepted, those to dead-letter, and those that broke the code. */
export interface ReadBatch {
  readonly accepted: AcceptedMessage[];
  /** What the accepted messages ask of each distribution, gathered as they were read. */
  readonly requested: Map<string, Requested>;
  /** Invalid messages, with their code and reason; settling adds the failures it finds. */
  readonly deadLetters: DeadLetter[];
  /** Ids of the records whose reading threw something other than InvalidMessageError: received again. */
  readonly unreadable: string[];
  /** Targets of the accepted messages (one per distinct (distribution, path) of each message). */
  readonly pathsRequested: number;
  /** Whether every record has the same receive count (every message new, the usual case). */
  readonly oneReceiveCount: boolean;
}

/** Parse and route every record; invalid ones become dead letters, and one that breaks the code is only retried. */
export function readRecords(records: readonly SQSRecord[], router: DistributionRouter, observer: PipelineObserver): ReadBatch {
  const deadLetters: DeadLetter[] = [];
  const accepted: AcceptedMessage[] = [];
  const unreadable: string[] = [];
  let pathsRequested = 0;
  // Publish events repeat URLs (a page, its listing, `/`): each distinct URL of the batch is resolved once, and what
  // the messages ask of each distribution is gathered as they are accepted.
  const batch = new BatchTargets();
  // Whether every record has the same receive count, seen while each record is at hand: a pass of its own over
  // 10,000 records took about 1 ms.
  const firstReceiveCount = records[0]?.attributes.ApproximateReceiveCount;
  let oneReceiveCount = true;
  // Indexed, with each record's work in a function of its own: readRecords runs once a batch, so every batch starts
  // it in the interpreter, where a for-of allocated an iterator result per record until on-stack replacement (0.4 MB
  // a batch, sampling heap profiler); acceptRecord, called for every record, stays optimized.
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    if (record.attributes.ApproximateReceiveCount !== firstReceiveCount) oneReceiveCount = false;
    try {
      const message = acceptRecord(record, router, batch);
      accepted.push(message);
      pathsRequested += message.targets.length;
    } catch (error) {
      if (error instanceof InvalidMessageError) {
        deadLetters.push({ record, code: error.code, message: error.message });
      } else {
        // A bug met by this record alone: the rest of the batch goes on; this one is received again and, failing
        // every time, moved by the redrive policy. The body stays out of the log.
        unreadable.push(record.messageId);
        observer.warn('unexpected error reading a message; it will be received again', {
          messageId: record.messageId,
          errorName: error instanceof Error ? error.name : typeof error,
          errorMessage: redactCredentials(error instanceof Error ? error.message : String(error)),
        });
      }
    }
  }
  return { accepted, requested: batch.requested(), deadLetters, unreadable, pathsRequested, oneReceiveCount };
}

/**
 * Parse, validate and route one record, and count it in the batch.
 *
 * @throws {InvalidMessageError} as parseMessageBody and resolveTargets
 */
function acceptRecord(record: SQSRecord, router: DistributionRouter, batch: BatchTargets): AcceptedMessage {
  const message = parseMessageBody(record.body);
  const targets = resolveTargets(message, router, batch);
  batch.accept(record.messageId, targets);
  // Every accepted message has the same four fields, so the code reading them sees one object shape.
  return { messageId: record.messageId, targets, source: message.source, reason: message.reason };
}

/** How many times SQS has delivered the record, this time included (1 when SQS did not say). */
export function receiveCountOf(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}
