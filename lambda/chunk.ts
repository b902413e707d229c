import { isWildcard } from './paths.ts';

/** The most a single CreateInvalidation may carry. */
export interface InvalidationLimits {
  readonly maxPathsPerInvalidation: number;
  readonly maxWildcardsPerInvalidation: number;
}

/**
 * Split sorted paths into requests that each respect the limits, keeping the order.
 *
 * @example
 * chunk(['/a', '/b', '/c'], { maxPathsPerInvalidation: 2, maxWildcardsPerInvalidation: 15 }); // [['/a', '/b'], ['/c']]
 */
export function chunk(paths: readonly string[], limits: InvalidationLimits): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let wildcards = 0;
  for (const path of paths) {
    const wildcard = isWildcard(path);
    if (current.length >= limits.maxPathsPerInvalidation || (wildcard && wildcards >= limits.maxWildcardsPerInvalidation)) {
      chunks.push(current);
      current = [];
      wildcards = 0;
    }
    current.push(path);
    if (wildcard) wildcards++;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
