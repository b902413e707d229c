import type { SQSRecord } from 'aws-lambda';
import { MAX_PATHS_PER_INVALIDATION } from '../limits.ts';
import { METRICS } from '../metrics.ts';
import { readQueueDepth } from '../read/queue-depth.ts';
import type { ReadBatch } from '../read/records.ts';
import { distinctTargets } from '../resolve/targets.ts';
import type { AcceptedMessage, PathCount, PipelineDependencies, Requested, Target } from '../types.ts';
import { coalesceDistinct } from './coalesce.ts';
import { requestedPaths } from './plan.ts';
import { chooseWildcards, type WildcardCollapseOptions } from './wildcard-collapse.ts';

/**
 * The wildcard collapse under a backlog (`wildcardCollapse.whenBacklogRoundsAbove`): when a distribution owes more
 * than that many rounds of CloudFront's in-progress limit, draining path by path takes hours (3,000 paths per
 * invalidation time), so the batch's paths are collapsed into directory wildcards first, before they are admitted
 * into the in-progress budget: a wildcard takes one of the 15 wildcard slots and covers every path under it. The
 * price is over-invalidation: every object under a collapsed directory is invalidated, asked for or not; the batch
 * logs and counts what each wildcard replaced.
 */

/** What a distribution owes, for the trigger: this batch's distinct paths, scaled to the messages on the queue. */
export interface BacklogEstimate {
  /** Distinct paths the batch asks of the distribution. */
  readonly batchPaths: number;
  /** Records in the batch. */
  readonly batchMessages: number;
  /** Messages on the queue, this batch's included; undefined when unknown (the batch alone counts). */
  readonly queueMessages: number | undefined;
}

/** The paths a distribution owes, estimated: the batch's, times the queue's messages per batch message. */
export function estimatedOwedPaths({ batchPaths, batchMessages, queueMessages }: BacklogEstimate): number {
  if (queueMessages === undefined || batchMessages === 0) return batchPaths;
  return Math.round(batchPaths * Math.max(1, queueMessages / batchMessages));
}

/** One distribution's collapse: the wildcards chosen, and how many of the batch's paths they replaced. */
export interface Collapsed {
  readonly wildcards: readonly string[];
  readonly replacedPaths: number;
}

/**
 * Collapse the batch's paths of each distribution that owes more than `whenBacklogRoundsAbove` rounds.
 *
 * @param owedPaths - what a distribution owes (estimatedOwedPaths)
 * @param freeWildcards - wildcard paths the distribution has free in progress: the most wildcards chosen
 * @returns the messages with their collapsed targets (the same objects when nothing collapsed), and per distribution
 * what collapsed; undefined when nothing did
 */
export function collapseUnderBacklog(
  accepted: readonly AcceptedMessage[],
  requested: ReadonlyMap<string, Requested>,
  options: WildcardCollapseOptions & { readonly whenBacklogRoundsAbove: number },
  owedPaths: (distributionId: string) => number,
  freeWildcards: (distributionId: string) => number,
): { readonly accepted: AcceptedMessage[]; readonly collapsed: ReadonlyMap<string, Collapsed> } | undefined {
  const replacement = new Map<string, Map<string, string>>();
  const collapsed = new Map<string, Collapsed>();
  for (const [distributionId, { paths }] of requested) {
    if (owedPaths(distributionId) <= options.whenBacklogRoundsAbove * MAX_PATHS_PER_INVALIDATION) continue;
    const coalesced = coalesceDistinct([...paths]).paths;
    const wildcards = chooseWildcards(coalesced, { minPathsPerDirectory: options.minPathsPerDirectory, maxWildcards: freeWildcards(distributionId) });
    if (wildcards.length === 0) continue;
    const prefixes = wildcards.map((wildcard) => ({ wildcard, prefix: wildcard.slice(0, -1) }));
    const byPath = new Map<string, string>();
    for (const path of paths) {
      const cover = prefixes.find(({ prefix, wildcard }) => path !== wildcard && path.startsWith(prefix));
      if (cover !== undefined) byPath.set(path, cover.wildcard);
    }
    replacement.set(distributionId, byPath);
    collapsed.set(distributionId, { wildcards, replacedPaths: byPath.size });
  }
  if (collapsed.size === 0) return undefined;
  return {
    accepted: accepted.map((message) => {
      let changed = false;
      const targets = message.targets.map((target): Target => {
        const wildcard = replacement.get(target.distributionId)?.get(target.path);
        if (wildcard === undefined) return target;
        changed = true;
        return { distributionId: target.distributionId, path: wildcard };
      });
      return changed ? { ...message, targets: distinctTargets(targets) } : message;
    }),
    collapsed,
  };
}

/**
 * Apply the collapse under backlog to a read batch, when the configuration asks for it and some distribution's
 * paths do not all fit its free budget (only then is the queue's depth read).
 *
 * @returns the batch with collapsed targets, or `read` itself
 */
export async function collapseBatchUnderBacklog(
  records: readonly SQSRecord[],
  read: ReadBatch,
  free: (distributionId: string) => PathCount,
  deps: PipelineDependencies,
): Promise<ReadBatch> {
  const options = deps.settings.config.wildcardCollapse;
  if (options?.whenBacklogRoundsAbove === undefined || read.accepted.length === 0) return read;
  const overflowing = [...read.requested].some(([distributionId, { paths }]) => paths.length > free(distributionId).files);
  if (!overflowing) return read;
  const queueMessages = await readQueueDepth(records[0]!.eventSourceARN, deps);
  const owed = (distributionId: string) =>
    estimatedOwedPaths({ batchPaths: read.requested.get(distributionId)?.paths.length ?? 0, batchMessages: records.length, queueMessages });
  const result = collapseUnderBacklog(read.accepted, read.requested, { ...options, whenBacklogRoundsAbove: options.whenBacklogRoundsAbove }, owed, (id) => free(id).wildcards);
  if (result === undefined) return read;
  for (const [distributionId, { wildcards, replacedPaths }] of result.collapsed) {
    deps.observer.count(METRICS.pathsCollapsed, replacedPaths);
    deps.observer.info('paths collapsed into wildcards under a backlog; everything under each is invalidated', {
      distributionId,
      owedPaths: owed(distributionId),
      replacedPaths,
      wildcards,
    });
  }
  return { ...read, accepted: result.accepted, requested: requestedPaths(result.accepted) };
}
