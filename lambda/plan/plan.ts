import { createHash } from 'node:crypto';
import { chunk, type InvalidationLimits } from './chunk.ts';
import { coalesceDistinct } from './coalesce.ts';
import { collapseToWildcards, type WildcardCollapseOptions } from './wildcard-collapse.ts';
import type { AcceptedMessage, InvalidationRequest, Requested, Target } from '../types.ts';



/** How to plan a batch: the request limits, and the opt-in wildcard collapse (`InvalidatorConfig` is one). */
export interface PlanOptions extends InvalidationLimits {
  /** Replace many paths of one directory by `directory/*` when that bills fewer paths. @default - off */
  readonly wildcardCollapse?: WildcardCollapseOptions;
  /**
   * Wildcard paths a distribution has free in progress: the collapse adds no more (a wildcard that does not fit
   * would hold back the files it replaced). @default - `maxWildcardsPerInvalidation`
   */
  readonly freeWildcards?: (distributionId: string) => number;
}

/**
 * Coalesce the paths of a batch per distribution (collapsing directories to wildcards when `wildcardCollapse` is
 * set) and split them into requests under the limits.
 *
 * @example
 * planInvalidations([{ messageId: 'm1', targets: [{ distributionId: 'E1', path: '/a' }] }], limits);
 * // [{ distributionId: 'E1', paths: ['/a'], messageIds: ['m1'], callerReference: 'cfiq-…' }]
 * @param byDistribution - what the messages ask of each distribution: requestedPaths(messages), unless the caller
 * gathered it while reading them (BatchTargets.requested)
 */
export function planInvalidations(
  messages: readonly AcceptedMessage[],
  limits: PlanOptions,
  byDistribution: ReadonlyMap<string, Requested> = requestedPaths(messages),
): InvalidationRequest[] {
  const requests: InvalidationRequest[] = [];
  for (const distributionId of [...byDistribution.keys()].sort()) {
    const requested = byDistribution.get(distributionId)!;
    const { paths, coveredBy } =
      limits.wildcardCollapse === undefined || limits.wildcardCollapse.whenBacklogRoundsAbove !== undefined
        ? coalesceDistinct([...requested.paths])
        : collapseToWildcards(requested.paths, {
            ...limits.wildcardCollapse,
            maxWildcards: Math.min(limits.maxWildcardsPerInvalidation, limits.freeWildcards?.(distributionId) ?? Number.POSITIVE_INFINITY),
          });
    const chunks = chunk(paths, limits);
    if (chunks.length === 1) {
      const ids = sortedDistinct([...requested.messageIds]);
      requests.push({ distributionId, paths: chunks[0]!, messageIds: ids, callerReference: callerReference(distributionId, chunks[0]!, ids) });
      continue;
    }
    // Several requests: a mark per message and request, for which messages each covers.
    const contributed = chunks.map(() => new Uint8Array(messages.length));
    const chunkOf = new Map<string, number>();
    chunks.forEach((chunkPaths, index) => chunkPaths.forEach((path) => chunkOf.set(path, index)));
    messages.forEach(({ targets }, index) => {
      for (const target of targets) {
        if (target.distributionId === distributionId) contributed[chunkOf.get(coveredBy.get(target.path) ?? target.path)!]![index] = 1;
      }
    });
    chunks.forEach((chunkPaths, index) => {
      const ids = sortedDistinct(markedIds(messages, contributed[index]!));
      requests.push({ distributionId, paths: chunkPaths, messageIds: ids, callerReference: callerReference(distributionId, chunkPaths, ids) });
    });
  }
  return requests;
}


/** Per distribution that any message asks for, what they ask of it. */
export function requestedPaths(messages: readonly AcceptedMessage[]): Map<string, Requested> {
  const byDistribution = new Map<string, { paths: Set<string>; messageIds: string[] }>();
  for (const { messageId, targets } of messages) {
    for (const { distributionId, path } of targets) {
      let requested = byDistribution.get(distributionId);
      if (requested === undefined) byDistribution.set(distributionId, (requested = { paths: new Set(), messageIds: [] }));
      if (requested.messageIds.at(-1) !== messageId) requested.messageIds.push(messageId);
      requested.paths.add(path);
    }
  }
  return new Map([...byDistribution].map(([distributionId, { paths, messageIds }]) => [distributionId, { paths: [...paths], messageIds }]));
}

/** The ids of the marked messages. */
function markedIds(messages: readonly AcceptedMessage[], marks: Uint8Array): string[] {
  const marked: string[] = [];
  for (let index = 0; index < marks.length; index++) if (marks[index] === 1) marked.push(messages[index]!.messageId);
  return marked;
}

/** `ids` sorted by code unit, each once (a batch may hold one id twice); sorts `ids` in place. */
function sortedDistinct(ids: string[]): string[] {
  // The default sort (code units, compared natively) is faster than any comparator function.
  ids.sort();
  const distinct: string[] = [];
  for (const id of ids) if (distinct[distinct.length - 1] !== id) distinct.push(id);
  return distinct;
}

/** `cfiq-` and the SHA-256 of the distribution, the paths and the contributing message ids. */
export function callerReference(distributionId: string, paths: readonly string[], messageIds: readonly string[]): string {
  // The hash of `${distributionId}\n${paths, each followed by \n}\n${ids, each followed by \n}`, fed in a few large
  // pieces: thousands of small updates cost more than the hashing, and one concatenation copies the whole text.
  const hash = createHash('sha256').update(`${distributionId}\n`);
  if (paths.length > 0) hash.update(paths.join('\n')).update('\n');
  hash.update('\n');
  if (messageIds.length > 0) hash.update(messageIds.join('\n')).update('\n');
  return `cfiq-${hash.digest('hex')}`;
}
