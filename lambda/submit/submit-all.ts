import { DEADLINE_MARGIN_MS } from '../defaults.ts';
import { DEADLINE_EXCEEDED, IN_PROGRESS_LIMIT, TOO_MANY_IN_PROGRESS } from '../errors.ts';
import { METRICS } from '../metrics.ts';
import { distinctTargets } from '../resolve/targets.ts';
import type { AcceptedMessage, FailedOutcome, InvalidationOutcome, InvalidationRequest, PipelineDependencies, Submitted } from '../types.ts';
import { createInvalidation, isRecognizedErrorCode } from './create-invalidation.ts';
import { InProgressBudget } from './in-progress-budget.ts';
import { isContentRefusal, Isolation, needsIsolation } from './isolation.ts';

/**
 * Send the planned requests in order, isolating one CloudFront refused for its content (see isolation.ts) before the
 * next is sent, so the isolation takes the budget the refused request gave back: the same deadline and in-progress
 * budget apply to every request. Counts the failed requests: each CloudFront refused or failed, and each the deadline
 * stopped, once; not a request left unsent past the isolation cap, nor one that waits for the in-progress budget.
 *
 * @param budget - the distributions' in-progress budgets, as read before the batch (see in-progress.ts)
 *
 * @returns every request sent or deferred, and its outcome; a request isolated is replaced by its isolation's
 */
export async function submitAll(
  requests: readonly InvalidationRequest[],
  accepted: readonly AcceptedMessage[],
  deps: PipelineDependencies,
  budget: InProgressBudget = new InProgressBudget(),
): Promise<Submitted[]> {
  const failedRequests = { transient: 0, permanent: 0 };
  const send = async (request: InvalidationRequest): Promise<InvalidationOutcome> => {
    const outcome = await submit(request, budget, deps);
    if (outcome.kind === 'transient' || outcome.kind === 'permanent') failedRequests[outcome.kind]++;
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
    isolation ??= new Isolation({ messages: messagesById(accepted), limits: deps.settings.config, send });
    submitted.push(...(await isolation.isolate(entry)));
  }
  deps.observer.count(METRICS.transientFailures, failedRequests.transient);
  deps.observer.count(METRICS.permanentFailures, failedRequests.permanent);
  return submitted;
}

/** The accepted messages by id; a batch holding one id twice (not seen from SQS) gets the paths of both. */
function messagesById(accepted: readonly AcceptedMessage[]): Map<string, AcceptedMessage> {
  const byId = new Map<string, AcceptedMessage>();
  for (const message of accepted) {
    const known = byId.get(message.messageId);
    byId.set(message.messageId, known === undefined ? message : { ...known, targets: distinctTargets([...known.targets, ...message.targets]) });
  }
  return byId;
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
    const waiting = budget.reserve(request.distributionId, request.paths);
    outcome =
      waiting !== undefined
        ? { kind: 'waiting', code: IN_PROGRESS_LIMIT, message: waiting }
        : await createInvalidation(deps.cloudfront, request, {
            // The SDK's own retries and time limits could outlast the invocation: end the call where the margin starts.
            ...(remaining !== undefined ? { abortSignal: AbortSignal.timeout(remaining - DEADLINE_MARGIN_MS) } : {}),
          });
    if (outcome.kind === 'transient' && outcome.code === TOO_MANY_IN_PROGRESS) {
      // Another writer (or a concurrent invocation) filled the budget since it was read: wait, and send no more there.
      budget.fill(request.distributionId);
      outcome = { ...outcome, kind: 'waiting' };
    }
  }
  if (outcome.kind === 'created') {
    observer.count(METRICS.invalidationsCreated, 1);
    observer.count(METRICS.pathsSubmitted, request.paths.length);
    observer.info('invalidation created', { ...fields, invalidationId: outcome.invalidationId, callerReference: request.callerReference });
  } else if (outcome.kind === 'waiting') {
    observer.info('invalidation waits for the in-progress budget', { ...fields, errorCode: outcome.code, errorMessage: outcome.message });
  } else {
    observer.warn(`invalidation failed (${outcome.kind})`, { ...fields, errorCode: outcome.code, errorMessage: outcome.message });
    if (outcome.kind === 'transient' && !isRecognizedErrorCode(outcome.code)) {
      observer.warn('unrecognized CloudFront error, treated as transient', { distributionId: request.distributionId, errorCode: outcome.code });
    }
  }
  return outcome;
}
