import type { InvalidationOutcome } from './cloudfront.ts';
import { planInvalidations, type AcceptedMessage, type InvalidationRequest, type PlanOptions } from './plan.ts';
import { Coverage } from './remainder.ts';

/**
 * Isolation: when CloudFront refuses a request for its content (a path it rejects, a body too large) and several
 * messages contributed to it, the fault is likely one message's, not all of theirs. Rather than dead-letter every
 * contributor, the contributors are bisected: each half's own paths (those the refused request covered) are planned
 * and sent on their own, and a half refused for its content again is halved again, until a refused request has a
 * single contributor, which is then dead-lettered with CloudFront's code. The others are created, or fail
 * transiently and are retried as any other request.
 *
 * Bisection rather than one request per message: one bad message among n costs 2 x log2(n) requests (20 for 1,000
 * messages) instead of n, and a request too large as a whole (BatchTooLarge) is split until it fits.
 */

/** CloudFront's codes for a request refused for its content, not its distribution: worth isolating. */
export const CONTENT_ERROR_CODES: ReadonlySet<string> = new Set(['InvalidArgument', 'BatchTooLarge', 'InconsistentQuantities']);

/**
 * Isolation requests per invocation at most: one bad message among the largest batch (10,000 messages) needs 28.
 * Past it, a request still to isolate is not sent and its messages are retried (transient).
 */
export const MAX_ISOLATION_REQUESTS = 32;

/** A request sent (or not sent: deferred, a transient outcome), and what came of it. */
export interface Submitted {
  readonly request: InvalidationRequest;
  readonly outcome: InvalidationOutcome;
}

/** Did CloudFront refuse the request for its content? Then it created nothing. */
export function isContentRefusal(outcome: InvalidationOutcome): boolean {
  return outcome.kind === 'permanent' && CONTENT_ERROR_CODES.has(outcome.code);
}

/** Does `submitted` want isolating: refused for its content, with more than one contributor? */
export function needsIsolation({ request, outcome }: Submitted): boolean {
  return isContentRefusal(outcome) && request.messageIds.length > 1;
}

export interface IsolationOptions {
  /** The accepted messages of the batch, by id. */
  readonly messages: ReadonlyMap<string, AcceptedMessage>;
  readonly limits: PlanOptions;
  /** Send one request (the deadline and the in-progress budget apply); never throws. */
  readonly send: (request: InvalidationRequest) => Promise<InvalidationOutcome>;
  /** Isolation requests allowed. @default MAX_ISOLATION_REQUESTS */
  readonly maxRequests?: number;
}

/**
 * Replace every request refused for its content by several contributors with the requests of its isolation and
 * their outcomes. What is left refused for its content has a single contributor (or was refused as a whole with
 * nothing left to split); a request not sent past `maxRequests` has a transient outcome, keeping CloudFront's code.
 *
 * @returns the submitted requests, the refused ones replaced, in order
 */
export async function isolateContentRefusals(submitted: readonly Submitted[], options: IsolationOptions): Promise<Submitted[]> {
  const maxRequests = options.maxRequests ?? MAX_ISOLATION_REQUESTS;
  let sent = 0;
  const settled: Submitted[] = [];
  for (const entry of submitted) {
    // Depth first: a lone bad message is found, and settled, before the budget of requests runs out.
    const stack: Submitted[] = [entry];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (!needsIsolation(current)) {
        settled.push(current);
        continue;
      }
      const halves = halvesOf(current.request, options.messages, options.limits);
      const results: Submitted[] = [];
      for (const request of halves) {
        if (sent >= maxRequests) {
          const { code, message } = current.outcome as Extract<InvalidationOutcome, { kind: 'permanent' }>;
          const note = `not isolated: the limit of ${maxRequests} isolation requests per invocation was reached; refused as part of a larger request: ${message}`;
          results.push({ request, outcome: { kind: 'transient', code, message: note } });
        } else {
          sent++;
          results.push({ request, outcome: await options.send(request) });
        }
      }
      // Pushed in reverse, so the first half is isolated first.
      stack.push(...results.reverse());
    }
  }
  return settled;
}

/**
 * The requests of each half of the refused request's contributors: their own paths that the refused request
 * covered, coalesced and chunked per half.
 */
function halvesOf(request: InvalidationRequest, messages: ReadonlyMap<string, AcceptedMessage>, limits: PlanOptions): InvalidationRequest[] {
  const { distributionId, messageIds } = request;
  const scope = new Coverage();
  scope.add(distributionId, request.paths);
  const own = (messageId: string): AcceptedMessage => {
    const paths = [...(messages.get(messageId)?.paths.get(distributionId) ?? [])].filter((path) => scope.covers(distributionId, path));
    return { messageId, paths: new Map([[distributionId, new Set(paths)]]) };
  };
  const middle = Math.ceil(messageIds.length / 2);
  return [messageIds.slice(0, middle), messageIds.slice(middle)].flatMap((half) => planInvalidations(half.map(own), limits));
}
