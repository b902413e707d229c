import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_PATHS_PER_INVALIDATION, MAX_SQS_BATCH_ENTRIES } from '../lambda/limits.ts';
import { DEAD_LETTER_ATTRIBUTES } from '../lambda/settle/sqs.ts';
import { readInvalidatorContext } from '../lib/app-config.ts';
import { startLocalEnvironment, type LocalEnvironment } from '../local/environment.ts';

/**
 * Issue 12's burst through local mode, in real time: `cfiq local` with the flags of "What was measured" (one
 * distribution, batch size 1,000, `--window 1 --concurrency 2 --max-receive-count 10 --function-timeout 20
 * --retry-base-delay 1 --retry-max-delay 30 --completion-delay 5`), started in this process as the CLI starts it
 * (startLocalEnvironment with the same options), a burst of N distinct paths, 10 to a message, sent at once with
 * SendMessageBatch; then it waits until every path is in an invalidation the emulator accepted, the queue is empty
 * and the last invalidation is complete.
 *
 *   node bench/burst-local.ts                    # 60,000 paths: about two minutes
 *   node bench/burst-local.ts --paths 6000 --completion-delay 1 --json
 *
 * The lower bound is ceil(paths / 3,000) rounds of the completion delay: CloudFront (and the emulator) keeps at most
 * 3,000 paths in progress per distribution. A benchmark, not a test: it prints the ratio and never fails on it.
 */

/** The flags of issue 12's "What was measured", as `cfiq local` takes them. */
export const BURST_LOCAL_DEFAULTS = {
  paths: 60_000,
  pathsPerMessage: 10,
  completionDelaySeconds: 5,
  retryBaseDelaySeconds: 1,
  retryMaxDelaySeconds: 30,
  maxReceiveCount: 10,
  batchingWindowSeconds: 1,
  concurrency: 2,
  functionTimeoutSeconds: 20,
  batchSize: 1000,
} as const;

/** The distribution the burst goes to (the configuration has only it). */
export const BURST_DISTRIBUTION_ID = 'E1BURSTEXAMPLE';

export interface BurstLocalOptions {
  /** Distinct paths in the burst. @default BURST_LOCAL_DEFAULTS.paths */
  readonly paths?: number;
  /** @default BURST_LOCAL_DEFAULTS.completionDelaySeconds */
  readonly completionDelaySeconds?: number;
  /** Give up waiting after this long. @default - 10 x the lower bound, plus a minute */
  readonly timeoutMs?: number;
  /** Told about progress, a line every 5 s. */
  readonly onProgress?: (line: string) => void;
}

export interface BurstLocalResult {
  readonly paths: number;
  readonly messages: number;
  /** From the first send until the queue is empty, every path invalidated and the last invalidation complete. */
  readonly drainSeconds: number;
  /** ceil(paths / 3,000) x the completion delay. */
  readonly lowerBoundSeconds: number;
  readonly ratio: number;
  /** When the last invalidation was created, from the first send. */
  readonly lastInvalidationCreatedSeconds: number;
  /** False when the wait timed out. */
  readonly drained: boolean;
  readonly pathsInvalidated: number;
  /** Paths of the burst in no invalidation at the end. */
  readonly pathsMissing: number;
  readonly deadLettered: { readonly total: number; readonly byCode: Record<string, number> };
  readonly createInvalidationCalls: number;
  /** CreateInvalidation calls refused with TooManyInvalidationsInProgress. */
  readonly refusedCalls: number;
  readonly invalidationsCreated: number;
  /** Other CreateInvalidation errors, by code. */
  readonly otherErrors: Record<string, number>;
  readonly listAndGetCalls: number;
  readonly invocations: number;
  /** Records received beyond each message's first (a re-sent remainder is a new message, not a receive). */
  readonly recordsReceived: number;
  readonly queueLeft: number;
  readonly settings: Record<string, unknown>;
}

/**
 * Run the burst once and measure it. Never throws for an incomplete drain: the result says so.
 *
 * @throws when local mode cannot start or SQS refuses a send
 */
export async function runBurstLocal(options: BurstLocalOptions = {}): Promise<BurstLocalResult> {
  const d = BURST_LOCAL_DEFAULTS;
  const pathCount = options.paths ?? d.paths;
  const completionDelaySeconds = options.completionDelaySeconds ?? d.completionDelaySeconds;
  const progress = options.onProgress ?? (() => undefined);
  const lowerBoundSeconds = Math.ceil(pathCount / MAX_PATHS_PER_INVALIDATION) * completionDelaySeconds;
  const timeoutMs = options.timeoutMs ?? (10 * lowerBoundSeconds + 60) * 1000;
  const settings = { ...d, paths: pathCount, completionDelaySeconds, distributionId: BURST_DISTRIBUTION_ID };

  const env = await startLocalEnvironment({
    // What `--config` with one distribution gives, and the flags as `cfiq local` turns them into options.
    settings: readInvalidatorContext({
      distributions: [{ id: BURST_DISTRIBUTION_ID }],
      batchSize: d.batchSize,
      maxBatchingWindowSeconds: d.batchingWindowSeconds,
      maxConcurrency: d.concurrency,
      maxReceiveCount: d.maxReceiveCount,
    }),
    batchingWindowSeconds: d.batchingWindowSeconds,
    batchSize: d.batchSize,
    concurrency: d.concurrency,
    maxReceiveCount: d.maxReceiveCount,
    functionTimeoutSeconds: d.functionTimeoutSeconds,
    retryBaseDelaySeconds: d.retryBaseDelaySeconds,
    retryMaxDelaySeconds: d.retryMaxDelaySeconds,
    completionDelayMs: completionDelaySeconds * 1000,
  });
  try {
    const paths = Array.from({ length: pathCount }, (_, index) => `/burst/${Math.floor(index / d.pathsPerMessage)}/p${index % d.pathsPerMessage}`);
    const bodies: string[] = [];
    for (let start = 0; start < paths.length; start += d.pathsPerMessage) {
      bodies.push(JSON.stringify({ distributionId: BURST_DISTRIBUTION_ID, paths: paths.slice(start, start + d.pathsPerMessage), source: 'bench' }));
    }
    const started = Date.now();
    await sendAll(env, bodies);
    progress(`sent ${bodies.length} messages (${pathCount} paths) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const wanted = new Set(paths);
    const covered = new Set<string>();
    let seenInvalidations = 0;
    let drainedAt: number | undefined;
    let lastReport = Date.now();
    const deadline = started + timeoutMs;
    while (Date.now() < deadline) {
      const invalidations = env.emulator.invalidations(BURST_DISTRIBUTION_ID);
      for (const invalidation of invalidations.slice(seenInvalidations)) for (const path of invalidation.paths) if (wanted.has(path)) covered.add(path);
      seenInvalidations = invalidations.length;
      const depth = await env.depth();
      const queued = depth.visible + depth.inFlight + depth.delayed;
      if (covered.size === wanted.size && queued === 0) {
        drainedAt = Date.now();
        break;
      }
      if (Date.now() - lastReport >= 5_000) {
        lastReport = Date.now();
        progress(
          `${((Date.now() - started) / 1000).toFixed(0)} s: ${covered.size} of ${wanted.size} paths invalidated in ${invalidations.length} invalidations; ` +
            `queue: visible ${depth.visible}, in flight ${depth.inFlight}, delayed ${depth.delayed}`,
        );
      }
      await sleep(250);
    }
    const invalidations = env.emulator.invalidations(BURST_DISTRIBUTION_ID);
    const lastCreated = Math.max(started, ...invalidations.map((invalidation) => invalidation.createTime.getTime()));
    // Drained once the last invalidation is complete too, as CloudFront would report it.
    const completeAt = lastCreated + completionDelaySeconds * 1000;
    if (drainedAt !== undefined && completeAt > Date.now()) await sleep(completeAt - Date.now());
    const drainEnd = drainedAt === undefined ? Date.now() : Math.max(drainedAt, completeAt);
    await env.poller.stop();
    const drainSeconds = round((drainEnd - started) / 1000);
    const letters = await readDeadLetterCodes(env.sqs, env.deadLetterQueueUrl);
    const left = await env.depth();
    const stats = env.emulator.stats();
    const { TooManyInvalidationsInProgress: refused = 0, ...otherErrors } = stats.errors;
    const pollerStats = env.poller.stats();
    return {
      paths: pathCount,
      messages: bodies.length,
      drainSeconds,
      lowerBoundSeconds,
      ratio: round(drainSeconds / lowerBoundSeconds),
      lastInvalidationCreatedSeconds: round((lastCreated - started) / 1000),
      drained: drainedAt !== undefined,
      pathsInvalidated: covered.size,
      pathsMissing: wanted.size - covered.size,
      deadLettered: { total: Object.values(letters).reduce((sum, count) => sum + count, 0), byCode: letters },
      createInvalidationCalls: stats.byOperation.CreateInvalidation,
      refusedCalls: refused,
      invalidationsCreated: stats.invalidationsCreated,
      otherErrors,
      listAndGetCalls: stats.byOperation.ListInvalidations + stats.byOperation.GetInvalidation,
      invocations: pollerStats.invocations,
      recordsReceived: pollerStats.recordsReceived,
      queueLeft: left.visible + left.inFlight + left.delayed,
      settings,
    };
  } finally {
    await env.close();
  }
}

/** Every body at once: SendMessageBatch of 10, eight calls at a time. */
async function sendAll(env: LocalEnvironment, bodies: readonly string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < bodies.length) {
        const start = next;
        next += MAX_SQS_BATCH_ENTRIES;
        const batch = bodies.slice(start, start + MAX_SQS_BATCH_ENTRIES);
        const output = await env.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: env.queueUrl, Entries: batch.map((body, index) => ({ Id: String(index), MessageBody: body })) }),
        );
        if ((output.Failed?.length ?? 0) > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(output.Failed)}`);
      }
    }),
  );
}

/** Read the dead-letter queue to the end: its entries by ErrorCode (`(none)`: moved by the redrive policy). */
async function readDeadLetterCodes(sqs: SQSClient, queueUrl: string): Promise<Record<string, number>> {
  const codes: Record<string, number> = {};
  for (let empty = 0; empty < 3; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600, MessageAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    for (const message of Messages) {
      const code = message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.code]?.StringValue ?? '(none)';
      codes[code] = (codes[code] ?? 0) + 1;
    }
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })) }),
    );
  }
  return codes;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const USAGE = `usage: node bench/burst-local.ts [--paths N] [--completion-delay S] [--json]

  --paths N             distinct paths in the burst, 10 to a message, 10 to 1,000,000 (default ${BURST_LOCAL_DEFAULTS.paths})
  --completion-delay S  how long an invalidation stays InProgress, 1 to 60 (default ${BURST_LOCAL_DEFAULTS.completionDelaySeconds})
  --json                one line of JSON and no progress lines
`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { paths: { type: 'string' }, 'completion-delay': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const integer = (name: string, text: string | undefined, fallback: number, min: number, max: number) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      process.stderr.write(`--${name} must be an integer from ${min} to ${max} (given ${text})\n\n${USAGE}`);
      process.exit(2);
    }
    return value;
  };
  const paths = integer('paths', values.paths, BURST_LOCAL_DEFAULTS.paths, 10, 1_000_000);
  const completionDelaySeconds = integer('completion-delay', values['completion-delay'], BURST_LOCAL_DEFAULTS.completionDelaySeconds, 1, 60);
  const wallStarted = Date.now();
  const result = await runBurstLocal({
    paths,
    completionDelaySeconds,
    ...(values.json ? {} : { onProgress: (line: string) => process.stderr.write(`burst-local: ${line}\n`) }),
  });
  const report = {
    command: `node bench/burst-local.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, Node ${process.version}`,
    wallSeconds: round((Date.now() - wallStarted) / 1000),
    ...result,
  };
  process.stdout.write(`${JSON.stringify(report, null, values.json ? undefined : 2)}\n`);
}

if (import.meta.main) await main();
