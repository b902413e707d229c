import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { BACKLOG_EXPIRED, IN_PROGRESS_LIMIT, RETRIES_EXHAUSTED } from '../errors.ts';
import { MAX_SQS_DELAY_SECONDS } from '../limits.ts';
import { GAUGES, METRICS } from '../metrics.ts';
import { isTenantId } from '../submit/invalidation-api.ts';
import type { Admission } from '../plan/admission.ts';
import { receiveCountOf, type ReadBatch } from '../read/records.ts';
import type { InProgressSnapshot } from '../submit/in-progress.ts';
import type { AcceptedMessage, DeadLetter, FailedOutcome, PipelineDependencies, Submitted, VisibilityChange } from '../types.ts';
import { Backlog, formatDuration } from './backlog.ts';
import { deadLetter, failureName } from './dead-letters.ts';
import { failedMessages, owedPaths, progressNote, progressOf } from './progress.ts';
import { deliverRemainders, type OwedRemainder } from './remainder-delivery.ts';
import { remainderMessages } from './remainders.ts';
import { backoff, scheduleRetries } from './retries.ts';

/** What the submit stage leaves to settle. */
export interface Sent {
  /** Every request sent, or stopped before it, with its outcome. */
  readonly submitted: readonly Submitted[];
  /** Which targets fit the in-progress budget; the others wait. */
  readonly admission: Admission;
  /** What was in progress per distribution when the batch started. */
  readonly inProgress: ReadonlyMap<string, InProgressSnapshot>;
}

/** A waiting message's failure when no request of it failed: none of it was sent, for want of budget. */
const NOT_ADMITTED: FailedOutcome = { kind: 'waiting', code: IN_PROGRESS_LIMIT, message: "waiting for the distribution's in-progress budget" };

/**
 * Settle a batch once its requests were sent: a message is acknowledged when every request it contributed to
 * succeeded, or when some did and what it still owes went back on its queue as a remainder message; acknowledged too
 * when it waits for the in-progress budget, what it owes re-sent with a delay (spending no receive) until it has
 * waited `maxBacklogAge`; dead-lettered when it can never succeed (invalid, refused for good, out of receives, waited
 * too long); otherwise received again after a backoff.
 *
 * @returns the partial batch response: the records to receive again
 */
export async function settleBatch(records: readonly SQSRecord[], read: ReadBatch, sent: Sent, deps: PipelineDependencies): Promise<SQSBatchResponse> {
  const { settings } = deps;
  const deadLetters = read.deadLetters;
  const { submitted, admission } = sent;
  const failures = failedMessages(submitted);
  for (const messageId of admission.waiting.keys()) if (!failures.has(messageId)) failures.set(messageId, NOT_ADMITTED);
  const { createdFor, coverage } = progressOf(submitted, failures, read.accepted);
  const backlog = new Backlog(sent.inProgress, createdPerDistribution(submitted), settings, deps.now?.() ?? Date.now());
  const waits = new WaitTally();
  const tenantParent = (id: string) => (isTenantId(id) ? read.router.parentOf(id) : undefined);

  // Only failures need records by id: no map of the whole batch when every request succeeded.
  const recordsById = new Map(failures.size === 0 ? [] : records.map((record) => [record.messageId, record]));
  const failedById = new Map<string, AcceptedMessage>(failures.size === 0 ? [] : read.accepted.map((message) => [message.messageId, message]));
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
    } else if (failure.kind === 'waiting') {
      // Waiting is not failing: acknowledged, and what it owes comes back when the budget is expected to be free.
      const message = failedById.get(messageId)!;
      const owed = owedPaths(message.targets, coverage);
      if (owed.size === 0) continue;
      const ahead = admission.waiting.get(messageId);
      if (backlog.expired(record)) {
        deadLetters.push(backlogExpired(record, message, owed, ahead, backlog, created === undefined ? '' : progressNote(message, coverage, created)));
        continue;
      }
      waits.add(owed, backlog.ageSeconds(record));
      for (const [distributionId, paths] of owed) {
        const delaySeconds = backlog.delaySeconds(distributionId, ahead?.get(distributionId) ?? 0);
        for (const remainder of remainderMessages(record, message, distributionId, paths, delaySeconds, undefined, tenantParent(distributionId))) {
          remainders.push({ ...remainder, failure });
        }
      }
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
        for (const remainder of remainderMessages(record, message, distributionId, paths, delaySeconds, undefined, tenantParent(distributionId))) {
          remainders.push({ ...remainder, failure });
        }
      }
    }
  }

  const { unsent, undelivered: undeliveredRemainders } = await deliverRemainders(remainders, deps);
  // A message none of whose remainders could be sent is retried whole, as if it had made no progress. One with a
  // remainder sent is acknowledged; its unsent remainders were dead-lettered, or failing that it is received again.
  for (const [messageId, failure] of unsent) retryLater(recordsById.get(messageId)!, failure);
  // Records that could not even be routed for a transient reason (a failed tenant lookup).
  for (const { record, failure } of read.transient) retryLater(record, failure);

  deps.observer.count(METRICS.messagesWaiting, waits.messages);
  for (const distributionId of read.requested.keys()) {
    const dimensions = { DistributionId: distributionId };
    deps.observer.gauge?.(GAUGES.pathsWaiting, waits.paths(distributionId), 'Count', dimensions);
    deps.observer.gauge?.(GAUGES.oldestWaitingAge, waits.oldestAgeSeconds(distributionId), 'Seconds', dimensions);
    deps.observer.gauge?.(GAUGES.invalidationsInProgress, backlog.invalidationsInProgress(distributionId), 'Count', dimensions);
  }

  const [undelivered] = await Promise.all([deadLetter(deadLetters, deps), scheduleRetries(retries, deps)]);
  const failed = [...read.unreadable, ...retries.map((retry) => retry.record.messageId), ...undelivered.keys(), ...undeliveredRemainders];
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

/** Invalidations the batch created, per distribution. */
function createdPerDistribution(submitted: readonly Submitted[]): Map<string, number> {
  const created = new Map<string, number>();
  for (const { request, outcome } of submitted) {
    if (outcome.kind === 'created') created.set(request.distributionId, (created.get(request.distributionId) ?? 0) + 1);
  }
  return created;
}

/** A message that waited past `maxBacklogAge`: how long, and what was ahead of it, on each distribution it waits on. */
function backlogExpired(
  record: SQSRecord,
  message: AcceptedMessage,
  owed: ReadonlyMap<string, readonly string[]>,
  ahead: ReadonlyMap<string, number> | undefined,
  backlog: Backlog,
  progress: string,
): DeadLetter {
  const where = [...owed.keys()].map((distributionId) => {
    const inProgress = backlog.pathsInProgress(distributionId);
    const waiting = ahead?.get(distributionId) ?? 0;
    return `${inProgress + waiting} paths were ahead of it on ${distributionId} (${inProgress} in progress, ${waiting} waiting in its batch)`;
  });
  const owedPaths = [...owed.values()].reduce((sum, paths) => sum + paths.length, 0);
  return {
    record,
    code: BACKLOG_EXPIRED,
    message:
      `waited ${formatDuration(backlog.ageSeconds(record))} for CloudFront's in-progress budget, past maxBacklogAge; ` +
      `${owedPaths} of its ${message.targets.length} paths not invalidated; ${where.join('; ')}${progress}`,
  };
}

/** What waits after a batch, per distribution: the distinct paths, and the age of the oldest message. */
class WaitTally {
  readonly #paths = new Map<string, Set<string>>();
  readonly #oldest = new Map<string, number>();
  public messages = 0;

  public add(owed: ReadonlyMap<string, readonly string[]>, ageSeconds: number): void {
    this.messages++;
    for (const [distributionId, paths] of owed) {
      let waiting = this.#paths.get(distributionId);
      if (waiting === undefined) this.#paths.set(distributionId, (waiting = new Set()));
      for (const path of paths) waiting.add(path);
      this.#oldest.set(distributionId, Math.max(this.#oldest.get(distributionId) ?? 0, ageSeconds));
    }
  }

  public paths(distributionId: string): number {
    return this.#paths.get(distributionId)?.size ?? 0;
  }

  public oldestAgeSeconds(distributionId: string): number {
    return Math.round(this.#oldest.get(distributionId) ?? 0);
  }
}
