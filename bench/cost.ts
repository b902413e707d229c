import { parseInvalidatorConfig, type InvalidatorConfig, type InvalidatorConfigInput } from '../lambda/config.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_CONCURRENCY } from '../lambda/defaults.ts';
import { parseMessageBody } from '../lambda/read/message.ts';
import { isWildcard, normalizePath } from '../lambda/resolve/paths.ts';
import { planInvalidations } from '../lambda/plan/plan.ts';
import { pathsByDistribution, resolveTargets } from '../lambda/resolve/targets.ts';
import { DistributionRouter } from '../lambda/resolve/routing.ts';
import { median } from './random.ts';
import type { Site } from './site.ts';
import type { PublishEvent } from './stream.ts';
import type { AcceptedMessage, InvalidationRequest } from '../lambda/types.ts';

/**
 * Cost and API calls in virtual time: the publish stream is cut into the batches the SQS event source would
 * deliver, and each batch goes through the pipeline's own functions (parseMessageBody, resolveTargets,
 * planInvalidations), as processBatch calls them. No clock and no network: the figures are deterministic.
 */

/** How the SQS event source turns the queue into invocations. */
export interface BatchingModel {
  /** MaximumBatchingWindowInSeconds, in milliseconds. */
  readonly windowMs: number;
  /** Records per invocation at most; SQS allows more than 10 only with a window of at least 1 second. */
  readonly batchSize: number;
  /** Invocations in flight at most (the event source's maximum concurrency). */
  readonly maxConcurrency: number;
  /** Assumed length of one invocation (a CreateInvalidation round trip and the bookkeeping). */
  readonly invocationMs: number;
}

/** The invocation time assumed for every model: a model parameter, not a measurement. */
export const ASSUMED_INVOCATION_MS = 1000;

/** The event source as the construct configures it, with the given window. */
export function batchingModel(windowSeconds: number): BatchingModel {
  return {
    windowMs: windowSeconds * 1000,
    batchSize: windowSeconds === 0 ? 10 : DEFAULT_BATCH_SIZE,
    maxConcurrency: DEFAULT_MAX_CONCURRENCY,
    invocationMs: ASSUMED_INVOCATION_MS,
  };
}

/** The events one invocation receives, and when it starts. */
export interface Batch {
  readonly startMs: number;
  readonly events: readonly PublishEvent[];
}

/**
 * Cut a time-sorted stream into invocations.
 *
 * Window above 0: the first message to arrive while no batch is filling opens one; it closes when the window has
 * passed or it holds `batchSize` records, and the invocation starts then (or when one of the `maxConcurrency`
 * invocations in flight ends, if all are busy).
 *
 * Window 0: the pollers long-poll, so a message arriving while an invocation slot is free is delivered at once,
 * alone; messages arriving while every slot is busy wait, and the next free slot takes up to `batchSize` (10) of them.
 */
export function batchEvents(events: readonly PublishEvent[], model: BatchingModel): Batch[] {
  const slotsFreeAt: number[] = new Array<number>(model.maxConcurrency).fill(-Infinity);
  const takeSlot = (readyMs: number): number => {
    let slot = 0;
    for (let index = 1; index < slotsFreeAt.length; index++) if (slotsFreeAt[index]! < slotsFreeAt[slot]!) slot = index;
    const startMs = Math.max(readyMs, slotsFreeAt[slot]!);
    slotsFreeAt[slot] = startMs + model.invocationMs;
    return startMs;
  };

  const batches: Batch[] = [];
  let next = 0;
  while (next < events.length) {
    let readyMs: number;
    let end = next;
    if (model.windowMs > 0) {
      const closeMs = events[next]!.atMs + model.windowMs;
      while (end < events.length && end - next < model.batchSize && events[end]!.atMs <= closeMs) end++;
      readyMs = end - next === model.batchSize ? events[end - 1]!.atMs : closeMs;
      batches.push({ startMs: takeSlot(readyMs), events: events.slice(next, end) });
    } else {
      const startMs = takeSlot(events[next]!.atMs);
      while (end < events.length && end - next < model.batchSize && events[end]!.atMs <= startMs) end++;
      batches.push({ startMs, events: events.slice(next, end) });
    }
    next = end;
  }
  return batches;
}

/** What one way of submitting the stream costs. */
export interface WindowCost {
  readonly windowSeconds: number;
  /** Invocations of the handler. */
  readonly batches: number;
  /** One CreateInvalidation per publish with its own paths (what Wagtail's backend does). */
  readonly directCalls: number;
  readonly directPaths: number;
  /** Our CreateInvalidation calls and the paths they bill (a wildcard bills as one path). */
  readonly calls: number;
  readonly paths: number;
  /** The least any submitter could bill given the same batches: the distinct paths of each batch. */
  readonly lowerBoundPaths: number;
  /** The least calls given the same batches: per batch and distribution, the distinct paths over 3,000, rounded up. */
  readonly lowerBoundCalls: number;
  /** From publish to the invocation that submits its paths. */
  readonly medianDelayMs: number;
  readonly p95DelayMs: number;
  readonly maxDelayMs: number;
  /** directCalls / calls. */
  readonly callReduction: number;
  /** paths / lowerBoundPaths. */
  readonly pathsToLowerBound: number;
  /** Site pages a submitted wildcard covers that no message of its batch asked for, summed over batches. */
  readonly overInvalidatedPaths: number;
  /** Wildcards submitted, summed over batches. */
  readonly wildcards: number;
  /** The distinct wildcards submitted, sorted. */
  readonly wildcardPaths: readonly string[];
}

/** A replay's inputs that stay the same for every window. */
export interface Replay {
  readonly events: readonly PublishEvent[];
  readonly config: InvalidatorConfig;
  readonly site: Site;
}

/** Create the replay of `events` for a site served by one distribution. */
export function createReplay(events: readonly PublishEvent[], site: Site, config?: InvalidatorConfigInput): Replay {
  const parsed = parseInvalidatorConfig(config ?? { distributions: [{ id: 'EDFDVBD6EXAMPLE', hostnames: [site.hostname] }] });
  return { events, site, config: parsed };
}

/**
 * Replay the stream through the pipeline's planning for one batching window.
 *
 * @param overrides - configuration fields to change for this replay (e.g. `wildcardCollapse`)
 */
export function replayWindow(replay: Replay, windowSeconds: number, overrides: Partial<InvalidatorConfig> = {}): WindowCost {
  const config: InvalidatorConfig = { ...replay.config, ...overrides };
  const router = new DistributionRouter(config);
  const sitePages = [...new Set(replay.site.pages.map((page) => normalizePath(page.path)))].sort();

  let directCalls = 0;
  let directPaths = 0;
  let calls = 0;
  let paths = 0;
  let lowerBoundPaths = 0;
  let lowerBoundCalls = 0;
  let overInvalidatedPaths = 0;
  let wildcards = 0;
  const wildcardPaths = new Set<string>();
  const delays: number[] = [];
  const batches = batchEvents(replay.events, batchingModel(windowSeconds));
  let messageNumber = 0;
  for (const batch of batches) {
    const accepted: AcceptedMessage[] = batch.events.map((event) => ({
      messageId: `m${String(messageNumber++).padStart(6, '0')}`,
      targets: resolveTargets(parseMessageBody(event.body), router),
    }));
    for (const message of accepted) {
      const direct = planInvalidations([message], config);
      directCalls += direct.length;
      directPaths += billedPaths(direct);
    }
    const requests = planInvalidations(accepted, config);
    calls += requests.length;
    paths += billedPaths(requests);

    const distinct = pathsByDistribution(accepted.flatMap((message) => message.targets));
    for (const union of distinct.values()) {
      lowerBoundPaths += union.size;
      lowerBoundCalls += Math.ceil(union.size / config.maxPathsPerInvalidation);
    }
    for (const request of requests) {
      const requested = distinct.get(request.distributionId)!;
      for (const path of request.paths) {
        if (!isWildcard(path)) continue;
        wildcards++;
        wildcardPaths.add(path);
        overInvalidatedPaths += pagesUnder(sitePages, path.slice(0, -1), requested);
      }
    }
    for (const event of batch.events) delays.push(batch.startMs - event.atMs);
  }

  delays.sort((a, b) => a - b);
  return {
    windowSeconds,
    batches: batches.length,
    directCalls,
    directPaths,
    calls,
    paths,
    lowerBoundPaths,
    lowerBoundCalls,
    medianDelayMs: Math.round(median(delays)),
    p95DelayMs: Math.round(delays[Math.min(delays.length - 1, Math.floor(delays.length * 0.95))] ?? 0),
    maxDelayMs: Math.round(delays.at(-1) ?? 0),
    callReduction: round(directCalls / calls, 2),
    pathsToLowerBound: round(paths / lowerBoundPaths, 2),
    overInvalidatedPaths,
    wildcards,
    wildcardPaths: [...wildcardPaths].sort(),
  };
}

function billedPaths(requests: readonly InvalidationRequest[]): number {
  let total = 0;
  for (const request of requests) total += request.paths.length;
  return total;
}

/** Site pages starting with `prefix` that are not in `requested` (`sorted` is sorted by code unit). */
function pagesUnder(sorted: readonly string[], prefix: string, requested: ReadonlySet<string>): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < prefix) low = middle + 1;
    else high = middle;
  }
  let count = 0;
  for (let index = low; index < sorted.length && sorted[index]!.startsWith(prefix); index++) {
    if (!requested.has(sorted[index]!)) count++;
  }
  return count;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
