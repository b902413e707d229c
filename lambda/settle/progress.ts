import { Coverage } from '../plan/coverage.ts';
import { pathsByDistribution } from '../resolve/targets.ts';
import type { AcceptedMessage, FailedOutcome, Submitted, Target } from '../types.ts';

/** How much a failure weighs: no retry helps a permanent one; a transient one spends a receive; waiting does not. */
const WEIGHT: Readonly<Record<FailedOutcome['kind'], number>> = { waiting: 0, transient: 1, permanent: 2 };

/**
 * Each message that contributed to a failed request, with its failure: a permanent one outweighs a transient one,
 * which outweighs waiting for the in-progress budget, whatever the order of the requests (of equal weight, the last
 * one's). (submitAll counts the failed requests.)
 */
export function failedMessages(submitted: readonly Submitted[]): Map<string, FailedOutcome> {
  const failures = new Map<string, FailedOutcome>();
  submitted.forEach(({ request, outcome }) => {
    if (outcome.kind === 'created') return;
    for (const id of request.messageIds) {
      const known = failures.get(id);
      if (known === undefined || WEIGHT[outcome.kind] >= WEIGHT[known.kind]) failures.set(id, outcome);
    }
  });
  return failures;
}

/** The progress of the failed messages of a batch. */
export interface Progress {
  /** The invalidations created for each failed message that had any (absent: none). */
  readonly createdFor: Map<string, string[]>;
  /** What the created invalidations cover. */
  readonly coverage: Coverage;
}

/**
 * The progress of the failed messages: the invalidations created for each (absent: none), and what the created
 * ones cover. Nothing to look up when every request succeeded.
 */
export function progressOf(submitted: readonly Submitted[], failures: ReadonlyMap<string, FailedOutcome>, accepted: readonly AcceptedMessage[]): Progress {
  const createdFor = new Map<string, string[]>();
  const coverage = new Coverage();
  if (failures.size === 0) return { createdFor, coverage };
  const created = submitted.flatMap(({ request, outcome }) => {
    if (outcome.kind !== 'created') return [];
    coverage.add(request.distributionId, request.paths);
    const covers = new Coverage();
    covers.add(request.distributionId, request.paths);
    return [{ distributionId: request.distributionId, covers, invalidationId: outcome.invalidationId }];
  });
  if (created.length === 0) return { createdFor, coverage };
  // By paths, not by the requests' message lists: during isolation a message's path may be created by a request
  // made for another message.
  for (const message of accepted) {
    if (!failures.has(message.messageId)) continue;
    const ids = created
      .filter(({ distributionId, covers }) => message.targets.some((target) => target.distributionId === distributionId && covers.covers(distributionId, target.path)))
      .map(({ invalidationId }) => invalidationId);
    if (ids.length > 0) createdFor.set(message.messageId, ids);
  }
  return { createdFor, coverage };
}

/**
 * A message's paths that no created invalidation covers, per distribution, sorted; distributions owing nothing left out.
 *
 * @example
 * owedPaths([{ distributionId: 'E1', path: '/a' }, { distributionId: 'E1', path: '/b' }], coverage); // Map { 'E1' => ['/b'] } when only '/a' was created
 */
export function owedPaths(targets: readonly Target[], coverage: Coverage): Map<string, string[]> {
  const left = pathsByDistribution(targets.filter(({ distributionId, path }) => !coverage.covers(distributionId, path)));
  return new Map([...left].map(([distributionId, paths]) => [distributionId, [...paths].sort()]));
}

/** For a message dead-lettered after part of it was invalidated: which part, so no one sends that again. */
export function progressNote(message: AcceptedMessage, coverage: Coverage, invalidationIds: readonly string[]): string {
  const total = message.targets.length;
  const covered = message.targets.filter(({ distributionId, path }) => coverage.covers(distributionId, path)).map(({ path }) => path);
  const shown = covered.slice(0, 5).join(', ') + (covered.length > 5 ? ', …' : '');
  return ` (${covered.length} of its ${total} paths were invalidated, in ${invalidationIds.join(', ')}: ${shown})`;
}
