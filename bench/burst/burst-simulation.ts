// Over 250 lines on purpose: the burst scenario end to end (producers, the event source's pollers, the handler,
// the figures), kept in one file so the model can be read and checked in one place.
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { loadHandlerSettings, type InvalidatorConfigInput } from '../../lambda/config.ts';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  DEFAULT_MAX_BATCHING_WINDOW_SECONDS,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_MAX_RECEIVE_COUNT,
  DEFAULT_MIN_PATHS_PER_DIRECTORY,
} from '../../lambda/defaults.ts';
import { MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';
import { processBatch } from '../../lambda/process-batch.ts';
import { normalizePath } from '../../lambda/resolve/paths.ts';
import { DistributionRouter } from '../../lambda/resolve/routing.ts';
import { QueueUrlResolver } from '../../lambda/settle/sqs.ts';
import { SendLeases } from '../../lambda/submit/lease-writes.ts';
import type { PathCounts } from '../../local/cloudfront-emulator/rules.ts';
import { seededRandom, shuffled } from '../random.ts';
import { buildSite } from '../site.ts';
import { SimulatedCloudFront } from './simulated-cloudfront.ts';
import { SimulatedLeaseTable } from './simulated-lease-table.ts';
import { SimulatedSqs } from './simulated-sqs.ts';
import { VirtualClock } from './virtual-time.ts';
import type { PipelineObserver } from '../../lambda/types.ts';

/**
 * The burst scenario (issue 12): N distinct paths, 10 to a message, all enqueued at t = 0 for one distribution,
 * drained by the real `processBatch` in simulated time. CloudFront and SQS are simulated at the SDK-command level
 * (simulated-cloudfront.ts, simulated-sqs.ts), so the same simulation measures any version of the handler that
 * speaks to them through the SDK, whatever it sends. The event source mapping is modelled here: batch size 1,000,
 * a 60 s batching window, at most 2 invocations at once, a 60 s function timeout, partial batch responses.
 *
 * Time: each SDK call takes a fixed virtual latency (500 ms for CloudFront, 20 ms for SQS); the handler's own
 * computation takes no virtual time. While the simulation runs, `Date.now()` reads the virtual clock, so code that
 * dates things (message ages, CreateTime) sees simulated time.
 */

export const BURST_DISTRIBUTION_ID = 'EBURSTEXAMPLE';
const HOSTNAME = 'www.example.org';
const ACCOUNT = '123456789012';
const SOURCE_QUEUE_NAME = 'invalidation-queue';
const SOURCE_QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${SOURCE_QUEUE_NAME}`;
const SOURCE_QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${SOURCE_QUEUE_NAME}`;
const DEAD_LETTER_QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/invalidation-dlq`;
/** Virtual time 0, as epoch milliseconds (a Monday morning). */
export const VIRTUAL_EPOCH_MS = Date.UTC(2026, 0, 5, 9, 0, 0);
/** How often, in virtual time, a gathering poller looks for a full batch. */
const POLL_INTERVAL_MS = 1_000;

/** The stack's visibility timeout: 6 function timeouts plus the batching window (lib/invalidation-queue.ts). */
const VISIBILITY_TIMEOUT_SECONDS = 6 * DEFAULT_FUNCTION_TIMEOUT_SECONDS + DEFAULT_MAX_BATCHING_WINDOW_SECONDS;

export interface BurstOptions {
  /** Distinct paths in the burst. */
  readonly paths: number;
  readonly seed: number;
  /** The handler's `wildcardCollapse` (off when absent). */
  readonly wildcardCollapse?: { readonly minPathsPerDirectory: number; readonly whenBacklogRoundsAbove?: number };
  /** @default 10 */
  readonly pathsPerMessage?: number;
  /** The simulated site holds this many times the burst's paths; the burst publishes a random share of it. @default 2 */
  readonly siteFactor?: number;
  /** Seconds an invalidation stays in progress, drawn uniformly. @default { min: 60, max: 300 } */
  readonly completionSeconds?: { readonly min: number; readonly max: number };
  /** CloudFront's in-progress limits; lower ones let a small test meet them. @default 3,000 and 15 */
  readonly inProgressLimits?: PathCounts;
  /** The handler's `maxPathsPerInvalidation`. @default 3,000 */
  readonly maxPathsPerInvalidation?: number;
  /** @default 1,000 */
  readonly batchSize?: number;
  /** @default 60 */
  readonly batchingWindowSeconds?: number;
  /** @default 2 */
  readonly maxConcurrency?: number;
  /** @default 60 */
  readonly functionTimeoutSeconds?: number;
  /** @default 10 */
  readonly maxReceiveCount?: number;
  /** @default 500 */
  readonly cloudFrontLatencyMs?: number;
  /** @default 20 */
  readonly sqsLatencyMs?: number;
  /** Concurrent invocations take turns per distribution (the stack's lease table, send-lease.ts). @default true */
  readonly sendLeases?: boolean;
  /** @default 10 */
  readonly dynamoDbLatencyMs?: number;
  /** The simulation stops here, whatever is left. @default 24 */
  readonly maxSimulatedHours?: number;
}

/** The figures of one run (issue 12's names), and what explains them. */
export interface BurstResult {
  readonly paths: number;
  readonly messages: number;
  /** Valid messages (originals or remainders) that reached the dead-letter queue, by the handler or by redrive. */
  readonly validDeadLettered: number;
  readonly validDeadLetteredPaths: number;
  readonly deadLettersByCode: Record<string, number>;
  /** CreateInvalidation calls CloudFront refused with TooManyInvalidationsInProgress. */
  readonly refusedCalls: number;
  /** CreateInvalidation calls. */
  readonly calls: number;
  readonly listInvalidationsCalls: number;
  /** Conditional PutItem calls to take a send lease, and those refused because another invocation held it. */
  readonly leaseCalls: { readonly taken: number; readonly refused: number };
  readonly getInvalidationCalls: number;
  readonly invalidationsCreated: number;
  /** When the queue was empty and the last invalidation complete (seconds); null when the run hit its time cap. */
  readonly drainSeconds: number | null;
  /** When the last message left the source queue (acknowledged or dead-lettered). */
  readonly queueEmptySeconds: number | null;
  /** When the last created invalidation completed. */
  readonly lastCompletionSeconds: number | null;
  /** ceil(paths / in-progress file limit) rounds, each the mean completion time (see lowerBoundDrainSeconds()). */
  readonly lowerBoundDrainSeconds: number;
  /** Paths in created invalidations (a wildcard is one path; a CallerReference replay bills nothing). */
  readonly billedPaths: number;
  /** Site pages a created wildcard covers that no message of the burst asked for, once per wildcard created. */
  readonly overInvalidatedPaths: number;
  readonly wildcardsCreated: number;
  readonly invocations: number;
  readonly timedOutInvocations: number;
  /** Receives beyond each message's first. */
  readonly extraReceives: number;
  readonly sqsCalls: Record<string, number>;
  /** Every path ends invalidated, in a dead-lettered message, or still queued when the cap stopped the run. */
  readonly conservation: { readonly invalidated: number; readonly deadLettered: number; readonly pending: number; readonly lost: number };
  readonly capped: boolean;
  readonly simulatedSeconds: number;
  readonly wallSeconds: number;
}

/**
 * The lower bound of the drain time, in seconds: CloudFront keeps at most `limit` file paths in progress per
 * distribution, and a path stays in progress for its invalidation's completion time, so the paths go out in at least
 * ceil(paths / limit) rounds, each lasting one completion time. The mean completion time is used, not the draws of
 * a given run: which draws a run makes depends on how the handler splits its requests (and by Little's law no
 * schedule sustains more than `limit` paths per mean completion time).
 *
 * @example
 * lowerBoundDrainSeconds(60_000, 3_000, { min: 60, max: 300 }); // 20 rounds x 180 s = 3,600
 */
export function lowerBoundDrainSeconds(paths: number, limit: number, completionSeconds: { readonly min: number; readonly max: number }): number {
  return Math.ceil(paths / limit) * ((completionSeconds.min + completionSeconds.max) / 2);
}

/**
 * The burst's paths: a random `paths` of the pages of a synthetic site of `paths x siteFactor` pages
 * (bench/site.ts), normalized as the handler normalizes them, in the order they are enqueued; and the site's pages.
 */
export function burstPaths(paths: number, seed: number, siteFactor = 2): { readonly asked: string[]; readonly sitePages: string[] } {
  const site = buildSite({ pageCount: Math.max(paths * siteFactor, 200), seed, hostname: HOSTNAME });
  const sitePages = site.pages.map((page) => normalizePath(page.path));
  const asked = shuffled(seededRandom(seed + 1), sitePages).slice(0, paths);
  return { asked, sitePages };
}

/**
 * Run the burst scenario once.
 *
 * @example
 * const result = await simulateBurst({ paths: 10_000, seed: 1 });
 * result.validDeadLettered; // 0 is the target
 */
export async function simulateBurst(options: BurstOptions, prepared = burstPaths(options.paths, options.seed, options.siteFactor)): Promise<BurstResult> {
  const started = performance.now();
  const pathsPerMessage = options.pathsPerMessage ?? 10;
  const completionSeconds = options.completionSeconds ?? { min: 60, max: 300 };
  const limits = options.inProgressLimits ?? { files: MAX_PATHS_PER_INVALIDATION, wildcards: MAX_WILDCARDS_IN_PROGRESS };
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const windowMs = (options.batchingWindowSeconds ?? DEFAULT_MAX_BATCHING_WINDOW_SECONDS) * 1000;
  const timeoutMs = (options.functionTimeoutSeconds ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS) * 1000;
  const maxReceiveCount = options.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
  const capMs = (options.maxSimulatedHours ?? 24) * 3_600_000;

  const clock = new VirtualClock();
  const completionRandom = seededRandom(options.seed + 2);
  const cloudfront = new SimulatedCloudFront({
    clock,
    epochMs: VIRTUAL_EPOCH_MS,
    distributions: [BURST_DISTRIBUTION_ID],
    completionDelayMs: () => Math.round((completionSeconds.min + completionRandom() * (completionSeconds.max - completionSeconds.min)) * 1000),
    latencyMs: options.cloudFrontLatencyMs ?? 500,
    inProgressLimits: limits,
  });
  const sqs = new SimulatedSqs({
    clock,
    epochMs: VIRTUAL_EPOCH_MS,
    sourceQueueArn: SOURCE_QUEUE_ARN,
    sourceQueueUrl: SOURCE_QUEUE_URL,
    deadLetterQueueUrl: DEAD_LETTER_QUEUE_URL,
    visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
    maxReceiveCount,
    latencyMs: options.sqsLatencyMs ?? 20,
  });

  const config: InvalidatorConfigInput = {
    distributions: [{ id: BURST_DISTRIBUTION_ID, hostnames: [HOSTNAME] }],
    ...(options.maxPathsPerInvalidation === undefined ? {} : { maxPathsPerInvalidation: options.maxPathsPerInvalidation }),
    ...(options.wildcardCollapse === undefined ? {} : { wildcardCollapse: options.wildcardCollapse }),
  };
  const settings = loadHandlerSettings({
    INVALIDATOR_CONFIG: JSON.stringify(config),
    DEAD_LETTER_QUEUE_URL,
    MAX_RECEIVE_COUNT: String(maxReceiveCount),
  });
  const leaseTable = new SimulatedLeaseTable({ clock, latencyMs: options.dynamoDbLatencyMs ?? 10 });
  const leases = options.sendLeases === false ? undefined : new SendLeases(leaseTable.client() as unknown as DynamoDBClient, 'send-leases');
  const sqsClient = sqs.client() as unknown as SQSClient;
  const cloudfrontClient = cloudfront.client() as unknown as CloudFrontClient;
  const router = new DistributionRouter(settings.config);
  const queueUrls = new QueueUrlResolver(sqsClient);
  const handlerRandom = seededRandom(options.seed + 3);
  const metrics: Record<string, number> = {};
  const observer: PipelineObserver = {
    info: () => {},
    warn: () => {},
    count: (metric, value) => (metrics[metric] = (metrics[metric] ?? 0) + value),
  };

  // The burst: every message on the queue at t = 0.
  const { asked, sitePages } = prepared;
  let messages = 0;
  for (let start = 0; start < asked.length; start += pathsPerMessage) {
    sqs.enqueue(JSON.stringify({ distributionId: BURST_DISTRIBUTION_ID, paths: asked.slice(start, start + pathsPerMessage), source: 'burst', reason: 'bulk publish' }));
    messages++;
  }

  // The event source mapping: up to maxConcurrency pollers, each gathering a batch for up to the window.
  type Slot = { state: 'idle' } | { state: 'gathering'; windowEndsMs: number } | { state: 'running' };
  const slots: Slot[] = Array.from({ length: options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY }, () => ({ state: 'idle' }));
  let invocations = 0;
  let timedOutInvocations = 0;
  let extraReceives = 0;
  let queueEmptyMs: number | undefined;
  let pumpQueued = false;
  let pollScheduled = false;
  let wakeAtMs: number | undefined;

  const invoke = async (slotIndex: number, records: SQSRecord[]) => {
    invocations++;
    for (const record of records) if (record.attributes.ApproximateReceiveCount !== '1') extraReceives++;
    const startMs = clock.now;
    let response: SQSBatchResponse;
    try {
      response = await processBatch(records, {
        cloudfront: cloudfrontClient,
        sqs: sqsClient,
        settings,
        router,
        queueUrls,
        observer,
        remainingTimeMs: () => startMs + timeoutMs - clock.now,
        random: handlerRandom,
        ...(leases === undefined ? {} : { leases, sleep: (ms: number) => clock.sleep(ms) }),
      });
    } catch {
      response = { batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })) };
    }
    if (clock.now - startMs > timeoutMs) {
      // Lambda stopped it at the timeout: nothing is deleted, every record comes back after its visibility timeout.
      timedOutInvocations++;
    } else {
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      for (const record of records) if (!failed.has(record.messageId)) sqs.deleteByReceipt(record.receiptHandle);
    }
    slots[slotIndex] = { state: 'idle' };
    if (sqs.liveMessages === 0) queueEmptyMs = clock.now;
    pump();
  };

  const pump = () => {
    pumpQueued = false;
    const now = clock.now;
    slots.forEach((slot, index) => {
      if (slot.state === 'idle' && sqs.countVisible(1) > 0) {
        slots[index] = slot = { state: 'gathering', windowEndsMs: now + windowMs };
        clock.schedule(now + windowMs, pump);
      }
      if (slot.state === 'gathering' && (now >= slot.windowEndsMs || sqs.countVisible(batchSize) >= batchSize)) {
        const records = sqs.receive(batchSize);
        if (records.length === 0) {
          slots[index] = { state: 'idle' };
        } else {
          slots[index] = { state: 'running' };
          void invoke(index, records);
        }
      }
    });
    if (sqs.liveMessages === 0) queueEmptyMs ??= now;
    const next = sqs.nextVisibleAtMs();
    // A gathering poller keeps polling, as the event source's do: it takes a full batch as soon as one is visible,
    // not only at the end of its window (delayed messages turn visible without any send to announce them).
    const gatheringUntil = slots.flatMap((slot) => (slot.state === 'gathering' ? [slot.windowEndsMs] : []));
    if (gatheringUntil.length > 0 && !pollScheduled) {
      pollScheduled = true;
      clock.schedule(Math.min(now + POLL_INTERVAL_MS, ...gatheringUntil), () => {
        pollScheduled = false;
        pump();
      });
    }
    if (next !== undefined && next > now && slots.some((slot) => slot.state === 'idle') && wakeAtMs !== next) {
      wakeAtMs = next;
      clock.schedule(next, pump);
    }
  };
  // A message sent or made visible sooner: look again once the current call's work is done.
  sqs.onChange = () => {
    if (pumpQueued) return;
    pumpQueued = true;
    clock.schedule(clock.now, pump);
  };

  const realDateNow = Date.now;
  Date.now = () => VIRTUAL_EPOCH_MS + clock.now;
  let capped: boolean;
  try {
    clock.schedule(0, pump);
    capped = await clock.run({ untilMs: capMs });
  } finally {
    Date.now = realDateNow;
  }

  return figures();

  function figures(): BurstResult {
    const created = cloudfront.created;
    const lastCompletionMs = created.length === 0 ? undefined : Math.max(...created.map((inv) => inv.completesAtMs));
    const drained = !capped && sqs.liveMessages === 0;
    const deadLettersByCode: Record<string, number> = {};
    const deadLetteredPaths = new Set<string>();
    for (const letter of sqs.deadLetters) {
      const code = letter.attributes.ErrorCode?.StringValue ?? `(redrive, no ErrorCode)`;
      deadLettersByCode[code] = (deadLettersByCode[code] ?? 0) + 1;
      for (const path of pathsOf(letter.body)) deadLetteredPaths.add(path);
    }
    const pending = new Set<string>();
    for (const body of sqs.liveBodies()) for (const path of pathsOf(body)) pending.add(path);
    const coverage = coverageOf(created.map((inv) => inv.paths));
    let invalidated = 0;
    let lost = 0;
    let validDeadLetteredPaths = 0;
    for (const path of asked) {
      const covered = coverage(path);
      if (covered) invalidated++;
      if (deadLetteredPaths.has(path)) validDeadLetteredPaths++;
      if (!covered && !deadLetteredPaths.has(path) && !pending.has(path)) lost++;
    }
    const wildcards = created.flatMap((inv) => inv.paths.filter((path) => path.endsWith('*')));
    return {
      paths: asked.length,
      messages,
      validDeadLettered: sqs.deadLetters.length,
      validDeadLetteredPaths,
      deadLettersByCode,
      refusedCalls: cloudfront.counts.refusedInProgress,
      calls: cloudfront.counts.createInvalidation,
      listInvalidationsCalls: cloudfront.counts.listInvalidations,
      leaseCalls: { taken: leaseTable.counts.putItem - leaseTable.counts.putRefused, refused: leaseTable.counts.putRefused },
      getInvalidationCalls: cloudfront.counts.getInvalidation,
      invalidationsCreated: created.length,
      drainSeconds: drained ? seconds(Math.max(queueEmptyMs ?? 0, lastCompletionMs ?? 0)) : null,
      queueEmptySeconds: drained && queueEmptyMs !== undefined ? seconds(queueEmptyMs) : null,
      lastCompletionSeconds: lastCompletionMs === undefined ? null : seconds(lastCompletionMs),
      lowerBoundDrainSeconds: lowerBoundDrainSeconds(asked.length, limits.files, completionSeconds),
      billedPaths: created.reduce((sum, inv) => sum + inv.paths.length, 0),
      overInvalidatedPaths: overInvalidated(wildcards, sitePages, asked),
      wildcardsCreated: wildcards.length,
      invocations,
      timedOutInvocations,
      extraReceives,
      sqsCalls: { ...sqs.calls },
      conservation: { invalidated, deadLettered: validDeadLetteredPaths, pending: pending.size, lost },
      capped,
      simulatedSeconds: seconds(clock.now),
      wallSeconds: Math.round((performance.now() - started) / 100) / 10,
    };
  }
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** The paths of a v1 message body (an original or a remainder). */
function pathsOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { paths?: unknown };
    return Array.isArray(parsed.paths) ? parsed.paths.filter((path): path is string => typeof path === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Whether a path is covered by the created invalidations: the path itself, or a wildcard `P*` with the path
 * starting with `P`. Wildcards ending in `/` (what the collapse makes) are looked up by each of the path's
 * directories; any other wildcard by a scan.
 */
function coverageOf(invalidations: ReadonlyArray<readonly string[]>): (path: string) => boolean {
  const exact = new Set<string>();
  const directoryWildcards = new Set<string>();
  const otherWildcards: string[] = [];
  for (const paths of invalidations) {
    for (const path of paths) {
      if (!path.endsWith('*')) exact.add(path);
      else if (path.endsWith('/*')) directoryWildcards.add(path.slice(0, -1));
      else otherWildcards.push(path.slice(0, -1));
    }
  }
  return (path) => {
    if (exact.has(path)) return true;
    if (directoryWildcards.size > 0) {
      for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
        if (directoryWildcards.has(path.slice(0, slash + 1))) return true;
      }
    }
    return otherWildcards.some((prefix) => path.startsWith(prefix));
  };
}

/**
 * Site pages under each created wildcard that the burst did not ask for, summed over the wildcards created (a page
 * under two of them counts twice: each is a purge of it). Only the site's pages: the assets and query-string
 * variants a real wildcard also purges are not counted, so this is a floor.
 */
function overInvalidated(wildcards: readonly string[], sitePages: readonly string[], asked: readonly string[]): number {
  if (wildcards.length === 0) return 0;
  const site = [...sitePages].sort();
  const wanted = [...asked].sort();
  let total = 0;
  for (const wildcard of wildcards) {
    const prefix = wildcard.slice(0, -1);
    total += countWithPrefix(site, prefix) - countWithPrefix(wanted, prefix);
  }
  return total;
}

/** How many of the sorted `items` start with `prefix`. */
function countWithPrefix(items: readonly string[], prefix: string): number {
  return lowerBound(items, `${prefix}\uffff`) - lowerBound(items, prefix);
}

function lowerBound(items: readonly string[], value: string): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (items[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** For the docs: the defaults this module models, by name. */
export const BURST_MODEL = {
  batchSize: DEFAULT_BATCH_SIZE,
  batchingWindowSeconds: DEFAULT_MAX_BATCHING_WINDOW_SECONDS,
  maxConcurrency: DEFAULT_MAX_CONCURRENCY,
  functionTimeoutSeconds: DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT,
  visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
  collapseMinPathsPerDirectory: DEFAULT_MIN_PATHS_PER_DIRECTORY,
} as const;
