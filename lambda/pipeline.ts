import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { retryDelaySeconds } from './backoff.ts';
import { createInvalidation, type InvalidationOutcome } from './cloudfront.ts';
import type { HandlerSettings } from './config.ts';
import { InvalidMessageError, RETRIES_EXHAUSTED } from './errors.ts';
import { parseMessageBody } from './message.ts';
import { planInvalidations, type AcceptedMessage, type InvalidationRequest } from './plan.ts';
import { DEADLINE_MARGIN_MS } from './defaults.ts';
import { METRICS, type MetricName } from './metrics.ts';
import { changeVisibility, sendToDeadLetterQueue, type DeadLetter, type QueueUrlResolver, type VisibilityChange } from './queue.ts';
import { resolvePaths } from './request.ts';
import type { DistributionRouter } from './routing.ts';


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
  /** Milliseconds left before the invocation times out; requests are not started past the deadline margin. */
  readonly remainingTimeMs?: () => number;
  readonly random?: () => number;
}


/**
 * Process one SQS batch: validate every record, coalesce and submit the invalidations, dead-letter what can never
 * succeed, and report what should be retried. A message is acknowledged only when every request it contributed to
 * succeeded.
 *
 * @returns the partial batch response: the records to receive again
 */
export async function processBatch(records: readonly SQSRecord[], deps: PipelineDependencies): Promise<SQSBatchResponse> {
  const { observer, settings } = deps;
  observer.count(METRICS.messagesReceived, records.length);

  const deadLetters: DeadLetter[] = [];
  const accepted: AcceptedMessage[] = [];
  let pathsRequested = 0;
  for (const record of records) {
    try {
      const paths = resolvePaths(parseMessageBody(record.body), deps.router);
      accepted.push({ messageId: record.messageId, paths });
      for (const set of paths.values()) pathsRequested += set.size;
    } catch (error) {
      if (!(error instanceof InvalidMessageError)) throw error;
      deadLetters.push({ record, code: error.code, message: error.message });
    }
  }
  observer.count(METRICS.invalidMessages, deadLetters.length);
  observer.count(METRICS.pathsRequested, pathsRequested);

  const requests = planInvalidations(accepted, settings.config);
  const failures = new Map<string, Extract<InvalidationOutcome, { kind: 'transient' | 'permanent' }>>();
  const failedRequests = { transient: 0, permanent: 0 };
  for (const request of requests) {
    const outcome = await submit(request, deps);
    if (outcome.kind === 'created') continue;
    failedRequests[outcome.kind]++;
    for (const id of request.messageIds) {
      // A permanent failure outweighs a transient one: no retry can help that message.
      if (failures.get(id)?.kind !== 'permanent') failures.set(id, outcome);
    }
  }

  observer.count(METRICS.transientFailures, failedRequests.transient);
  observer.count(METRICS.permanentFailures, failedRequests.permanent);

  // Only failures need records by id: no map of the whole batch when every request succeeded.
  const recordsById = new Map(failures.size === 0 ? [] : records.map((record) => [record.messageId, record]));
  const retries: VisibilityChange[] = [];
  for (const [messageId, failure] of failures) {
    const record = recordsById.get(messageId)!;
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    if (failure.kind === 'permanent') {
      deadLetters.push({ record, code: failure.code, message: `CloudFront ${failure.code}: ${failure.message}` });
    } else if (receiveCount >= settings.maxReceiveCount) {
      deadLetters.push({
        record,
        code: RETRIES_EXHAUSTED,
        message: `CloudFront ${failure.code} on receive ${receiveCount} of ${settings.maxReceiveCount}: ${failure.message}`,
      });
    } else {
      retries.push({ record, visibilityTimeoutSeconds: retryDelaySeconds(receiveCount, backoffPolicy(settings), deps.random) });
    }
  }

  const undelivered = await deadLetter(deadLetters, deps);
  await scheduleRetries(retries, deps);
  const failed = [...retries.map((retry) => retry.record.messageId), ...undelivered.keys()];
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

async function submit(request: InvalidationRequest, deps: PipelineDependencies): Promise<InvalidationOutcome> {
  const { observer } = deps;
  const fields = { distributionId: request.distributionId, paths: request.paths.length, messages: request.messageIds.length };
  const remaining = deps.remainingTimeMs?.();
  const outcome: InvalidationOutcome =
    remaining !== undefined && remaining < DEADLINE_MARGIN_MS
      ? { kind: 'transient', code: 'DeadlineExceeded', message: `not started: ${remaining} ms left in the invocation` }
      : await createInvalidation(deps.cloudfront, request);
  if (outcome.kind === 'created') {
    observer.count(METRICS.invalidationsCreated, 1);
    observer.count(METRICS.pathsSubmitted, request.paths.length);
    observer.info('invalidation created', { ...fields, invalidationId: outcome.invalidationId, callerReference: request.callerReference });
  } else {
    observer.warn(`invalidation failed (${outcome.kind})`, { ...fields, errorCode: outcome.code, errorMessage: outcome.message });
  }
  return outcome;
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
      const failed = await changeVisibility(deps.sqs, queueUrl, changes);
      if (failed > 0) deps.observer.warn('could not delay some retries; they reappear after the queue visibility timeout', { queueArn, failed });
    } catch (error) {
      deps.observer.warn('could not delay retries; they reappear after the queue visibility timeout', { queueArn, error: String(error) });
    }
  }
}

function backoffPolicy(settings: HandlerSettings) {
  return { baseDelaySeconds: settings.retryBaseDelaySeconds, maxDelaySeconds: settings.retryMaxDelaySeconds };
}
