import { isWildcard } from '../resolve/paths.ts';

/** The paths to submit for one distribution, and for each dropped path the wildcard that covers it. */
export interface CoalescedPaths {
  /** Distinct paths, none covered by another, sorted by code unit. */
  readonly paths: string[];
  /** Each requested path that was dropped because a wildcard covers it, mapped to that wildcard. */
  readonly coveredBy: Map<string, string>;
}

/**
 * De-duplicate paths and drop those a wildcard of the same set covers. A wildcard `P*` covers every path that
 * starts with `P`: `/blog/*` covers `/blog/a` and `/blog/` (and `/blog/x*`), not `/blog`.
 *
 * @example
 * coalesce(['/blog/a', '/blog/*', '/', '/blog/a']).paths; // ['/', '/blog/*']
 */
export function coalesce(requested: Iterable<string>): CoalescedPaths {
  return coalesceDistinct([...new Set(requested)]);
}

/** `coalesce` of paths known to be distinct (a Map's keys): skips the de-duplication. Sorts `distinct` in place. */
export function coalesceDistinct(distinct: string[]): CoalescedPaths {
  // Without a wildcard nothing is covered: the distinct paths, sorted (the common case, and the cheap one).
  if (!distinct.some(isWildcard)) return { paths: distinct.sort(), coveredBy: new Map() };

  // Order by the covering prefix (a wildcard without its `*`), a wildcard before a plain path of the same key:
  // every path a wildcard covers then follows it in one contiguous run.
  const entries = distinct.map((path) => ({
    path,
    key: isWildcard(path) ? path.slice(0, -1) : path,
    wildcard: isWildcard(path),
  }));
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : Number(b.wildcard) - Number(a.wildcard)));

  const paths: string[] = [];
  const coveredBy = new Map<string, string>();
  let cover: { prefix: string; path: string } | undefined;
  for (const entry of entries) {
    if (cover !== undefined && entry.key.startsWith(cover.prefix)) {
      coveredBy.set(entry.path, cover.path);
      continue;
    }
    cover = entry.wildcard ? { prefix: entry.key, path: entry.path } : undefined;
    paths.push(entry.path);
  }
  paths.sort();
  return { paths, coveredBy };
}
