/**
 * CloudFront's documented CreateInvalidation rules, as pure functions. The limits come from the project's one
 * source of truth, `lambda/limits.ts`.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/InvalidationLimits.html
 * @see https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html
 */
import { MAX_PATH_LENGTH, MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';
import {
  batchTooLarge,
  inconsistentQuantities,
  invalidArgument,
  invalidPaths,
  tooManyInvalidationsInProgress,
} from './errors.ts';
import type { InvalidationBatchInput } from './types.ts';

/**
 * Individual file paths and wildcard paths. CloudFront limits the two independently: 3,000 files and 15
 * wildcard paths in progress per distribution.
 */
export interface PathCounts {
  readonly files: number;
  readonly wildcards: number;
}

/** A wildcard path ends in `*` (the only place CloudFront allows one). */
export function isWildcardPath(path: string): boolean {
  return path.endsWith('*');
}

/** A leading `/`, at most MAX_PATH_LENGTH characters, and `*` only as the last character. */
export function isValidPath(path: string): boolean {
  const star = path.indexOf('*');
  return path.startsWith('/') && path.length <= MAX_PATH_LENGTH && (star === -1 || star === path.length - 1);
}

export function countPaths(paths: readonly string[]): PathCounts {
  const wildcards = paths.filter(isWildcardPath).length;
  return { files: paths.length - wildcards, wildcards };
}

export function addCounts(a: PathCounts, b: PathCounts): PathCounts {
  return { files: a.files + b.files, wildcards: a.wildcards + b.wildcards };
}

/**
 * Checks a batch on its own, in the order CloudFront reports problems: quantities, size, paths, caller reference.
 *
 * @throws CloudFrontApiError `InconsistentQuantities`, `BatchTooLarge` or `InvalidArgument`
 */
export function validateBatch(batch: InvalidationBatchInput): void {
  if (batch.quantity !== batch.paths.length) throw inconsistentQuantities(batch.quantity, batch.paths.length);
  // CloudFront rejects an empty batch; its exact wording for this case is not public.
  if (batch.paths.length === 0) throw invalidArgument('Your request contains no invalidation paths.');
  if (batch.paths.length > MAX_PATHS_PER_INVALIDATION) throw batchTooLarge();
  if (!batch.paths.every(isValidPath)) throw invalidPaths();
  if (batch.callerReference === '') throw invalidArgument('CallerReference must not be empty.');
}

/** CloudFront's in-progress limits per distribution: 3,000 file paths and 15 wildcard paths. */
export const IN_PROGRESS_LIMITS: PathCounts = { files: MAX_PATHS_PER_INVALIDATION, wildcards: MAX_WILDCARDS_IN_PROGRESS };

/**
 * Checks that accepting `batch` keeps the distribution within its in-progress limits.
 *
 * @param inProgress paths of the distribution's invalidations that are still `InProgress`
 * @param limits the limits; lower ones only in tests and simulations that want to meet them with few paths
 * @throws CloudFrontApiError `TooManyInvalidationsInProgress`
 */
export function checkInProgressCapacity(inProgress: PathCounts, batch: PathCounts, limits: PathCounts = IN_PROGRESS_LIMITS): void {
  const after = addCounts(inProgress, batch);
  if (batch.wildcards > 0 && after.wildcards > limits.wildcards) throw tooManyInvalidationsInProgress(true);
  if (batch.files > 0 && after.files > limits.files) throw tooManyInvalidationsInProgress(false);
}

/**
 * Whether a repeated CallerReference carries the same paths, so CloudFront answers with the earlier invalidation
 * instead of InvalidationBatchAlreadyExists. Order is not significant.
 */
export function samePaths(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sortedA = [...a].sort();
  const sortedB = [...b].sort();
  return sortedA.every((path, index) => path === sortedB[index]);
}
