import { planInvalidations, type PlanOptions } from '../plan/plan.ts';
import { Coverage } from '../plan/coverage.ts';
import type { AcceptedMessage, InvalidationOutcome, InvalidationRequest, Submitted } from '../types.ts';

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
 * The isolation of an invocation's refused requests: one cap of `maxRequests` isolation requests for all of them,
 * and what the isolation requests created, so a later half leaves out the paths an earlier one already created.
 */
export class Isolation {
  readonly #options: IsolationOptions;
  readonly #maxRequests: number;
  /** Isolation requests sent (or deferred) so far. */
  #sent = 0;
  /** The paths the isolation requests created. */
  readonly #created = new Coverage();

  public constructor(options: IsolationOptions) {
    this.#options = options;
    this.#maxRequests = options.maxRequests ?? MAX_ISOLATION_REQUESTS;
  }

  /**
   * Isolate `refused` (see needsIsolation) at once, depth first: what is left refused for its content has a single
   * contributor (or was refused as a whole with nothing left to split); a request not sent past the cap has a
   * transient outcome, keeping CloudFront's code. A half whose paths earlier isolation requests created needs no
   * request: its messages are covered.
   *
   * @returns the requests of its isolation and their outcomes, in order; `refused` itself when it needs none
   */
  public async isolate(refused: Submitted): Promise<Submitted[]> {
    const settled: Submitted[] = [];
    const stack: Submitted[] = [refused];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (!needsIsolation(current)) {
        settled.push(current);
        continue;
      }
      const results: Submitted[] = [];
      for (const half of halvesOf(current.request)) {
        // Planned only now: the paths the halves before it created are left out.
        for (const request of this.#plan(current.request.distributionId, half)) {
          results.push({ request, outcome: await this.#send(request, current.outcome) });
        }
      }
      // Pushed in reverse, so the first half is isolated first.
      stack.push(...results.reverse());
    }
    return settled;
  }

  /** The requests of one half: its messages' own paths within the refused request's `scope`, not created yet. */
  #plan(distributionId: string, { ids, scope }: Half): InvalidationRequest[] {
    const own = (messageId: string): AcceptedMessage => {
      const targets = (this.#options.messages.get(messageId)?.targets ?? []).filter(
        (target) => target.distributionId === distributionId && scope.covers(distributionId, target.path) && !this.#created.covers(distributionId, target.path),
      );
      return { messageId, targets };
    };
    return planInvalidations(ids.map(own), this.#options.limits);
  }

  async #send(request: InvalidationRequest, refusal: InvalidationOutcome): Promise<InvalidationOutcome> {
    if (this.#sent >= this.#maxRequests) {
      const { code, message } = refusal as Extract<InvalidationOutcome, { kind: 'permanent' }>;
      const note = `not isolated: the limit of ${this.#maxRequests} isolation requests per invocation was reached; refused as part of a larger request: ${message}`;
      return { kind: 'transient', code, message: note };
    }
    this.#sent++;
    const outcome = await this.#options.send(request);
    if (outcome.kind === 'created') this.#created.add(request.distributionId, request.paths);
    return outcome;
  }
}

interface Half {
  readonly ids: readonly string[];
  /** The paths of the refused request. */
  readonly scope: Coverage;
}

/** The two halves of the refused request's contributors, each to send its own paths that the request covered. */
function halvesOf(request: InvalidationRequest): Half[] {
  const scope = new Coverage();
  scope.add(request.distributionId, request.paths);
  const middle = Math.ceil(request.messageIds.length / 2);
  return [request.messageIds.slice(0, middle), request.messageIds.slice(middle)].map((ids) => ({ ids, scope }));
}
