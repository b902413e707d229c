import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { retryDelaySeconds } from './settle/backoff.ts';
import { createInvalidation, isRecognizedErrorCode, type FailedOutcome, type InvalidationOutcome } from './submit/create-invalidation.ts';
import { groupsOf, mapConcurrently } from './concurrency.ts';
import type { HandlerSettings } from './config.ts';
import { DEADLINE_MARGIN_MS } from './defaults.ts';
import { DEADLINE_EXCEEDED, IN_PROGRESS_LIMIT, InvalidMessageError, OWN_TRANSIENT_ERROR_CODES, RETRIES_EXHAUSTED, redactCredentials, REMAINDER_NOT_SENT } from './errors.ts';
import { InProgressBudget } from './submit/in-progress-budget.ts';
import { isContentRefusal, Isolation, needsIsolation, type Submitted } from './submit/isolation.ts';
import { MAX_SQS_BATCH_ENTRIES, MAX_SQS_DELAY_SECONDS } from './limits.ts';
import { parseMessageBody } from './read/message.ts';
import { METRICS, type MetricName } from './metrics.ts';
import { planInvalidations, type AcceptedMessage, type InvalidationRequest } from './plan/plan.ts';
import {
  changeVisibility,
  deadLetterEntry,
  sendMessages,
  sendToDeadLetterQueue,
  SQS_CONCURRENCY,
  type DeadLetter,
  type QueueUrlResolver,
  type SendResult,
  type VisibilityChange,
} from './settle/sqs.ts';
import { Coverage, owedPaths, remainderDeadLetter, remainderMessages, sendRemainders, type Remainder } from './settle/remainders.ts';
import { BatchTargets } from './resolve/batch-targets.ts';
import { distinctTargets, resolveTargets } from './resolve/targets.ts';
import type { DistributionRouter } from './resolve/routing.ts';

/** Where the pipeline reports what it did: Powertools Logger and Metrics in Lambda, anything alike in tests. */
export interface PipelineObserver {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  count(metric: MetricName, value: number): void;
}

export interface PipelineDependencies {
  readonly cloudfront: CloudFrontClient;
  readonly sqs: SQSClient;
  readonly settings: HandlerSettings;
  readonly router: DistributionRouter;
  readonly queueUrls: QueueUrlResolver;
  readonly observer: PipelineObserver;
  /**
   * Milliseconds left before the invocation times out: no request starts, and none runs on, within the deadline
   * margin of the end.
   */
  readonly remainingTimeMs?: () => number;
  readonly random?: () => number;
}

const OWN_CODES = new Set<string>(OWN_TRANSIENT_ERROR_CODES);

/**
 * Process one SQS batch: validate every record, coalesce and submit the invalidations, dead-letter what can never
 * succeed, and report what should be retried. A message is acknowledged when every request it contributed to
 * succeeded, or when some did and what it still owes went back on its queue as a remainder message.
 *
 * @returns the partial batch response: the records to receive again
 */
export async function processBatch(records: readonly SQSRecord[], deps: PipelineDependencies): Promise<SQSBatchResponse> {
  const { observer, settings } = deps;
  observer.count(METRICS.messagesReceived, records.length);

  const { accepted, requested, deadLetters, unreadable, pathsRequested, oneReceiveCount } = readRecords(records, deps);
  observer.count(METRICS.invalidMessages, deadLetters.length);
  observer.count(METRICS.pathsRequested, pathsRequested);

  const planned = planInvalidations(accepted, settings.config, requested);
  // With one receive count in the batch (every message new, the usual case), all requests are equally urgent.
  const submitted = await submitAll(oneReceiveCount ? planned : mostUrgentFirst(planned, records), accepted, deps);
  const failures = failedMessages(submitted);
  const { createdFor, coverage } = progressOf(submitted, failures, accepted);

  // Only failures need records by id: no map of the whole batch when every request succeeded.
  const recordsById = new Map(failures.size === 0 ? [] : records.map((record) => [record.messageId, record]));
  const acceptedById = new Map(createdFor.size === 0 ? [] : accepted.map((message) => [message.messageId, message]));
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

  const remainders: Array<Remainder & { readonly failure: FailedOutcome }> = [];
  for (const [messageId, failure] of failures) {
    const record = recordsById.get(messageId)!;
    const created = createdFor.get(messageId);
    if (failure.kind === 'permanent') {
      const progress = created === undefined ? '' : progressNote(acceptedById.get(messageId)!, coverage, created);
      deadLetters.push({ record, code: failure.code, message: `CloudFront ${failure.code}: ${failure.message}${progress}` });
    } else if (created === undefined) {
      retryLater(record, failure);
    } else {
      // Some of its requests were created: send on only what it still owes, so those are not created again.
      const owed = owedPaths(acceptedById.get(messageId)!.targets, coverage);
      if (owed.size === 0) continue;
      const original = parseMessageBody(record.body);
      const delaySeconds = Math.min(MAX_SQS_DELAY_SECONDS, backoff(receiveCountOf(record), deps));
      for (const [distributionId, paths] of owed) {
        // Several messages when the owed paths, encoded, outgrow SQS's message size.
        for (const remainder of remainderMessages(record, original, distributionId, paths, delaySeconds)) remainders.push({ ...remainder, failure });
      }
    }
  }

  const { unsent, undeliveredRemainders } = await sendAllRemainders(remainders, deps);
  // A message none of whose remainders could be sent is retried whole, as if it had made no progress. One with a
  // remainder sent is acknowledged; its unsent remainders were dead-lettered, or failing that it is received again.
  for (const [messageId, failure] of unsent) retryLater(recordsById.get(messageId)!, failure);

  const [undelivered] = await Promise.all([deadLetter(deadLetters, deps), scheduleRetries(retries, deps)]);
  const failed = [...unreadable, ...retries.map((retry) => retry.record.messageId), ...undelivered.keys(), ...undeliveredRemainders];
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

/**
 * Send the planned requests in order, isolating one CloudFront refused for its content (see submit/isolation.ts) before the
 * next is sent, so the isolation takes the budget the refused request gave back: the same deadline and in-progress
 * budget apply to every request. Counts the failed requests: each CloudFront refused or failed, and each the deadline
 * or the in-progress budget stopped, once; not a request left unsent past the isolation cap.
 *
 * @returns every request sent or deferred, and its outcome; a request isolated is replaced by its isolation's
 */
async function submitAll(requests: readonly InvalidationRequest[], accepted: readonly AcceptedMessage[], deps: PipelineDependencies): Promise<Submitted[]> {
  const budget = new InProgressBudget();
  const failedRequests = { transient: 0, permanent: 0 };
  const send = async (request: InvalidationRequest): Promise<InvalidationOutcome> => {
    const outcome = await submit(request, budget, deps);
    if (outcome.kind !== 'created') failedRequests[outcome.kind]++;
    // CloudFront created nothing: what the request reserved is free for the requests isolating it.
    if (isContentRefusal(outcome)) budget.release(request.distributionId, request.paths);
    return outcome;
  };
  // One isolation for the invocation (its cap of requests, what it created); none when nothing is refused.
  let isolation: Isolation | undefined;
  const submitted: Submitted[] = [];
  for (const request of requests) {
    const entry: Submitted = { request, outcome: await send(request) };
    if (!needsIsolation(entry)) {
      submitted.push(entry);
      continue;
    }
    deps.observer.warn('request refused for its content; isolating the messages at fault', {
      distributionId: request.distributionId,
      paths: request.paths.length,
      messages: request.messageIds.length,
      errorCode: (entry.outcome as FailedOutcome).code,
    });
    isolation ??= new Isolation({ messages: acceptedById(accepted), limits: deps.settings.config, send });
    submitted.push(...(await isolation.isolate(entry)));
  }
  deps.observer.count(METRICS.transientFailures, failedRequests.transient);
  deps.observer.count(METRICS.permanentFailures, failedRequests.permanent);
  return submitted;
}

/** The accepted messages by id; a batch holding one id twice (not seen from SQS) gets the paths of both. */
function acceptedById(accepted: readonly AcceptedMessage[]): Map<string, AcceptedMessage> {
  const byId = new Map<string, AcceptedMessage>();
  for (const message of accepted) {
    const known = byId.get(message.messageId);
    if (known === undefined) {
      byId.set(message.messageId, message);
      continue;
    }
    byId.set(message.messageId, { messageId: message.messageId, targets: distinctTargets([...known.targets, ...message.targets]) });
  }
  return byId;
}

/**
 * Each message that contributed to a failed request, with its failure: a permanent one outweighs a transient one.
 * (submitAll counts the failed requests.)
 */
function failedMessages(submitted: readonly Submitted[]) {
  const failures = new Map<string, FailedOutcome>();
  submitted.forEach(({ request, outcome }) => {
    if (outcome.kind === 'created') return;
    for (const id of request.messageIds) {
      // No retry can help a message with a permanent failure.
      if (failures.get(id)?.kind !== 'permanent') failures.set(id, outcome);
    }
  });
  return failures;
}

/**
 * The progress of the failed messages: the invalidations created for each (absent: none), and what the created
 * ones cover. Nothing to look up when every request succeeded.
 */
function progressOf(submitted: readonly Submitted[], failures: ReadonlyMap<string, FailedOutcome>, accepted: readonly AcceptedMessage[]) {
  const createdFor = new Map<string, string[]>();
  const coverage = new Coverage();
  if (failures.size === 0) return { createdFor, coverage };
  const created = submitted.flatMap(({ request, outcome }) => {
    if (outcome.kind !== 'created') return [];
    coverage.add(request.distributionId, request.paths);
    const covers = new Coverage();
    covers.add(request.distributionId, request.paths);
    return [{ distributionId: request.distributionId, covers, invalidationId: outcome.invalidationId }];
  });
  if (created.length === 0) return { createdFor, coverage };
  // By paths, not by the requests' message lists: during isolation a message's path may be created by a request
  // made for another message.
  for (const message of accepted) {
    if (!failures.has(message.messageId)) continue;
    const ids = created
      .filter(({ distributionId, covers }) => message.targets.some((target) => target.distributionId === distributionId && covers.covers(distributionId, target.path)))
      .map(({ invalidationId }) => invalidationId);
    if (ids.length > 0) createdFor.set(message.messageId, ids);
  }
  return { createdFor, coverage };
}

/** Parse and route every record; invalid ones become dead letters, and one that breaks the code is only retried. */
function readRecords(records: readonly SQSRecord[], deps: PipelineDependencies) {
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
      const message = acceptRecord(record, deps.router, batch);
      accepted.push(message);
      pathsRequested += message.targets.length;
    } catch (error) {
      if (error instanceof InvalidMessageError) {
        deadLetters.push({ record, code: error.code, message: error.message });
      } else {
        // A bug met by this record alone: the rest of the batch goes on; this one is received again and, failing
        // every time, moved by the redrive policy. The body stays out of the log.
        unreadable.push(record.messageId);
        deps.observer.warn('unexpected error reading a message; it will be received again', {
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
  const targets = resolveTargets(parseMessageBody(record.body), router, batch);
  batch.accept(record.messageId, targets);
  return { messageId: record.messageId, targets };
}

/** Send one request, unless the invocation is too near its end or the distribution's budget is spent. */
async function submit(request: InvalidationRequest, budget: InProgressBudget, deps: PipelineDependencies): Promise<InvalidationOutcome> {
  const { observer } = deps;
  const fields = { distributionId: request.distributionId, paths: request.paths.length, messages: request.messageIds.length };
  const remaining = deps.remainingTimeMs?.();
  let outcome: InvalidationOutcome;
  if (remaining !== undefined && remaining <= DEADLINE_MARGIN_MS) {
    outcome = { kind: 'transient', code: DEADLINE_EXCEEDED, message: `not started: ${remaining} ms left in the invocation` };
  } else {
    const deferred = budget.reserve(request.distributionId, request.paths);
    outcome =
      deferred !== undefined
        ? { kind: 'transient', code: IN_PROGRESS_LIMIT, message: deferred }
        : await createInvalidation(deps.cloudfront, request, {
            // The SDK's own retries and time limits could outlast the invocation: end the call where the margin starts.
            ...(remaining !== undefined ? { abortSignal: AbortSignal.timeout(remaining - DEADLINE_MARGIN_MS) } : {}),
          });
  }
  if (outcome.kind === 'created') {
    observer.count(METRICS.invalidationsCreated, 1);
    observer.count(METRICS.pathsSubmitted, request.paths.length);
    observer.info('invalidation created', { ...fields, invalidationId: outcome.invalidationId, callerReference: request.callerReference });
  } else {
    observer.warn(`invalidation failed (${outcome.kind})`, { ...fields, errorCode: outcome.code, errorMessage: outcome.message });
    if (outcome.kind === 'transient' && !isRecognizedErrorCode(outcome.code)) {
      observer.warn('unrecognized CloudFront error, treated as transient', { distributionId: request.distributionId, errorCode: outcome.code });
    }
  }
  return outcome;
}

/**
 * Send the remainders, each to the queue its message came from. A message none of whose remainders SQS took is to be
 * retried whole. One with some taken is acknowledged: each of its others is dead-lettered on its own
 * (`RemainderNotSent`), so neither the created part is created again nor the sent remainder duplicated.
 *
 * @returns the messages to retry whole, with their failure, and those with a remainder neither sent nor
 * dead-lettered (to receive again)
 */
async function sendAllRemainders(
  remainders: ReadonlyArray<Remainder & { readonly failure: FailedOutcome }>,
  deps: PipelineDependencies,
): Promise<{ unsent: Map<string, FailedOutcome>; undeliveredRemainders: Set<string> }> {
  const unsent = new Map<string, FailedOutcome>();
  const undeliveredRemainders = new Set<string>();
  if (remainders.length === 0) return { unsent, undeliveredRemainders };
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
  if (letters.length === 0) return { unsent, undeliveredRemainders };

  const results = await sendMessages(deps.sqs, deps.settings.deadLetterQueueUrl, letters.map(({ letter }) => deadLetterEntry(letter)));
  letters.forEach(({ remainder, letter }, index) => {
    const result = results[index]!;
    const fields = { messageId: remainder.record.messageId, distributionId: remainder.distributionId, errorCode: letter.code, errorMessage: letter.message };
    if ('messageId' in result) {
      deps.observer.info('remainder dead-lettered', fields);
    } else {
      // Only now is the message received again (and retried whole): its remainder must not be lost.
      deps.observer.warn('remainder dead-letter send failed; the message will be received again', { ...fields, sendError: result.error });
      undeliveredRemainders.add(remainder.record.messageId);
    }
  });
  deps.observer.count(METRICS.deadLetteredMessages, letters.length - results.filter((result) => 'error' in result).length);
  return { unsent, undeliveredRemainders };
}

/** Send letters to the dead-letter queue; returns the ids that could not be sent (to receive again). */
async function deadLetter(letters: readonly DeadLetter[], deps: PipelineDependencies): Promise<Map<string, string>> {
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

async function scheduleRetries(retries: readonly VisibilityChange[], deps: PipelineDependencies): Promise<void> {
  const bySource = Map.groupBy(retries, (retry) => retry.record.eventSourceARN);
  for (const [queueArn, changes] of bySource) {
    try {
      const queueUrl = await deps.queueUrls.resolve(queueArn);
      const failedCounts = await mapConcurrently(groupsOf(changes, MAX_SQS_BATCH_ENTRIES), SQS_CONCURRENCY, (group) =>
        changeVisibility(deps.sqs, queueUrl, group),
      );
      const failed = failedCounts.reduce((sum, count) => sum + count, 0);
      if (failed > 0) deps.observer.warn('could not delay some retries; they reappear after the queue visibility timeout', { queueArn, failed });
    } catch (error) {
      deps.observer.warn('could not delay retries; they reappear after the queue visibility timeout', { queueArn, error: String(error) });
    }
  }
}

/** What the ErrorMessage of a dead-letter calls a failure: our own codes are not CloudFront's. */
function failureName(code: string): string {
  return OWN_CODES.has(code) ? code : `CloudFront ${code}`;
}

/** For a message dead-lettered after part of it was invalidated: which part, so no one sends that again. */
function progressNote(message: AcceptedMessage, coverage: Coverage, invalidationIds: readonly string[]): string {
  const total = message.targets.length;
  const covered = message.targets.filter(({ distributionId, path }) => coverage.covers(distributionId, path)).map(({ path }) => path);
  const shown = covered.slice(0, 5).join(', ') + (covered.length > 5 ? ', …' : '');
  return ` (${covered.length} of its ${total} paths were invalidated, in ${invalidationIds.join(', ')}: ${shown})`;
}

/**
 * The requests in the order to send them: those carrying a message received most often first, so that when the
 * in-progress limits defer some, a message near its last receive is not the one left waiting (requests are cut from
 * sorted paths: without this, the paths that sort last would wait in every busy batch). Ties keep the planned order.
 */
function mostUrgentFirst(requests: InvalidationRequest[], records: readonly SQSRecord[]): InvalidationRequest[] {
  if (requests.length < 2) return requests;
  const receives = new Map(records.map((record) => [record.messageId, receiveCountOf(record)]));
  const urgency = (request: InvalidationRequest) => Math.max(...request.messageIds.map((id) => receives.get(id) ?? 1));
  return requests
    .map((request) => ({ request, urgency: urgency(request) }))
    .sort((a, b) => b.urgency - a.urgency)
    .map(({ request }) => request);
}

function receiveCountOf(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}

function backoff(receiveCount: number, deps: PipelineDependencies): number {
  const { settings } = deps;
  return retryDelaySeconds(receiveCount, { baseDelaySeconds: settings.retryBaseDelaySeconds, maxDelaySeconds: settings.retryMaxDelaySeconds }, deps.random);
}
