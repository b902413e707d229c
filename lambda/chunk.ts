import { MAX_PATH_CHARACTERS_PER_INVALIDATION } from './limits.ts';
import { isWildcard } from './paths.ts';

/** The most a single CreateInvalidation may carry. */
export interface InvalidationLimits {
  readonly maxPathsPerInvalidation: number;
  readonly maxWildcardsPerInvalidation: number;
  /**
   * The sum of the paths' lengths in one request (normalized paths are ASCII: characters are bytes); a path longer
   * than this still goes alone. @default MAX_PATH_CHARACTERS_PER_INVALIDATION
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
      (current.length > 0 && characters + path.length > maxCharacters)
    ) {
      chunks.push(current);
      current = [];
      wildcards = 0;
      characters = 0;
    }
    current.push(path);
    characters += path.length;
    if (wildcard) wildcards++;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
