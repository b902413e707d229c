import { createHash } from 'node:crypto';
import { chunk, type InvalidationLimits } from './chunk.ts';
import { coalesceDistinct } from './coalesce.ts';
import { collapseToWildcards, type WildcardCollapseOptions } from './optimize.ts';
import type { PathsByDistribution } from './request.ts';

/** A message that passed validation, with its paths routed to distributions. */
export interface AcceptedMessage {
  readonly messageId: string;
  readonly paths: PathsByDistribution;
}

/** One CreateInvalidation to make, and the messages whose paths it covers. */
export interface InvalidationRequest {
  readonly distributionId: string;
  readonly paths: string[];
  /** Ids of the messages that have at least one path covered by this request, sorted. */
  readonly messageIds: string[];
  /** Deterministic, so a retried identical request is idempotent at CloudFront. */
  readonly callerReference: string;
}

/** How to plan a batch: the request limits, and the opt-in wildcard collapse (`InvalidatorConfig` is one). */
export interface PlanOptions extends InvalidationLimits {
  /** Replace many paths of one directory by `directory/*` when that bills fewer paths. @default - off */
  readonly wildcardCollapse?: WildcardCollapseOptions;
}

/**
 * Coalesce the paths of a batch per distribution (collapsing directories to wildcards when `wildcardCollapse` is
 * set) and split them into requests under the limits.
 *
 * @example
 * planInvalidations([{ messageId: 'm1', paths: new Map([['E1', new Set(['/a'])]]) }], limits);
 * // [{ distributionId: 'E1', paths: ['/a'], messageIds: ['m1'], callerReference: 'cfiq-…' }]
 */
export function planInvalidations(messages: readonly AcceptedMessage[], limits: PlanOptions): InvalidationRequest[] {
  // Per distribution, its distinct paths and the messages (indices into `messages`) that asked for any: a batch of
  // 10,000 messages names "/" 10,000 times, so ids per path were the planner's hot spot.
  const byDistribution = new Map<string, { paths: Set<string>; requesters: number[] }>();
  for (let index = 0; index < messages.length; index++) {
    for (const [distributionId, paths] of messages[index]!.paths) {
      if (paths.size === 0) continue;
      let requested = byDistribution.get(distributionId);
      if (requested === undefined) byDistribution.set(distributionId, (requested = { paths: new Set(), requesters: [] }));
      requested.requesters.push(index);
      for (const path of paths) requested.paths.add(path);
    }
  }

  const requests: InvalidationRequest[] = [];
  for (const distributionId of [...byDistribution.keys()].sort()) {
    const requested = byDistribution.get(distributionId)!;
    const { paths, coveredBy } =
      limits.wildcardCollapse === undefined
        ? coalesceDistinct([...requested.paths])
        : collapseToWildcards(requested.paths, { ...limits.wildcardCollapse, maxWildcards: limits.maxWildcardsPerInvalidation });
    const chunks = chunk(paths, limits);
    // A mark per message and request: which messages each request covers.
    const contributed = chunks.map(() => new Uint8Array(messages.length));
    if (chunks.length === 1) {
      for (const index of requested.requesters) contributed[0]![index] = 1;
    } else {
      const chunkOf = new Map<string, number>();
      chunks.forEach((chunkPaths, index) => chunkPaths.forEach((path) => chunkOf.set(path, index)));
      for (const index of requested.requesters) {
        for (const path of messages[index]!.paths.get(distributionId)!) contributed[chunkOf.get(coveredBy.get(path) ?? path)!]![index] = 1;
      }
    }
    chunks.forEach((chunkPaths, index) => {
      const ids = markedIds(messages, contributed[index]!);
      requests.push({ distributionId, paths: chunkPaths, messageIds: ids, callerReference: callerReference(distributionId, chunkPaths, ids) });
    });
  }
  return requests;
}

/** The distinct ids of the marked messages, sorted by code unit. */
function markedIds(messages: readonly AcceptedMessage[], marks: Uint8Array): string[] {
  const marked: string[] = [];
  for (let index = 0; index < marks.length; index++) if (marks[index] === 1) marked.push(messages[index]!.messageId);
  // The default sort (code units, compared natively) is faster than any comparator function.
  marked.sort();
  const ids: string[] = [];
  for (const id of marked) if (ids[ids.length - 1] !== id) ids.push(id);
  return ids;
}

/** `cfiq-` and the SHA-256 of the distribution, the paths and the contributing message ids. */
export function callerReference(distributionId: string, paths: readonly string[], messageIds: readonly string[]): string {
  // One update of the same bytes: thousands of small updates cost more than the hashing.
  const text = `${distributionId}\n${paths.length > 0 ? `${paths.join('\n')}\n` : ''}\n${messageIds.length > 0 ? `${messageIds.join('\n')}\n` : ''}`;
  return `cfiq-${createHash('sha256').update(text).digest('hex')}`;
}
