import { InvalidMessageError, displayValue } from '../errors.ts';
import type { InvalidationMessage } from '../read/message.ts';
import { normalizePath, parsePageUrl } from './paths.ts';
import type { DistributionRouter } from './routing.ts';
import { TenantLookupError } from './tenant-lookup-error.ts';
import type { PathsByDistribution, Target, TargetSource } from '../types.ts';




/** A new target object each time: for a message on its own (the CLI, the cost benchmark). */
export const plainTargets: TargetSource<Target> = {
  pathTarget: (distributionId, path) => ({ distributionId, path }),
  urlTarget: resolveUrl,
  distinct: distinctTargets,
};

/** Messages with more targets than this are de-duplicated with a Set rather than by comparing pairs. */
export const FEW_TARGETS = 8;

/**
 * Route and normalize every path and URL of a message: its targets, each once, in the order the message names them.
 *
 * @example
 * resolveTargets({ urls: ['https://www.example.org/a?b=1', 'https://www.example.org/a?b=1#top'] }, router);
 * // [{ distributionId: 'EDFDVBD6EXAMPLE', path: '/a?b=1' }]
 * @param source - where the targets come from: new objects by default, or a batch's shared ones (BatchTargets)
 * @throws {InvalidMessageError} `UnknownDistribution`, `AmbiguousDistribution`, `UnknownHost`, `InvalidUrl` or
 * `InvalidPath`, naming the bad value
 */
export function resolveTargets(message: InvalidationMessage, router: DistributionRouter): readonly Target[];
export function resolveTargets<T extends Target>(message: InvalidationMessage, router: DistributionRouter, source: TargetSource<T>): readonly T[];
export function resolveTargets(message: InvalidationMessage, router: DistributionRouter, source: TargetSource<Target> = plainTargets): readonly Target[] {
  if (message.distributionId !== undefined && !router.distributionIds.has(message.distributionId)) {
    throw new InvalidMessageError(
      'UnknownDistribution',
      `distributionId ${displayValue(message.distributionId)} is not a configured distribution (configured: ${[...router.distributionIds].join(', ')})`,
    );
  }
  if (message.tenantId !== undefined) checkTenant(message.tenantId, router);
  const { paths = [], urls = [] } = message;
  // Sized once: a batch of 10,000 messages would otherwise grow 10,000 arrays push by push.
  const targets = new Array<Target>(paths.length + urls.length);
  let count = 0;
  if (paths.length > 0) {
    // A tenant is a target like a distribution, keyed by its id (`dt_...`).
    const distributionId = message.tenantId ?? message.distributionId ?? onlyDistribution(router);
    for (const path of paths) targets[count++] = source.pathTarget(distributionId, normalizePath(path));
  }
  for (const url of urls) targets[count++] = source.urlTarget(url, router);
  return source.distinct(targets);
}

/**
 * Route and normalize every path and URL of a message, grouped by distribution.
 *
 * @example
 * resolvePaths({ urls: ['https://www.example.org/a?b=1'] }, router); // Map { 'EDFDVBD6EXAMPLE' => Set { '/a?b=1' } }
 * @throws {InvalidMessageError} as resolveTargets
 */
export function resolvePaths(message: InvalidationMessage, router: DistributionRouter): PathsByDistribution {
  return pathsByDistribution(resolveTargets(message, router));
}

/** Targets grouped by distribution, in first-seen order. */
export function pathsByDistribution(targets: Iterable<Target>): PathsByDistribution {
  const grouped: PathsByDistribution = new Map();
  for (const { distributionId, path } of targets) {
    let paths = grouped.get(distributionId);
    if (paths === undefined) grouped.set(distributionId, (paths = new Set()));
    paths.add(path);
  }
  return grouped;
}

/** `targets` without repeats (the same path for the same distribution), in first-seen order: `targets` itself when none repeats. */
export function distinctTargets<T extends Target>(targets: readonly T[]): readonly T[] {
  if (targets.length <= FEW_TARGETS) {
    let index = 1;
    while (index < targets.length && !includesTarget(targets, index, targets[index]!)) index++;
    if (index >= targets.length) return targets;
    const distinct = targets.slice(0, index);
    for (const target of targets.slice(index + 1)) if (!includesTarget(distinct, distinct.length, target)) distinct.push(target);
    return distinct;
  }
  const distinct: T[] = [];
  const seen: PathsByDistribution = new Map();
  for (const target of targets) {
    let paths = seen.get(target.distributionId);
    if (paths === undefined) seen.set(target.distributionId, (paths = new Set()));
    if (paths.has(target.path)) continue;
    paths.add(target.path);
    distinct.push(target);
  }
  return distinct;
}

/** Is `target` among the first `end` of `targets`? */
function includesTarget(targets: readonly Target[], end: number, { distributionId, path }: Target): boolean {
  for (let index = 0; index < end; index++) {
    const target = targets[index]!;
    if (target.path === path && target.distributionId === distributionId) return true;
  }
  return false;
}

/**
 * The target of a page URL, parsed and routed.
 * @throws {InvalidMessageError} `InvalidUrl` or `UnknownHost`, naming the bad value
 */
export function resolveUrl(url: string, router: DistributionRouter): Target {
  const { hostname, path } = parsePageUrl(url);
  const distributionId = router.route(hostname);
  if (distributionId === undefined) {
    const miss = router.lookupMiss(hostname);
    // CloudFront could not say (throttled, denied): not the message's fault; it is read again later (tenant-lookup.ts).
    if (miss?.kind === 'failed') throw new TenantLookupError(hostname, miss.error);
    if (miss?.kind === 'notFound') {
      throw new InvalidMessageError(
        'UnknownTenantDomain',
        `URL ${displayValue(url)}: no configured distribution serves host ${displayValue(hostname)}, and CloudFront knows no tenant of a tenantLookup distribution for it`,
      );
    }
    throw new InvalidMessageError('UnknownHost', `URL ${displayValue(url)}: no configured distribution serves host ${displayValue(hostname)}`);
  }
  return { distributionId, path };
}

/** @throws {InvalidMessageError} `UnknownTenant` when `tenantId` is not a configured (or looked-up) tenant */
function checkTenant(tenantId: string, router: DistributionRouter): void {
  if (router.parentOf(tenantId) === undefined) {
    throw new InvalidMessageError(
      'UnknownTenant',
      `tenantId ${displayValue(tenantId)} is not a configured distribution tenant (configured: ${[...router.tenantIds].join(', ') || 'none'})`,
    );
  }
}

function onlyDistribution(router: DistributionRouter): string {
  const [only, ...others] = router.distributionIds;
  if (only === undefined || others.length > 0) {
    throw new InvalidMessageError(
      'AmbiguousDistribution',
      `"paths" without "distributionId" needs exactly one configured distribution (configured: ${[...router.distributionIds].join(', ')})`,
    );
  }
  return only;
}
