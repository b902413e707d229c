import { InvalidMessageError, displayValue } from './errors.ts';
import type { InvalidationMessage } from './message.ts';
import { normalizePath, parsePageUrl } from './paths.ts';
import type { DistributionRouter } from './routing.ts';

/** One message's paths, normalized and grouped by the distribution they go to. */
export type PathsByDistribution = Map<string, Set<string>>;

/**
 * parsePageUrl's results by URL, for one batch: a batch names the same URLs many times (`/`, the listings), so each
 * is parsed once, and its hostname and path strings are shared by every message naming it. Only URLs that parsed
 * are kept (a bad one throws every time, with the same error). parsePageUrl depends on nothing but the URL, so
 * results never go stale; a fresh Map per batch only bounds the memory to the batch's own URLs.
 */
export type ParsedUrls = Map<string, { readonly hostname: string; readonly path: string }>;

/**
 * Route and normalize every path and URL of a message.
 *
 * @example
 * resolvePaths({ urls: ['https://www.example.org/a?b=1'] }, router); // Map { 'EDFDVBD6EXAMPLE' => Set { '/a?b=1' } }
 * @param parsedUrls - URLs already parsed in this batch, read and filled in; without it, every URL is parsed
 * @throws {InvalidMessageError} `UnknownDistribution`, `AmbiguousDistribution`, `UnknownHost`, `InvalidUrl` or
 * `InvalidPath`, naming the bad value
 */
export function resolvePaths(message: InvalidationMessage, router: DistributionRouter, parsedUrls?: ParsedUrls): PathsByDistribution {
  const byDistribution: PathsByDistribution = new Map();
  if (message.distributionId !== undefined && !router.distributionIds.has(message.distributionId)) {
    throw new InvalidMessageError(
      'UnknownDistribution',
      `distributionId ${displayValue(message.distributionId)} is not a configured distribution (configured: ${[...router.distributionIds].join(', ')})`,
    );
  }
  if (message.paths !== undefined) {
    const target = message.distributionId ?? onlyDistribution(router);
    const paths = new Set<string>();
    for (const path of message.paths) paths.add(normalizePath(path));
    if (paths.size > 0) byDistribution.set(target, paths);
  }
  if (message.urls === undefined) return byDistribution;
  // A message's URLs mostly share one host: route a hostname once, and keep its distribution's set at hand.
  let hostname: string | undefined;
  let paths: Set<string> | undefined;
  for (const url of message.urls) {
    let parsed = parsedUrls?.get(url);
    if (parsed === undefined) {
      parsed = parsePageUrl(url);
      parsedUrls?.set(url, parsed);
    }
    if (parsed.hostname !== hostname) {
      hostname = parsed.hostname;
      const distributionId = router.route(hostname);
      if (distributionId === undefined) {
        throw new InvalidMessageError('UnknownHost', `URL ${displayValue(url)}: no configured distribution serves host ${displayValue(hostname)}`);
      }
      paths = byDistribution.get(distributionId);
      if (paths === undefined) byDistribution.set(distributionId, (paths = new Set()));
    }
    paths!.add(parsed.path);
  }
  return byDistribution;
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
