import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { DEADLINE_MARGIN_MS, LEASE_POLL_MS, LEASE_WAIT_MS } from '../defaults.ts';
import { describeAwsError } from '../errors.ts';
import { METRICS } from '../metrics.ts';
import type { PipelineDependencies } from '../types.ts';
import type { SendLeases } from './lease-writes.ts';

/**
 * Concurrent invocations take turns per distribution. CloudFront's in-progress budget is shared by every invocation:
 * two that read it at once both see the same free paths, both send, and CloudFront refuses the second
 * (TooManyInvalidationsInProgress; its messages wait, but the call is spent). An invocation therefore holds a short
 * lease on each distribution it sends to, from before it reads the budget until its last CreateInvalidation returns;
 * another invocation waits for the lease (a few seconds: one read and a few sends), then reads a budget that counts
 * what the first one sent. This assumes CloudFront lists an invalidation as soon as CreateInvalidation has returned
 * it, as the emulators do; AWS does not document it either way.
 *
 * The lease (lease-writes.ts) only saves refusals: an invocation that cannot get it (the wait ran out, DynamoDB
 * failed) sends without it, and CloudFront's refusal still makes the messages wait. Every DynamoDB call is bounded
 * (LEASE_CALL_TIMEOUT_MS), so a DynamoDB that hangs costs a batch seconds, never its timeout. A holder that dies
 * keeps its lease until it expires, when its invocation could no longer send anyway.
 *
 * Keys are taken in sorted order, so two invocations never wait on each other crosswise; a batch holds the keys it
 * has while it waits for the next, so with many distributions per batch a third invocation can wait behind it, and
 * past LEASE_WAIT_MS send without.
 */

/** The lease's length when the invocation's remaining time is not known (tests, simulations). */
const DEFAULT_LEASE_MS = 60_000;

/** A lease outlives its holder's last possible CreateInvalidation by this much, in milliseconds. */
const EXPIRY_SLACK_MS = 1_000;

/**
 * The longest one take or give-back may run, SDK retries included, in milliseconds: the function's client allows
 * 15 s an attempt, for three attempts.
 */
const LEASE_CALL_TIMEOUT_MS = 3_000;

/** A take gets at least this long, even when the wait is nearly over, in milliseconds. */
const MIN_CALL_TIMEOUT_MS = 250;

/** The leases an invocation holds; `giveBack()` gives them back (never throws). */
export interface HeldLeases {
  /** The keys held. */
  readonly held: readonly string[];
  giveBack(): Promise<void>;
}

const NO_LEASES: HeldLeases = { held: [], giveBack: async () => {} };

/** One invocation's turn: who it is, until when its leases last, until when it waits for them. */
interface Turn {
  readonly holder: string;
  readonly expiresAtMs: number;
  readonly waitUntil: number;
}

/**
 * Take the lease on each of `keys`, in sorted order, waiting for another holder up to LEASE_WAIT_MS and at most half
 * the working time left (what is left before the deadline margin). A key whose lease cannot be had is sent to
 * without it (logged, and counted as LeasesNotTaken); after a DynamoDB error the other keys are not asked for. Takes
 * nothing without `deps.leases` (no table configured), or with no working time left (nothing will be sent).
 */
export async function takeSendLeases(keys: Iterable<string>, deps: PipelineDependencies): Promise<HeldLeases> {
  const leases = deps.leases;
  const wanted = [...new Set(keys)].sort();
  const remaining = deps.remainingTimeMs?.();
  const working = remaining === undefined ? DEFAULT_LEASE_MS : remaining - DEADLINE_MARGIN_MS;
  if (leases === undefined || wanted.length === 0 || working <= 0) return NO_LEASES;
  const startedAt = now(deps);
  const turn: Turn = {
    holder: randomUUID(),
    // Held until the last CreateInvalidation returns, which is before the deadline margin (submit-all.ts).
    expiresAtMs: startedAt + working + EXPIRY_SLACK_MS,
    waitUntil: startedAt + Math.min(LEASE_WAIT_MS, working / 2),
  };
  const held: string[] = [];
  let notTaken = 0;
  let dynamoDbFailed = false;
  for (const key of wanted) {
    const outcome: TakeOutcome = dynamoDbFailed ? 'failed' : await takeOne(leases, key, turn, deps);
    if (outcome === 'taken') held.push(key);
    else notTaken++;
    dynamoDbFailed ||= outcome === 'failed';
  }
  if (notTaken > 0) deps.observer.count(METRICS.leasesNotTaken, notTaken);
  return { held, giveBack: () => giveBackAll(leases, held, turn.holder, deps) };
}

/** What came of asking for one key's lease: taken, held by another until the wait ended, or DynamoDB failed. */
type TakeOutcome = 'taken' | 'busy' | 'failed';

/** Take one key's lease, asking again while another invocation holds it, until the turn's wait ends. */
async function takeOne(leases: SendLeases, key: string, turn: Turn, deps: PipelineDependencies): Promise<TakeOutcome> {
  const sleep = deps.sleep ?? ((ms: number) => sleepFor(ms));
  const random = deps.random ?? Math.random;
  const startedAt = now(deps);
  // Counted apart from the clock, so the wait ends even where the clock stands still (a test's).
  let slept = 0;
  for (;;) {
    const timeout = Math.min(LEASE_CALL_TIMEOUT_MS, Math.max(MIN_CALL_TIMEOUT_MS, turn.waitUntil - now(deps)));
    try {
      if (await leases.take(key, turn.holder, now(deps), turn.expiresAtMs, AbortSignal.timeout(timeout))) {
        if (slept > 0) deps.observer.info('send lease taken after waiting', { distributionId: key, waitedMs: now(deps) - startedAt });
        return 'taken';
      }
    } catch (error) {
      deps.observer.warn('could not take the send lease; sending without it', { distributionId: key, error: describeAwsError(error) });
      return 'failed';
    }
    // Jittered, so two waiters do not ask in step.
    const pause = Math.round(LEASE_POLL_MS * (0.5 + random()));
    if (now(deps) + pause > turn.waitUntil || slept + pause > LEASE_WAIT_MS) {
      deps.observer.warn('another invocation held the send lease too long; sending without it', { distributionId: key, waitedMs: now(deps) - startedAt });
      return 'busy';
    }
    slept += pause;
    await sleep(pause);
  }
}

/** Give back every lease held, at once; a failure is logged (the lease then expires on its own). */
async function giveBackAll(leases: SendLeases, keys: readonly string[], holder: string, deps: PipelineDependencies): Promise<void> {
  await Promise.all(
    keys.map((key) =>
      leases.giveBack(key, holder, AbortSignal.timeout(LEASE_CALL_TIMEOUT_MS)).catch((error: unknown) => {
        deps.observer.warn('could not give back the send lease', { distributionId: key, error: describeAwsError(error) });
      }),
    ),
  );
}

/**
 * Run `work` holding the send leases of `keys` (see takeSendLeases), and give them back when it ends, whether it
 * returns or throws.
 */
export async function holdingSendLeases<T>(keys: Iterable<string>, deps: PipelineDependencies, work: () => Promise<T>): Promise<T> {
  const leases = await takeSendLeases(keys, deps);
  try {
    return await work();
  } finally {
    await leases.giveBack();
  }
}

function now(deps: PipelineDependencies): number {
  return deps.now?.() ?? Date.now();
}
