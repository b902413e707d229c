import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BACKLOG_EXPIRED, RETRIES_EXHAUSTED } from '../../lambda/errors.ts';
import { METRICS } from '../../lambda/metrics.ts';
import { readInvalidatorContext } from '../../lib/app-config.ts';
import type { FaultOptions, InvalidationRecord } from '../../local/cloudfront-emulator/index.ts';
import { startLocalEnvironment, type LocalEnvironment } from '../../local/environment.ts';
import type { InvocationOutcome } from '../../local/poller.ts';
import { burstCorpus, CHAOS_CONFIG_DISTRIBUTIONS, CHAOS_DISTRIBUTIONS, chaosCorpus, markerOf, type ChaosMessage } from './corpus.ts';
import { crashInjector, type CrashStats } from './crashes.ts';
import { readDeadLetters, type DeadLetterEntry } from './dead-letters.ts';

/**
 * The chaos run: the local stack (fauxqs, the CloudFront emulator with seeded faults and real in-progress limits,
 * the poller running the real handler, crashing on some invocations), a burst of seeded publish events, and the
 * delivery invariant checked once the queue drains. `test/chaos/run.ts` is its command line; the README (Reliability)
 * has the figures of a full run.
 */

export interface ChaosOptions {
  /** The scenario: its corpus and the defaults below. @default 'standard' */
  readonly profile?: ChaosProfile;
  /** Publish events to send. @default the profile's (5,000; burst: 5,500) */
  readonly messages?: number;
  /** Seeds the corpus, the emulator's faults and the crashes. */
  readonly seed: number;
  /** @default CHAOS_DEFAULTS.invalidRate */
  readonly invalidRate?: number;
  /** The emulator's fault rates (its seed is derived from `seed`). @default CHAOS_DEFAULTS.faults */
  readonly faults?: Omit<FaultOptions, 'seed'>;
  /** @default CHAOS_DEFAULTS.throwRate */
  readonly throwRate?: number;
  /** @default CHAOS_DEFAULTS.hangRate */
  readonly hangRate?: number;
  /** Share of invocations that throw after their first dead-letter send (see CrashOptions). @default 0 */
  readonly lateThrowRate?: number;
  /** Poller concurrency. @default CHAOS_DEFAULTS.concurrency */
  readonly concurrency?: number;
  /** @default CHAOS_DEFAULTS.batchSize */
  readonly batchSize?: number;
  /** @default CHAOS_DEFAULTS.maxReceiveCount */
  readonly maxReceiveCount?: number;
  /** Messages sent at once at the start; the rest follow at `sendRatePerSecond`. @default CHAOS_DEFAULTS.burst */
  readonly burst?: number;
  /** @default CHAOS_DEFAULTS.sendRatePerSecond */
  readonly sendRatePerSecond?: number;
  /** How long an invalidation stays InProgress in the emulator. @default the profile's (300 ms; burst: 5 s) */
  readonly completionDelayMs?: number;
  /** Give up waiting for the queue to drain after this long. @default CHAOS_DEFAULTS.drainTimeoutMs */
  readonly drainTimeoutMs?: number;
  /** Told about progress, a line every few seconds. */
  readonly onProgress?: (line: string) => void;
}

/**
 * The run's settings: faults and crashes as issue 6 asks, and a stack tuned so that a retry costs seconds (retry
 * delays of 1 to 4 s, a 1 s batching window, a 15 s function timeout, invalidations complete in 300 ms).
 */
export const CHAOS_DEFAULTS = {
  invalidRate: 0.05,
  faults: { throttleRate: 0.1, serviceUnavailableRate: 0.05, connectionResetRate: 0.02 },
  throwRate: 0.06,
  hangRate: 0.04,
  /**
   * A burst first (large batches: coalescing, the in-progress limits), then a steady flow (many small
   * invocations: more CloudFront calls, faults and crash draws).
   */
  burst: 1000,
  sendRatePerSecond: 100,
  /** The stack's default maximum concurrency. */
  concurrency: 2,
  batchSize: 1000,
  batchingWindowSeconds: 1,
  /** The handler starts no CloudFront call with less than 10 s left (DEADLINE_MARGIN_MS): 5 s of work, then. */
  functionTimeoutSeconds: 15,
  maxReceiveCount: 15,
  retryBaseDelaySeconds: 1,
  retryMaxDelaySeconds: 4,
  completionDelayMs: 300,
  drainTimeoutMs: 10 * 60_000,
} as const;

/**
 * `standard`: the mixed corpus above over three distributions, a burst then a steady flow. `burst` (issue 12): a bulk
 * publish on one distribution, far past CloudFront's in-progress limit, with the same faults and crashes.
 */
export type ChaosProfile = 'standard' | 'burst';

/**
 * The burst profile's defaults, over CHAOS_DEFAULTS: 5,500 messages of 10 distinct paths each on one distribution
 * (about 52,000 paths once the 5% invalid ones are set aside: 18 rounds of the 3,000 paths CloudFront allows in
 * progress), all sent at once; invalidations stay in progress for 5 s, longer than the retry delays (1 to 4 s), so
 * the messages that wait for the budget meet retries of their own. A valid message in the dead-letter queue, whatever
 * its code, breaks the run: waiting spends no receive, and the backlog never gets near maxBacklogAge.
 */
export const BURST_PROFILE = {
  messages: 5_500,
  pathsPerMessage: 10,
  completionDelayMs: 5_000,
  /**
   * A crashing invocation dies after its first CreateInvalidation (not its first or second): under a backlog most
   * invocations make one call or none, and one that dies after its call dies holding its send lease.
   */
  maxCallsBeforeCrash: 1,
} as const;

export interface ChaosReport {
  readonly profile: ChaosProfile;
  readonly seed: number;
  readonly sent: number;
  readonly valid: number;
  readonly invalid: number;
  /** The invalid messages by the ErrorCode they must be dead-lettered with. */
  readonly invalidByCode: Record<string, number>;
  /** Paths the valid messages ask for, shared ones included, and the distinct (distribution, path) pairs. */
  readonly pathsRequested: number;
  readonly distinctPathsRequested: number;
  /** Paths in all invalidations the emulator accepted (a path in two invalidations counts twice). */
  readonly invalidatedPaths: number;
  readonly invalidationsCreated: number;
  /** Dead-letter queue entries by ErrorCode (`(none)`: moved by the redrive policy, without one). */
  readonly deadLettered: Record<string, number>;
  /**
   * Valid messages dead-lettered, by ErrorCode (RetriesExhausted and BacklogExpired always listed), and for
   * RetriesExhausted the last error's code. The burst profile wants none at all.
   */
  readonly validDeadLettered: { readonly byCode: Record<string, number>; readonly retriesExhaustedLastError: Record<string, number> };
  readonly retries: {
    /** Failed CreateInvalidation attempts that were retried: by the SDK within the call, or by the handler through the queue. */
    readonly total: number;
    /** Attempts the emulator answered with an injected fault (Throttling, 503, reset), by kind. */
    readonly faultedAttempts: Record<string, number>;
    /** Attempts refused with TooManyInvalidationsInProgress (the real in-progress limits). */
    readonly tooManyInvalidationsInProgress: number;
    /** Retries the SDK made inside CreateInvalidation calls (standard retry mode). */
    readonly sdkRetries: number;
    /** CreateInvalidation calls that failed transiently after the SDK's retries: their messages were retried through the queue. */
    readonly transientRequestFailures: number;
    /** Receives beyond each message's first: retries, crashed batches and timeouts. */
    readonly redeliveries: number;
    /** The failed CreateInvalidation calls the handler logged, by error code, with the first error message. */
    readonly failedRequests: Record<string, { readonly count: number; readonly transient: boolean; readonly example: string }>;
  };
  readonly duplicateRequests: {
    /** Requests that reached CloudFront and were answered as CallerReference replays (an existing invalidation). */
    readonly callerReferenceReplays: number;
    /** New invalidations every one of whose message-unique paths had been accepted before. */
    readonly repeatedInvalidations: number;
    /** Message-unique paths accepted in more than one invalidation, and the extra acceptances. */
    readonly pathsInvalidatedMoreThanOnce: number;
    readonly extraPathInvalidations: number;
    /** CallerReference replays plus repeated invalidations. */
    readonly total: number;
  };
  readonly crashes: CrashStats;
  readonly invocations: {
    readonly total: number;
    readonly byOutcome: Record<InvocationOutcome, number>;
    /** Failed invocations by error name (middy ends a hung handler with a TimeoutError just before the deadline). */
    readonly errors: Record<string, number>;
  };
  readonly createInvalidationRequests: number;
  /** Messages still on the main queue after the drain (visible + in flight + delayed). */
  readonly queueLeft: number;
  readonly drained: boolean;
  readonly drainMs: number;
  readonly wallMs: number;
  /** Messages neither fully invalidated nor dead-lettered with an ErrorCode (the invariant's sense). */
  readonly lost: number;
  /**
   * The lost messages: nowhere at all, or only in the dead-letter queue without an ErrorCode (moved by the redrive
   * policy after a crash on their last receive: kept, but without a reason).
   */
  readonly lostBreakdown: { readonly nowhere: number; readonly deadLetteredWithoutErrorCode: number };
  /** Every broken invariant (the first 50), one line each. */
  readonly violations: readonly string[];
  readonly violationCount: number;
  readonly ok: boolean;
  readonly settings: Record<string, unknown>;
}

/** A seed for one part of the run, derived from the run's seed. */
function derivedSeed(seed: number, part: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + part * 0x27d4eb2f) >>> 0;
}

/**
 * Run the chaos scenario end to end and check the invariant. Never throws for a broken invariant: the report
 * says so (`ok`, `lost`, `violations`).
 *
 * @throws when the local stack cannot start or SQS refuses a send
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  const profile = options.profile ?? 'standard';
  const messages = options.messages ?? (profile === 'burst' ? BURST_PROFILE.messages : 5_000);
  const settings = {
    profile,
    messages,
    seed: options.seed,
    invalidRate: options.invalidRate ?? CHAOS_DEFAULTS.invalidRate,
    faults: { ...CHAOS_DEFAULTS.faults, ...options.faults },
    throwRate: options.throwRate ?? CHAOS_DEFAULTS.throwRate,
    hangRate: options.hangRate ?? CHAOS_DEFAULTS.hangRate,
    lateThrowRate: options.lateThrowRate ?? 0,
    concurrency: options.concurrency ?? CHAOS_DEFAULTS.concurrency,
    burst: options.burst ?? (profile === 'burst' ? messages : CHAOS_DEFAULTS.burst),
    sendRatePerSecond: options.sendRatePerSecond ?? CHAOS_DEFAULTS.sendRatePerSecond,
    batchSize: options.batchSize ?? CHAOS_DEFAULTS.batchSize,
    batchingWindowSeconds: CHAOS_DEFAULTS.batchingWindowSeconds,
    functionTimeoutSeconds: CHAOS_DEFAULTS.functionTimeoutSeconds,
    maxReceiveCount: options.maxReceiveCount ?? CHAOS_DEFAULTS.maxReceiveCount,
    retryBaseDelaySeconds: CHAOS_DEFAULTS.retryBaseDelaySeconds,
    retryMaxDelaySeconds: CHAOS_DEFAULTS.retryMaxDelaySeconds,
    completionDelayMs: options.completionDelayMs ?? (profile === 'burst' ? BURST_PROFILE.completionDelayMs : CHAOS_DEFAULTS.completionDelayMs),
    drainTimeoutMs: options.drainTimeoutMs ?? CHAOS_DEFAULTS.drainTimeoutMs,
  };
  const corpusOptions = { count: settings.messages, seed: derivedSeed(settings.seed, 1), invalidRate: settings.invalidRate };
  const corpus = profile === 'burst' ? burstCorpus({ ...corpusOptions, pathsPerMessage: BURST_PROFILE.pathsPerMessage }) : chaosCorpus(corpusOptions);
  const crashes = crashInjector({
    seed: derivedSeed(settings.seed, 3),
    throwRate: settings.throwRate,
    hangRate: settings.hangRate,
    lateThrowRate: settings.lateThrowRate,
    ...(profile === 'burst' ? { maxCallsBeforeCrash: BURST_PROFILE.maxCallsBeforeCrash } : {}),
  });
  const invocationErrors: Record<string, number> = {};
  const failedRequests: Record<string, { count: number; transient: boolean; example: string }> = {};

  progress(`starting the local stack (fauxqs, the CloudFront emulator, the poller); ${corpus.length} messages to send, seed ${settings.seed}`);
  const env = await startLocalEnvironment({
    settings: readInvalidatorContext({
      distributions: CHAOS_CONFIG_DISTRIBUTIONS,
      batchSize: settings.batchSize,
      maxBatchingWindowSeconds: settings.batchingWindowSeconds,
      maxConcurrency: settings.concurrency,
      maxReceiveCount: settings.maxReceiveCount,
    }),
    batchingWindowSeconds: settings.batchingWindowSeconds,
    concurrency: settings.concurrency,
    functionTimeoutSeconds: settings.functionTimeoutSeconds,
    retryBaseDelaySeconds: settings.retryBaseDelaySeconds,
    retryMaxDelaySeconds: settings.retryMaxDelaySeconds,
    completionDelayMs: settings.completionDelayMs,
    emulatorDistributions: CHAOS_DISTRIBUTIONS.map((distribution) => distribution.id),
    faults: { seed: derivedSeed(settings.seed, 2), ...settings.faults },
    wrapHandler: crashes.wrapHandler,
    onActivity: (activity) => {
      if (activity.kind !== 'invalidation-failed') return;
      const entry = (failedRequests[activity.errorCode] ??= { count: 0, transient: activity.transient, example: activity.errorMessage });
      entry.count++;
    },
    onInvocation: (report) => {
      if (report.error === undefined) return;
      const name = report.error instanceof Error ? report.error.name : typeof report.error;
      invocationErrors[`${report.outcome}: ${name}`] = (invocationErrors[`${report.outcome}: ${name}`] ?? 0) + 1;
    },
  });
  try {
    progress(`sending: a burst of ${Math.min(settings.burst, corpus.length)}, then ${settings.sendRatePerSecond} a second`);
    await send(env, corpus, settings.burst, settings.sendRatePerSecond, started, progress);
    progress(`sent ${corpus.length} messages in ${Date.now() - started} ms`);
    const drain = await waitForDrain(env, settings.drainTimeoutMs, started, progress);
    const drainMs = Date.now() - started;
    await env.poller.stop();

    progress(`${((Date.now() - started) / 1000).toFixed(0)} s: ${drain ? 'drained' : 'not drained'}; reading the dead-letter queue and checking every message`);
    const deadLetters = await readDeadLetters(env.sqs, env.deadLetterQueueUrl, { maxMessages: corpus.length * 3 + 100, timeoutMs: 120_000 });
    const left = await env.depth();
    const invalidations = CHAOS_DISTRIBUTIONS.flatMap((distribution) => env.emulator.invalidations(distribution.id));
    const emulatorStats = env.emulator.stats();
    const pollerStats = env.poller.stats();
    const crashStats = crashes.stats();

    const check = checkInvariant(corpus, invalidations, deadLetters, { validMayBeDeadLettered: profile !== 'burst' });
    const queueLeft = left.visible + left.inFlight + left.delayed;
    const violations = [...check.violations];
    if (!drain) violations.push(`the queue did not drain within ${settings.drainTimeoutMs} ms`);
    if (queueLeft > 0) violations.push(`${queueLeft} message(s) left on the queue (${JSON.stringify(left)})`);
    const duplicates = countDuplicates(corpus, invalidations);
    const valid = corpus.filter((message) => message.kind === 'valid');

    const sdkRetries = crashStats.sdkRetries;
    const transientRequestFailures = env.metrics.total(METRICS.transientFailures);
    return {
      ok: violations.length === 0 && check.lost === 0,
      lost: check.lost,
      lostBreakdown: check.lostBreakdown,
      violationCount: violations.length,
      profile,
      seed: settings.seed,
      sent: corpus.length,
      valid: valid.length,
      invalid: corpus.length - valid.length,
      invalidByCode: countBy(corpus.filter((message) => message.kind === 'invalid'), (message) => message.code),
      pathsRequested: valid.reduce((sum, message) => sum + [...message.paths.values()].reduce((count, paths) => count + paths.length, 0), 0),
      distinctPathsRequested: new Set(valid.flatMap((message) => [...message.paths].flatMap(([id, paths]) => paths.map((path) => `${id} ${path}`)))).size,
      invalidatedPaths: emulatorStats.pathsAccepted,
      invalidationsCreated: emulatorStats.invalidationsCreated,
      createInvalidationRequests: emulatorStats.byOperation.CreateInvalidation,
      deadLettered: countBy(deadLetters, (entry) => entry.errorCode ?? '(none)'),
      validDeadLettered: check.validDeadLettered,
      retries: {
        total: sdkRetries + transientRequestFailures,
        sdkRetries,
        transientRequestFailures,
        faultedAttempts: { ...emulatorStats.faults },
        tooManyInvalidationsInProgress: emulatorStats.errors.TooManyInvalidationsInProgress ?? 0,
        failedRequests,
        redeliveries: pollerStats.recordsReceived - corpus.length,
      },
      duplicateRequests: {
        total: emulatorStats.replays + duplicates.repeatedInvalidations,
        callerReferenceReplays: emulatorStats.replays,
        ...duplicates,
      },
      crashes: crashStats,
      invocations: { total: pollerStats.invocations, byOutcome: pollerStats.byOutcome, errors: invocationErrors },
      queueLeft,
      drained: drain,
      drainMs,
      wallMs: Date.now() - started,
      violations: violations.slice(0, 50),
      settings,
    };
  } finally {
    await env.close();
  }
}

/**
 * Send the corpus, 10 messages a call: the first `burst` at once (4 calls at a time), the rest at `ratePerSecond`;
 * a progress line every 5 s.
 */
async function send(
  env: LocalEnvironment,
  corpus: readonly ChaosMessage[],
  burst: number,
  ratePerSecond: number,
  started: number,
  progress: (line: string) => void,
): Promise<void> {
  let sent = 0;
  let lastReport = Date.now();
  const report = () => {
    if (Date.now() - lastReport < 5_000) return;
    lastReport = Date.now();
    const stats = env.poller.stats();
    progress(`${((Date.now() - started) / 1000).toFixed(0)} s: sent ${sent} of ${corpus.length}; ${stats.invocations} invocations, ${env.emulator.stats().invalidationsCreated} invalidations`);
  };
  const sendBatch = async (batch: readonly ChaosMessage[]) => {
    const output = await env.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: env.queueUrl,
        Entries: batch.map((message) => ({ Id: String(message.n), MessageBody: message.body })),
      }),
    );
    if ((output.Failed?.length ?? 0) > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(output.Failed)}`);
    sent += batch.length;
    report();
  };
  const batches: ChaosMessage[][] = [];
  const burstEnd = Math.min(burst, corpus.length);
  for (let start = 0; start < burstEnd; start += 10) batches.push(corpus.slice(start, Math.min(start + 10, burstEnd)));
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches.length) await sendBatch(batches[next++]!);
    }),
  );
  const flowStarted = Date.now();
  for (let start = burstEnd; start < corpus.length; start += 10) {
    const due = flowStarted + ((start - burstEnd) / ratePerSecond) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
    await sendBatch(corpus.slice(start, start + 10));
  }
}

/** Wait until the queue reads empty three times in a row, 250 ms apart; false on timeout. */
async function waitForDrain(env: LocalEnvironment, timeoutMs: number, started: number, progress: (line: string) => void): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let emptyReads = 0;
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    const depth = await env.depth();
    const total = depth.visible + depth.inFlight + depth.delayed;
    emptyReads = total === 0 ? emptyReads + 1 : 0;
    if (emptyReads >= 3) return true;
    if (Date.now() - lastReport >= 5_000) {
      lastReport = Date.now();
      const stats = env.poller.stats();
      progress(
        `${((Date.now() - started) / 1000).toFixed(0)} s: visible ${depth.visible}, in flight ${depth.inFlight}, delayed ${depth.delayed}; ` +
          `${stats.invocations} invocations, ${stats.recordsDeleted} deleted, ${env.emulator.stats().invalidationsCreated} invalidations`,
      );
    }
    await sleep(250);
  }
  return false;
}

interface InvariantCheck {
  readonly lost: number;
  readonly lostBreakdown: ChaosReport['lostBreakdown'];
  readonly violations: string[];
  readonly validDeadLettered: ChaosReport['validDeadLettered'];
}

/**
 * Every path of every valid message is covered by an accepted invalidation of its distribution (the same path, or
 * a wildcard whose prefix it starts with), or the message is in the dead-letter queue with an ErrorCode; every
 * invalid message is in the dead-letter queue exactly once, with its code; no message is dead-lettered twice, and
 * nothing unknown is. With `validMayBeDeadLettered: false` (the burst profile), a valid message dead-lettered with
 * any code breaks the invariant too.
 */
export function checkInvariant(
  corpus: readonly ChaosMessage[],
  invalidations: readonly InvalidationRecord[],
  deadLetters: readonly DeadLetterEntry[],
  options: { readonly validMayBeDeadLettered?: boolean } = {},
): InvariantCheck {
  const exact = new Map<string, Set<string>>();
  const prefixes = new Map<string, Set<string>>();
  for (const invalidation of invalidations) {
    for (const path of invalidation.paths) {
      const target = path.endsWith('*') ? prefixes : exact;
      let set = target.get(invalidation.distributionId);
      if (set === undefined) target.set(invalidation.distributionId, (set = new Set()));
      set.add(path.endsWith('*') ? path.slice(0, -1) : path);
    }
  }
  const covered = (distributionId: string, path: string): boolean => {
    if (exact.get(distributionId)?.has(path)) return true;
    const wildcards = prefixes.get(distributionId);
    if (wildcards === undefined) return false;
    for (let length = 0; length <= path.length; length++) if (wildcards.has(path.slice(0, length))) return true;
    return false;
  };

  const lettersOf = new Map<number, DeadLetterEntry[]>();
  const violations: string[] = [];
  for (const entry of deadLetters) {
    const n = markerOf(entry.body);
    if (n === undefined || n >= corpus.length) {
      violations.push(`dead-letter entry with no known marker: ${entry.body.slice(0, 120)}`);
      continue;
    }
    lettersOf.set(n, [...(lettersOf.get(n) ?? []), entry]);
  }

  const lostBreakdown = { nowhere: 0, deadLetteredWithoutErrorCode: 0 };
  // The two codes a valid message can end with when the pipeline is slow, not wrong: shown even at 0.
  const validByCode: Record<string, number> = { [RETRIES_EXHAUSTED]: 0, [BACKLOG_EXPIRED]: 0 };
  const retriesExhaustedLastError: Record<string, number> = {};
  for (const message of corpus) {
    const letters = lettersOf.get(message.n) ?? [];
    if (letters.length > 1) {
      violations.push(`chaos-${message.n} is in the dead-letter queue ${letters.length} times (${letters.map((letter) => letter.errorCode ?? '(none)').join(', ')})`);
    }
    if (message.kind === 'invalid') {
      if (letters.length === 0) {
        lostBreakdown.nowhere++;
        violations.push(`chaos-${message.n} (invalid, ${message.code}) is not in the dead-letter queue`);
      } else if (letters.every((letter) => letter.errorCode === undefined)) {
        lostBreakdown.deadLetteredWithoutErrorCode++;
        violations.push(`chaos-${message.n} (invalid, ${message.code}) was moved to the dead-letter queue without an ErrorCode`);
      } else if (letters.some((letter) => letter.errorCode !== message.code)) {
        violations.push(`chaos-${message.n} was dead-lettered with ${letters.map((letter) => letter.errorCode ?? '(none)').join(', ')}, expected ${message.code}`);
      }
      continue;
    }
    const coded = letters.find((letter) => letter.errorCode !== undefined);
    if (coded !== undefined) {
      validByCode[coded.errorCode!] = (validByCode[coded.errorCode!] ?? 0) + 1;
      if (coded.errorCode === RETRIES_EXHAUSTED) {
        const last = /^(?:CloudFront )?(\S+) on receive/.exec(coded.errorMessage ?? '')?.[1] ?? 'unknown';
        retriesExhaustedLastError[last] = (retriesExhaustedLastError[last] ?? 0) + 1;
      }
    }
    const missing = [...message.paths].flatMap(([id, paths]) => paths.filter((path) => !covered(id, path)).map((path) => `${id} ${path}`));
    if (missing.length > 0 && coded === undefined) {
      lostBreakdown[letters.length > 0 ? 'deadLetteredWithoutErrorCode' : 'nowhere']++;
      const where = letters.length > 0 ? 'in the dead-letter queue without an ErrorCode' : 'not in the dead-letter queue';
      violations.push(`chaos-${message.n} lost: ${missing.length} path(s) never invalidated (${missing.slice(0, 3).join(', ')}) and ${where}`);
    }
  }
  const validDeadLettered = Object.values(validByCode).reduce((sum, count) => sum + count, 0);
  if (options.validMayBeDeadLettered === false && validDeadLettered > 0) {
    const codes = Object.entries(validByCode).filter(([, count]) => count > 0).map(([code, count]) => `${code}: ${count}`);
    violations.push(`${validDeadLettered} valid message(s) dead-lettered (${codes.join(', ')})`);
  }
  return {
    lost: lostBreakdown.nowhere + lostBreakdown.deadLetteredWithoutErrorCode,
    lostBreakdown,
    violations,
    validDeadLettered: { byCode: validByCode, retriesExhaustedLastError },
  };
}

/**
 * Duplicates, counted on the paths only one message names (shared paths such as `/` are invalidated again by
 * design): a path accepted in more than one invalidation, and a new invalidation that brought no such path for
 * the first time (a retry of work already done, under a new CallerReference because its batch was different).
 */
export function countDuplicates(corpus: readonly ChaosMessage[], invalidations: readonly InvalidationRecord[]) {
  const unique = new Set<string>();
  for (const message of corpus) {
    if (message.kind !== 'valid') continue;
    for (const [id, paths] of message.uniquePaths) for (const path of paths) unique.add(`${id} ${path}`);
  }
  const seen = new Map<string, number>();
  let repeatedInvalidations = 0;
  const byTime = [...invalidations].sort((a, b) => a.createTime.getTime() - b.createTime.getTime());
  for (const invalidation of byTime) {
    const keys = invalidation.paths.map((path) => `${invalidation.distributionId} ${path}`).filter((key) => unique.has(key));
    if (keys.length > 0 && keys.every((key) => seen.has(key))) repeatedInvalidations++;
    for (const key of keys) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  let pathsInvalidatedMoreThanOnce = 0;
  let extraPathInvalidations = 0;
  for (const count of seen.values()) {
    if (count > 1) {
      pathsInvalidatedMoreThanOnce++;
      extraPathInvalidations += count - 1;
    }
  }
  return { repeatedInvalidations, pathsInvalidatedMoreThanOnce, extraPathInvalidations };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
