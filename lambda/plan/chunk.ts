import { MAX_PATH_CHARACTERS_PER_INVALIDATION } from '../limits.ts';
import { isWildcard } from '../resolve/paths.ts';

/** The most a single CreateInvalidation may carry. */
export interface InvalidationLimits {
  readonly maxPathsPerInvalidation: number;
  readonly maxWildcardsPerInvalidation: number;
  /**
   * The sum of the paths' lengths in one request, as they stand in its XML body (normalized paths are ASCII, and
   * `&` and `'` are escaped there); a path longer than this still goes alone. @default MAX_PATH_CHARACTERS_PER_INVALIDATION
   */
  readonly maxPathCharactersPerInvalidation?: number;
}

/**
 * Split sorted paths into requests that each respect the limits, keeping the order.
 *
 * @example
 * chunk(['/a', '/b', '/c'], { maxPathsPerInvalidation: 2, maxWildcardsPerInvalidation: 15 }); // [['/a', '/b'], ['/c']]
 */
export function chunk(paths: readonly string[], limits: InvalidationLimits): string[][] {
  const maxCharacters = limits.maxPathCharactersPerInvalidation ?? MAX_PATH_CHARACTERS_PER_INVALIDATION;
  const chunks: string[][] = [];
  let current: string[] = [];
  let wildcards = 0;
  let characters = 0;
  for (const path of paths) {
    const wildcard = isWildcard(path);
    if (
      current.length >= limits.maxPathsPerInvalidation ||
      (wildcard && wildcards >= limits.maxWildcardsPerInvalidation) ||
      (current.length > 0 && characters + xmlLength(path) > maxCharacters)
    ) {
      chunks.push(current);
      current = [];
      wildcards = 0;
      characters = 0;
    }
    current.push(path);
    characters += xmlLength(path);
    if (wildcard) wildcards++;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A path's length in the request's XML body: `&` is written `&amp;` and `'` is written `&apos;`. */
export function xmlLength(path: string): number {
  let length = path.length;
  for (let index = path.indexOf('&'); index !== -1; index = path.indexOf('&', index + 1)) length += 4;
  for (let index = path.indexOf("'"); index !== -1; index = path.indexOf("'", index + 1)) length += 5;
  return length;
}
