import { createHash } from 'node:crypto';
import { chunk, type InvalidationLimits } from './chunk.ts';
import { coalesce } from './coalesce.ts';
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

/**
 * Coalesce the paths of a batch per distribution and split them into requests under the limits.
 *
 * @example
 * planInvalidations([{ messageId: 'm1', paths: new Map([['E1', new Set(['/a'])]]) }], limits);
 * // [{ distributionId: 'E1', paths: ['/a'], messageIds: ['m1'], callerReference: 'cfiq-…' }]
 */
export function planInvalidations(messages: readonly AcceptedMessage[], limits: InvalidationLimits): InvalidationRequest[] {
  const requestedByDistribution = new Map<string, Map<string, string[]>>();
  for (const message of messages) {
    for (const [distributionId, paths] of message.paths) {
      let requesters = requestedByDistribution.get(distributionId);
      if (requesters === undefined) requestedByDistribution.set(distributionId, (requesters = new Map()));
      for (const path of paths) {
        const ids = requesters.get(path);
        if (ids === undefined) requesters.set(path, [message.messageId]);
        else ids.push(message.messageId);
      }
    }
  }

  const requests: InvalidationRequest[] = [];
  for (const distributionId of [...requestedByDistribution.keys()].sort()) {
    const requesters = requestedByDistribution.get(distributionId)!;
    const { paths, coveredBy } = coalesce(requesters.keys());
    const chunks = chunk(paths, limits);
    const chunkOf = new Map<string, number>();
    chunks.forEach((chunkPaths, index) => chunkPaths.forEach((path) => chunkOf.set(path, index)));
    const messageIds = chunks.map(() => new Set<string>());
    for (const [path, ids] of requesters) {
      const index = chunkOf.get(coveredBy.get(path) ?? path)!;
      for (const id of ids) messageIds[index]!.add(id);
    }
    chunks.forEach((chunkPaths, index) => {
      const ids = [...messageIds[index]!].sort();
      requests.push({ distributionId, paths: chunkPaths, messageIds: ids, callerReference: callerReference(distributionId, chunkPaths, ids) });
    });
  }
  return requests;
}

/** `cfiq-` and the SHA-256 of the distribution, the paths and the contributing message ids. */
export function callerReference(distributionId: string, paths: readonly string[], messageIds: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(distributionId).update('\n');
  for (const path of paths) hash.update(path).update('\n');
  hash.update('\n');
  for (const id of messageIds) hash.update(id).update('\n');
  return `cfiq-${hash.digest('hex')}`;
}
