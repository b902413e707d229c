import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigurationError, InvalidMessageError } from '../../lambda/errors.ts';
import { parseMessageBody } from '../../lambda/read/message.ts';
import { normalizePath } from '../../lambda/resolve/paths.ts';
import { DistributionRouter } from '../../lambda/resolve/routing.ts';
import { resolvePaths } from '../../lambda/resolve/targets.ts';
import { formatDuration } from '../../lambda/settle/backlog.ts';
import { findInvalidatorSettings } from '../settings.ts';
import { QUEUE_OPTIONS, QUEUE_OPTIONS_HELP, integerFlag, numberFlag, parseCommandLine } from './args.ts';
import { EXIT_CODES, InputError, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';
import { findDeadLetter, isCompleted, PurgeWatch, type PurgeEvent, type SeenInvalidation, type WatchedPath } from './purge-watch.ts';
import { isoSeconds } from './table.ts';
import { Targets, isLoopback } from './targets.ts';

/** How long a wait lasts at most by default: CloudFront takes minutes, a backlog longer. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 900;
/** Seconds between reads of CloudFront and the dead-letter queue, on AWS and against cfiq local. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 10;
export const LOCAL_POLL_INTERVAL_SECONDS = 1;
/** A "still waiting" line after this long without news. */
const STILL_WAITING_EVERY_MS = 60_000;

/** The flags `cfiq wait` and `cfiq send --wait` share. */
export const WAIT_OPTIONS = {
  timeout: { type: 'string' },
  'poll-interval': { type: 'string' },
  'ignore-dlq': { type: 'boolean' },
  'cloudfront-endpoint-url': { type: 'string' },
} as const;

export const WAIT_OPTIONS_HELP = `  --timeout S           stop waiting after S seconds (exit 6)  [default: ${DEFAULT_WAIT_TIMEOUT_SECONDS}]
  --poll-interval S     seconds between reads of CloudFront and the dead-letter queue
                        [default: ${DEFAULT_POLL_INTERVAL_SECONDS}; ${LOCAL_POLL_INTERVAL_SECONDS} for cfiq local]
  --ignore-dlq          don't look in the dead-letter queue (no SQS permission needed; a dead-lettered
                        message then ends in the timeout)
  --cloudfront-endpoint-url URL  the CloudFront endpoint  [env AWS_ENDPOINT_URL_CLOUDFRONT; cfiq local's when it runs here]`;

export const WAIT_HELP = `Usage: cfiq wait [options] MESSAGE_ID [PATH|URL...]

Wait until the purge a message asked for is live: every path of the message, routed and normalized as the handler
does, is covered by an invalidation created since the message was sent (holding the path, or a wildcard covering
it) whose status is Completed. Stops early when the message, or a part of it re-sent later (a remainder, a
deferred message: followed by their OriginalMessageId attribute), is in the dead-letter queue, and prints its
ErrorCode and ErrorMessage. For a message another producer sent (the SDK, a CMS); "cfiq send --wait" sends and waits.
Progress goes to standard error.

  MESSAGE_ID            the message id SendMessage gave the producer
  PATH, --paths PATH    an invalidation path of the message (repeatable), e.g. /news/*
  URL, --urls URL       a page URL of the message (repeatable), routed by its hostname
  --distribution ID     the distribution of the PATHs (needed when several are configured)
  --since TIME          when the message was sent: an ISO 8601 time, epoch milliseconds, or a duration ago
                        (90s, 15m, 2h); invalidations created before it don't count  [default: now]
${WAIT_OPTIONS_HELP}
  --config FILE         the configuration to route with (a cdk.json, or its "invalidator" object)
                        [default: cfiq local's, else ./cdk.json's "invalidator" context]
  --json                print the result as JSON, and no progress
${QUEUE_OPTIONS_HELP}

Exit codes: 0 live, 1 invalid input, 2 usage, 3 AWS error, 5 dead-lettered, 6 timed out, 130 interrupted.

Example (with cfiq local running in this directory, or the stack deployed):
  MESSAGE_ID=$(cfiq send --quiet https://www.example.org/news/)
  cfiq wait "$MESSAGE_ID" https://www.example.org/news/ --since 1m`;

const OPTIONS = {
  ...QUEUE_OPTIONS,
  ...WAIT_OPTIONS,
  paths: { type: 'string', multiple: true },
  urls: { type: 'string', multiple: true },
  distribution: { type: 'string' },
  since: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `cfiq wait`. */
export async function waitCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS, true);
  if (values.help) {
    io.out(WAIT_HELP);
    return EXIT_CODES.ok;
  }
  const [messageId, ...rest] = positionals;
  if (messageId === undefined) throw new UsageError('give the MESSAGE_ID to wait for, and the message\'s paths or URLs (see cfiq wait --help)');
  if (/^(\/|https?:\/\/)/i.test(messageId)) throw new UsageError(`the first argument is the MESSAGE_ID, then the paths and URLs (given ${JSON.stringify(messageId)})`);
  const paths = [...(values.paths ?? [])];
  const urls = [...(values.urls ?? [])];
  for (const target of rest) {
    if (target.startsWith('/')) paths.push(target);
    else if (/^https?:\/\//i.test(target)) urls.push(target);
    else throw new InputError(`${JSON.stringify(target)} is neither a path (starting with "/") nor an http(s) URL`);
  }
  if (paths.length === 0 && urls.length === 0) throw new UsageError('give the message\'s paths (--paths) or URLs (--urls): what it asked to invalidate');
  const settings = readWaitSettings(values);
  const since = values.since === undefined ? Date.now() : parseSince(values.since, Date.now());
  const targets = new Targets(values, io, { quiet: values.json === true });
  try {
    const byDistribution = resolveMessagePaths({ distributionId: values.distribution, paths, urls }, targets.configFile(values.config), io.cwd);
    const result = await waitForPurge(targets, { messageId, paths: byDistribution, since, ...settings, progress: values.json ? undefined : io.err }, io);
    if (values.json) io.out(JSON.stringify(waitResultJson(result), null, 2));
    else printWaitResult(result, io);
    return waitExitCode(result);
  } finally {
    targets.destroy();
  }
}

/** The shared wait flags, checked. @throws {UsageError} */
export function readWaitSettings(values: { timeout?: string | undefined; 'poll-interval'?: string | undefined; 'ignore-dlq'?: boolean | undefined }) {
  return {
    timeoutMs: integerFlag('timeout', values.timeout, DEFAULT_WAIT_TIMEOUT_SECONDS, 1, 86_400) * 1000,
    ...(values['poll-interval'] !== undefined ? { pollIntervalMs: numberFlag('poll-interval', values['poll-interval'], 0, 0.1, 600) * 1000 } : {}),
    checkDeadLetters: values['ignore-dlq'] !== true,
  };
}

/**
 * When a message was sent, from `--since`: an ISO 8601 time, epoch milliseconds, or a duration before `now`.
 *
 * @example
 * parseSince('15m', Date.parse('2026-12-06T12:00:00Z')); // Date.parse('2026-12-06T11:45:00Z')
 * @throws {UsageError} naming the value given
 */
export function parseSince(value: string, now: number): number {
  const text = value.trim();
  const ago = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(text);
  if (ago !== null) return now - Number(ago[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[ago[2] as 's' | 'm' | 'h'];
  if (/^\d{13}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) return Date.parse(text);
  throw new UsageError(`--since must be an ISO 8601 time (2026-12-06T12:00:00Z), epoch milliseconds, or a duration ago (90s, 15m, 2h) (given ${JSON.stringify(value)})`);
}

/**
 * A message's paths per distribution, routed and normalized by the handler's own code.
 *
 * @throws {InputError} with the handler's reason when the message would be dead-lettered for its input, or when the
 * configuration needed to route it is missing
 */
export function resolveMessagePaths(
  target: { distributionId?: string | undefined; paths: readonly string[]; urls: readonly string[] },
  configFile: string | undefined,
  cwd: string,
): Map<string, string[]> {
  try {
    const body = JSON.stringify({
      ...(target.distributionId !== undefined ? { distributionId: target.distributionId } : {}),
      ...(target.paths.length > 0 ? { paths: target.paths } : {}),
      ...(target.urls.length > 0 ? { urls: target.urls } : {}),
    });
    const message = parseMessageBody(body);
    const settings = findInvalidatorSettings(configFile, cwd);
    if (settings === undefined) {
      if (target.urls.length > 0 || target.distributionId === undefined) {
        throw new InputError('waiting needs the configuration to route the message as the handler does: run in the directory of cdk.json, or give --config FILE');
      }
      return new Map([[target.distributionId, [...new Set(target.paths.map((path) => normalizePath(path)))]]]);
    }
    return new Map([...resolvePaths(message, new DistributionRouter(settings.config))].map(([id, paths]) => [id, [...paths]]));
  } catch (error) {
    if (error instanceof InvalidMessageError) throw new InputError(`invalid message (${error.code}): ${error.message}`, { cause: error });
    if (error instanceof ConfigurationError) throw new InputError(error.message, { cause: error });
    throw error;
  }
}

export interface WaitOptions {
  readonly messageId: string;
  /** The message's normalized paths per distribution. */
  readonly paths: ReadonlyMap<string, readonly string[]>;
  /** When the message was sent, epoch milliseconds. */
  readonly since: number;
  readonly timeoutMs: number;
  /** @default DEFAULT_POLL_INTERVAL_SECONDS, or LOCAL_POLL_INTERVAL_SECONDS for a loopback CloudFront endpoint */
  readonly pollIntervalMs?: number;
  readonly checkDeadLetters: boolean;
  /** Where progress lines go; none when undefined (--json). */
  readonly progress: ((line: string) => void) | undefined;
}

export type WaitOutcome = 'live' | 'dead-lettered' | 'timed-out' | 'interrupted';

export interface WaitResult {
  readonly outcome: WaitOutcome;
  readonly messageId: string;
  readonly seconds: number;
  readonly paths: readonly WatchedPath[];
  readonly invalidations: readonly SeenInvalidation[];
  readonly deadLetter?: { readonly messageId: string; readonly errorCode?: string; readonly errorMessage?: string };
}

/**
 * Wait until every path is covered by a completed invalidation created since `since`, the message (or a part of it)
 * is dead-lettered, the timeout passes, or Ctrl-C.
 *
 * @throws {AwsCallError} when CloudFront or the dead-letter queue cannot be read
 */
export async function waitForPurge(targets: Targets, options: WaitOptions, io: CliIo): Promise<WaitResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const progress = options.progress ?? (() => undefined);
  const cloudfront = targets.cloudfront();
  const endpoint = targets.clientConfig('CLOUDFRONT').endpoint;
  const interval = options.pollIntervalMs ?? (endpoint !== undefined && isLoopback(endpoint) ? LOCAL_POLL_INTERVAL_SECONDS : DEFAULT_POLL_INTERVAL_SECONDS) * 1000;
  const watch = new PurgeWatch(cloudfront, options.paths, options.since, io.signal);
  // Resolved before the first poll, so that a missing dead-letter queue URL fails at once, not at the first look.
  const deadLetterQueueUrl = options.checkDeadLetters ? await targets.deadLetterQueueUrl() : undefined;
  const result = (outcome: WaitOutcome, deadLetter?: WaitResult['deadLetter']): WaitResult => ({
    outcome,
    messageId: options.messageId,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    paths: watch.paths(),
    invalidations: watch.invalidations(),
    ...(deadLetter !== undefined ? { deadLetter } : {}),
  });

  const counts = [...options.paths].map(([id, paths]) => `${paths.length} path${paths.length === 1 ? '' : 's'} on ${id}`).join(', ');
  progress(`Waiting for message ${options.messageId} (${counts}) to be invalidated; timeout ${formatDuration(options.timeoutMs / 1000)}`);
  progress(`  queued (invalidations created since ${isoSeconds(new Date(options.since))} count)`);
  let lastNews = Date.now();
  try {
    for (;;) {
      const events = await watch.poll();
      for (const event of events) progress(describeEvent(event));
      if (events.length > 0) lastNews = Date.now();
      if (watch.live) return result('live');
      if (deadLetterQueueUrl !== undefined) {
        const found = await findDeadLetter(targets.sqs(deadLetterQueueUrl), deadLetterQueueUrl, options.messageId, io);
        if (found !== undefined) {
          return result('dead-lettered', {
            messageId: found.messageId,
            ...(found.errorCode !== undefined ? { errorCode: found.errorCode } : {}),
            ...(found.errorMessage !== undefined ? { errorMessage: found.errorMessage } : {}),
          });
        }
      }
      if (io.signal.aborted) return result('interrupted');
      const now = Date.now();
      if (now >= deadline) return result('timed-out');
      if (now - lastNews >= STILL_WAITING_EVERY_MS) {
        progress(`  still waiting after ${formatDuration((now - started) / 1000)}: ${describeStates(watch.paths())}`);
        lastNews = now;
      }
      await sleep(Math.min(interval, deadline - now), undefined, { signal: io.signal }).catch(() => undefined);
      if (io.signal.aborted) return result('interrupted');
    }
  } catch (error) {
    if (io.signal.aborted && (error as { name?: unknown }).name === 'AbortError') return result('interrupted');
    if (io.signal.aborted && (error as { cause?: { name?: unknown } }).cause?.name === 'AbortError') return result('interrupted');
    throw error;
  } finally {
    cloudfront.destroy();
  }
}

function describeEvent(event: PurgeEvent): string {
  if (event.kind === 'unknown-distribution') return `  CloudFront does not know distribution ${event.distributionId} (${event.message}): the message should be dead-lettered`;
  const { invalidation } = event;
  if (event.kind === 'created') {
    const state = isCompleted(invalidation.status) ? 'completed' : 'in progress';
    return `  invalidation ${invalidation.id} created on ${invalidation.distributionId} at ${isoSeconds(invalidation.createTime)}: covers ${event.covers} of ${event.of} path${event.of === 1 ? '' : 's'}, ${state}`;
  }
  return `  invalidation ${invalidation.id} completed`;
}

/** "1 path queued, 2 in progress, 3 completed" (the states present). */
function describeStates(paths: readonly WatchedPath[]): string {
  const count = (state: WatchedPath['state']) => paths.filter((path) => path.state === state).length;
  const parts: string[] = [];
  if (count('queued') > 0) parts.push(`${count('queued')} queued`);
  if (count('in-progress') > 0) parts.push(`${count('in-progress')} in progress`);
  if (count('completed') > 0) parts.push(`${count('completed')} completed`);
  return `${parts.join(', ')} (of ${paths.length} path${paths.length === 1 ? '' : 's'})`;
}

/** The process's exit code for a wait's outcome. */
export function waitExitCode(result: WaitResult): number {
  switch (result.outcome) {
    case 'live':
      return EXIT_CODES.ok;
    case 'dead-lettered':
      return EXIT_CODES.deadLettered;
    case 'timed-out':
      return EXIT_CODES.timedOut;
    default:
      return EXIT_CODES.interrupted;
  }
}

/** The outcome for a reader: stdout when live, stderr otherwise (with what is still missing). */
export function printWaitResult(result: WaitResult, io: Pick<CliIo, 'out' | 'err'>): void {
  const ids = [...new Set(result.paths.flatMap((path) => (path.invalidationId !== undefined ? [path.invalidationId] : [])))];
  const took = formatDuration(result.seconds);
  if (result.outcome === 'live') {
    io.out(`Live after ${took}: every path of message ${result.messageId} is invalidated (${ids.join(', ')}).`);
    return;
  }
  if (result.outcome === 'dead-lettered') {
    const letter = result.deadLetter!;
    io.err(`Dead-lettered after ${took}: message ${result.messageId}${letter.messageId !== result.messageId ? ` (dead-letter entry ${letter.messageId})` : ''}`);
    io.err(`  ErrorCode: ${letter.errorCode ?? '-'}`);
    io.err(`  ErrorMessage: ${letter.errorMessage ?? '-'}`);
    io.err('Fix the cause, then "cfiq dlq redrive" (docs/operating.md, The dead-letter queue).');
    return;
  }
  io.err(`${result.outcome === 'timed-out' ? 'Timed out' : 'Interrupted'} after ${took}: ${describeStates(result.paths)}`);
  for (const path of result.paths.filter((entry) => entry.state !== 'completed')) {
    io.err(`  ${path.distributionId} ${path.path}: ${path.state === 'queued' ? 'no invalidation yet' : `in progress (${path.invalidationId})`}`);
  }
  if (result.outcome === 'timed-out' && result.paths.some((path) => path.state === 'queued')) {
    io.err('A path with no invalidation yet may still wait in the queue (cfiq status shows the backlog); if the message was sent before the wait began, give --since.');
  }
}

/** The result as `--json` prints it. */
export function waitResultJson(result: WaitResult) {
  return {
    ...result,
    invalidations: result.invalidations.map((invalidation) => ({ ...invalidation, createTime: invalidation.createTime.toISOString() })),
  };
}
