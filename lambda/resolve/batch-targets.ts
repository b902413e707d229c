import { FEW_TARGETS, resolveUrl } from './targets.ts';
import type { DistributionRouter } from './routing.ts';
import type { Requested, Target, TargetSource } from '../types.ts';

/** One batch's target for a (distribution, path): the one object every message of the batch naming it shares. */
export interface BatchTarget extends Target {
  /** What the batch's accepted messages ask of the target's distribution. */
  readonly distribution: DistributionRequests;
  /** Whether an accepted message asked for it (its path is then in `distribution.paths`). */
  accepted: boolean;
}

interface DistributionRequests {
  readonly paths: string[];
  readonly messageIds: string[];
  /** The number of the last accepted message counted in `messageIds` (0: none yet). */
  lastMessage: number;
}

/**
 * The targets of one batch, and what its accepted messages ask of each distribution, gathered as the messages are
 * read. A batch names the same URLs many times (`/`, the listings): each distinct URL is parsed and routed once, and
 * each (distribution, path) is one object, so counting a message in costs a few property reads per target, not a
 * lookup by path. Only URLs that resolved are kept (a bad one throws every time, with the same error). A URL's
 * target depends on nothing but the URL and the router's fixed configuration, so it never goes stale; a new
 * BatchTargets per batch bounds the memory to the batch's own URLs.
 *
 * @example
 * const batch = new BatchTargets();
 * const targets = resolveTargets(message, router, batch);
 * batch.accept(messageId, targets);
 * planInvalidations([{ messageId, targets }], limits, batch.requested());
 */
export class BatchTargets implements TargetSource<BatchTarget> {
  readonly #byUrl = new Map<string, BatchTarget>();
  /** Accepted messages counted in so far. */
  #accepted = 0;
  readonly #byDistribution = new Map<string, { readonly requests: DistributionRequests; readonly byPath: Map<string, BatchTarget> }>();

  public pathTarget(distributionId: string, path: string): BatchTarget {
    let distribution = this.#byDistribution.get(distributionId);
    if (distribution === undefined) this.#byDistribution.set(distributionId, (distribution = { requests: { paths: [], messageIds: [], lastMessage: 0 }, byPath: new Map() }));
    let target = distribution.byPath.get(path);
    if (target === undefined) distribution.byPath.set(path, (target = { distributionId, path, distribution: distribution.requests, accepted: false }));
    return target;
  }

  public urlTarget(url: string, router: DistributionRouter): BatchTarget {
    let target = this.#byUrl.get(url);
    if (target === undefined) {
      const { distributionId, path } = resolveUrl(url, router);
      this.#byUrl.set(url, (target = this.pathTarget(distributionId, path)));
    }
    return target;
  }

  /** `targets` without repeats: the batch has one object per (distribution, path), so they are told apart by identity. */
  public distinct(targets: readonly BatchTarget[]): readonly BatchTarget[] {
    if (targets.length > FEW_TARGETS) {
      const distinct = new Set(targets);
      return distinct.size === targets.length ? targets : [...distinct];
    }
    for (let index = 1; index < targets.length; index++) {
      for (let other = 0; other < index; other++) if (targets[other] === targets[index]) return [...new Set(targets)];
    }
    return targets;
  }

  /** Count in an accepted message: its id, and its distinct targets from this batch. */
  public accept(messageId: string, targets: readonly BatchTarget[]): void {
    // Numbered, not compared by id: two ids are different strings, and comparing them reads both.
    const number = ++this.#accepted;
    for (const target of targets) {
      const requests = target.distribution;
      if (requests.lastMessage !== number) {
        requests.lastMessage = number;
        requests.messageIds.push(messageId);
      }
      if (!target.accepted) {
        target.accepted = true;
        requests.paths.push(target.path);
      }
    }
  }

  /** What the accepted messages ask of each distribution: requestedPaths of them, gathered without a second pass. */
  public requested(): Map<string, Requested> {
    const requested = new Map<string, Requested>();
    for (const [distributionId, { requests }] of this.#byDistribution) if (requests.messageIds.length > 0) requested.set(distributionId, requests);
    return requested;
  }
}
