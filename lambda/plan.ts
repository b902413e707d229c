import { createHash } from 'node:crypto';
import { chunk, type InvalidationLimits } from './chunk.ts';
import { coalesceDistinct } from './coalesce.ts';
import { collapseToWildcards, type WildcardCollapseOptions } from './optimize.ts';
import type { Target } from './request.ts';

/** A message that passed validation, with its paths routed to distributions. */
export interface AcceptedMessage {
  readonly messageId: string;
  /** Each (distribution, path) it asks for, once (see resolveTargets). */
  readonly targets: readonly Target[];
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
 * planInvalidations([{ messageId: 'm1', targets: [{ distributionId: 'E1', path: '/a' }] }], limits);
 * // [{ distributionId: 'E1', paths: ['/a'], messageIds: ['m1'], callerReference: 'cfiq-…' }]
 */
export function planInvalidations(messages: readonly AcceptedMessage[], limits: PlanOptions): InvalidationRequest[] {
  const byDistribution = requestedPaths(messages);
  const requests: InvalidationRequest[] = [];
  for (const distributionId of [...byDistribution.keys()].sort()) {
    const requested = byDistribution.get(distributionId)!;
    const { paths, coveredBy } =
      limits.wildcardCollapse === undefined
        ? coalesceDistinct([...requested.paths])
        : collapseToWildcards(requested.paths, { ...limits.wildcardCollapse, maxWildcards: limits.maxWildcardsPerInvalidation });
    const chunks = chunk(paths, limits);
    if (chunks.length === 1) {
      const ids = sortedDistinct(requested.requesters.map((index) => messages[index]!.messageId));
      requests.push({ distributionId, paths: chunks[0]!, messageIds: ids, callerReference: callerReference(distributionId, chunks[0]!, ids) });
      continue;
    }
    // Several requests: a mark per message and request, for which messages each covers.
    const contributed = chunks.map(() => new Uint8Array(messages.length));
    const chunkOf = new Map<string, number>();
    chunks.forEach((chunkPaths, index) => chunkPaths.forEach((path) => chunkOf.set(path, index)));
    for (const index of requested.requesters) {
      for (const target of messages[index]!.targets) {
        if (target.distributionId === distributionId) contributed[chunkOf.get(coveredBy.get(target.path) ?? target.path)!]![index] = 1;
      }
    }
    chunks.forEach((chunkPaths, index) => {
      const ids = sortedDistinct(markedIds(messages, contributed[index]!));
      requests.push({ distributionId, paths: chunkPaths, messageIds: ids, callerReference: callerReference(distributionId, chunkPaths, ids) });
    });
  }
  return requests;
}

/** What a batch asks of one distribution: its distinct paths, and the messages (indices) that asked for any. */
interface Requested {
  readonly paths: Set<string>;
  readonly requesters: number[];
}

/**
 * Per distribution, its distinct paths and the messages that asked for any. A batch of 10,000 messages names "/"
 * 10,000 times, so messages are kept as indices, not ids per path.
 */
function requestedPaths(messages: readonly AcceptedMessage[]): Map<string, Requested> {
  const byDistribution = new Map<string, Requested>();
  for (let index = 0; index < messages.length; index++) addRequested(byDistribution, index, messages[index]!.targets);
  return byDistribution;
}

/** Count message number `index`'s targets in (a function per message: V8 optimizes it on its own). */
function addRequested(byDistribution: Map<string, Requested>, index: number, targets: readonly Target[]): void {
  for (const { distributionId, path } of targets) {
    let requested = byDistribution.get(distributionId);
    if (requested === undefined) byDistribution.set(distributionId, (requested = { paths: new Set(), requesters: [] }));
    if (requested.requesters.at(-1) !== index) requested.requesters.push(index);
    requested.paths.add(path);
  }
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
