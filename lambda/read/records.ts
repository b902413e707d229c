import type { SQSRecord } from 'aws-lambda';
import { InvalidMessageError, redactCredentials, TENANT_LOOKUP_FAILED } from '../errors.ts';
import { BatchTargets } from '../resolve/batch-targets.ts';
import { BucketRouter, resolveS3Body, type RejectedS3Record } from '../resolve/bucket-keys.ts';
import type { DistributionRouter } from '../resolve/routing.ts';
import { resolveTargets } from '../resolve/targets.ts';
import { TenantLookupError } from '../resolve/tenant-lookup-error.ts';
import type { AcceptedMessage, DeadLetter, FailedOutcome, PipelineObserver, Requested } from '../types.ts';
import { parseJsonBody, parseMessageValue } from './message.ts';
import { parseS3Body } from './s3-events.ts';

/** No configured bucket: every S3 event is of a bucket not configured. */
const NO_BUCKETS = new BucketRouter();

/** A batch's records, read: the messages accepted, those to dead-letter, and those that broke the code. */
export interface ReadBatch {
  readonly accepted: AcceptedMessage[];
  /** What the accepted messages ask of each distribution, gathered as they were read. */
  readonly requested: Map<string, Requested>;
  /** Invalid messages, with their code and reason; settling adds the failures it finds. */
  readonly deadLetters: DeadLetter[];
  /** Ids of the records whose reading threw something other than InvalidMessageError: received again. */
  readonly unreadable: string[];
  /** The batch's router (with the tenants tenantLookup found): remainders of a tenant name its distribution. */
  readonly router: DistributionRouter;
  /** Records that could not be routed for a transient reason (a failed tenant lookup): retried with backoff. */
  readonly transient: Array<{ readonly record: SQSRecord; readonly failure: FailedOutcome }>;
  /** Targets of the accepted messages (one per distinct (distribution, path) of each message). */
  readonly pathsRequested: number;
  /** Whether every record has the same receive count (every message new, the usual case). */
  readonly oneReceiveCount: boolean;
  /** What the batch's S3 events held besides targets. */
  readonly s3: S3Tally;
}

/** What a batch's S3 events held besides targets: acknowledged, but counted (metrics S3KeysIgnored, ...). */
export interface S3Tally {
  /** Records acknowledged without an invalidation: outside every `keyPrefix`, "folder" keys, events that change no content. */
  keysIgnored: number;
  /** `s3:TestEvent` messages. */
  testEvents: number;
  /** Bad records of bodies invalidated for their other records (each logged). */
  recordsRejected: number;
}

/**
 * Parse and route every record; invalid ones become dead letters, and one that breaks the code is only retried.
 *
 * @param buckets - the configured buckets, for S3 events @default none: every S3 event is of a bucket not configured
 */
export function readRecords(
  records: readonly SQSRecord[],
  router: DistributionRouter,
  observer: PipelineObserver,
  buckets: BucketRouter = NO_BUCKETS,
): ReadBatch {
  const deadLetters: DeadLetter[] = [];
  const accepted: AcceptedMessage[] = [];
  const unreadable: string[] = [];
  const transient: Array<{ record: SQSRecord; failure: FailedOutcome }> = [];
  let pathsRequested = 0;
  // Publish events repeat URLs (a page, its listing, `/`): each distinct URL of the batch is resolved once, and what
  // the messages ask of each distribution is gathered as they are accepted.
  const batch = new BatchTargets();
  // Whether every record has the same receive count, seen while each record is at hand: a pass of its own over
  // 10,000 records took about 1 ms.
  const firstReceiveCount = records[0]?.attributes.ApproximateReceiveCount;
  let oneReceiveCount = true;
  const s3: S3Tally = { keysIgnored: 0, testEvents: 0, recordsRejected: 0 };
  // Indexed, with each record's work in a function of its own: readRecords runs once a batch, so every batch starts
  // it in the interpreter, where a for-of allocated an iterator result per record until on-stack replacement (0.4 MB
  // a batch, sampling heap profiler); acceptRecord, called for every record, stays optimized.
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    if (record.attributes.ApproximateReceiveCount !== firstReceiveCount) oneReceiveCount = false;
    try {
      const message = acceptRecord(record, router, batch, buckets, s3, observer);
      if (message === undefined) continue;
      accepted.push(message);
      pathsRequested += message.targets.length;
    } catch (error) {
      if (error instanceof InvalidMessageError) {
        deadLetters.push({ record, code: error.code, message: error.message });
      } else if (error instanceof TenantLookupError) {
        // Not the message's fault, nor a bug: retried with backoff, and dead-lettered with its reason on its last receive.
        transient.push({ record, failure: { kind: 'transient', code: TENANT_LOOKUP_FAILED, message: error.message } });
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
  return { accepted, requested: batch.requested(), deadLetters, unreadable, router, transient, pathsRequested, oneReceiveCount, s3 };
}

/**
 * Parse, validate and route one record (a message, or an S3 event), and count it in the batch.
 *
 * @returns the accepted message, or undefined for an S3 event with nothing to invalidate (acknowledged, counted)
 * @throws {InvalidMessageError} as parseMessageBody and resolveTargets, or parseS3Body and resolveS3Body
 */
function acceptRecord(
  record: SQSRecord,
  router: DistributionRouter,
  batch: BatchTargets,
  buckets: BucketRouter,
  s3: S3Tally,
  observer: PipelineObserver,
): AcceptedMessage | undefined {
  const value = parseJsonBody(record.body);
  const s3Body = parseS3Body(value);
  if (s3Body !== undefined) {
    const { targets, ignored, rejected, testEvent, notes } = resolveS3Body(s3Body, buckets, batch);
    s3.keysIgnored += ignored;
    if (testEvent) s3.testEvents++;
    if (rejected.length > 0) reportRejected(record.messageId, rejected, s3, observer);
    if (targets.length === 0) return undefined;
    batch.accept(record.messageId, targets);
    return { messageId: record.messageId, targets, source: notes.source, reason: notes.reason };
  }
  const message = parseMessageValue(value);
  const targets = resolveTargets(message, router, batch);
  batch.accept(record.messageId, targets);
  // Every accepted message has the same four fields, so the code reading them sees one object shape.
  return { messageId: record.messageId, targets, source: message.source, reason: message.reason };
}

/** Bad records of an S3 body invalidated for its other records: counted, and logged (they are not dead-lettered). */
function reportRejected(messageId: string, rejected: readonly RejectedS3Record[], s3: S3Tally, observer: PipelineObserver): void {
  s3.recordsRejected += rejected.length;
  observer.warn('S3 event records rejected; the other records of the message were invalidated', {
    messageId,
    rejected: rejected.slice(0, 10).map(({ where, code, message }) => ({ record: where, errorCode: code, errorMessage: message })),
    rejectedCount: rejected.length,
  });
}

/** How many times SQS has delivered the record, this time included (1 when SQS did not say). */
export function receiveCountOf(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}
