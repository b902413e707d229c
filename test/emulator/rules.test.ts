/** CloudFront's invalidation rules as pure functions. */
import { describe, expect, it } from 'vitest';
import { MAX_PATH_LENGTH, MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';
import { CloudFrontApiError } from '../../local/cloudfront-emulator/errors.ts';
import { checkInProgressCapacity, countPaths, isValidPath, samePaths, validateBatch } from '../../local/cloudfront-emulator/rules.ts';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof CloudFrontApiError) return error.code;
    throw error;
  }
}

describe('isValidPath', () => {
  it.each([
    ['/', true],
    ['/*', true],
    ['/images/*', true],
    ['/a?b=1&c=%20', true],
    [`/${'x'.repeat(MAX_PATH_LENGTH - 1)}`, true],
    [`/${'x'.repeat(MAX_PATH_LENGTH)}`, false],
    ['', false],
    ['images/*', false],
    ['*', false],
    ['/a*b', false],
    ['/**', false],
  ])('%j is %s', (path, valid) => {
    // Act / Assess
    expect(isValidPath(path)).toBe(valid);
  });
});

describe('countPaths', () => {
  it('counts file paths and wildcard paths apart', () => {
    // Act / Assess
    expect(countPaths(['/a', '/b/*', '/*', '/c'])).toStrictEqual({ files: 2, wildcards: 2 });
  });
});

describe('validateBatch', () => {
  it.each([
    ['quantities first', { quantity: 2, paths: ['bad'], callerReference: '' }, 'InconsistentQuantities'],
    ['then emptiness', { quantity: 0, paths: [], callerReference: 'r' }, 'InvalidArgument'],
    ['then size', { quantity: MAX_PATHS_PER_INVALIDATION + 1, paths: Array(MAX_PATHS_PER_INVALIDATION + 1).fill('bad'), callerReference: 'r' }, 'BatchTooLarge'],
    ['then paths', { quantity: 1, paths: ['bad'], callerReference: '' }, 'InvalidArgument'],
    ['then the caller reference', { quantity: 1, paths: ['/ok'], callerReference: '' }, 'InvalidArgument'],
    ['and accepts a good batch', { quantity: 1, paths: ['/ok'], callerReference: 'r' }, undefined],
  ])('checks %s', (_, batch, code) => {
    // Act / Assess
    expect(codeOf(() => validateBatch(batch))).toBe(code);
  });
});

describe('checkInProgressCapacity', () => {
  it.each([
    ['files up to the limit', { files: MAX_PATHS_PER_INVALIDATION - 1, wildcards: 0 }, { files: 1, wildcards: 0 }, undefined],
    ['files over the limit', { files: MAX_PATHS_PER_INVALIDATION, wildcards: 0 }, { files: 1, wildcards: 0 }, 'TooManyInvalidationsInProgress'],
    ['wildcards up to the limit', { files: 0, wildcards: MAX_WILDCARDS_IN_PROGRESS - 1 }, { files: 0, wildcards: 1 }, undefined],
    ['wildcards over the limit', { files: 0, wildcards: MAX_WILDCARDS_IN_PROGRESS }, { files: 0, wildcards: 1 }, 'TooManyInvalidationsInProgress'],
    ['a wildcard when files are full', { files: MAX_PATHS_PER_INVALIDATION, wildcards: 0 }, { files: 0, wildcards: 1 }, undefined],
    ['a file when wildcards are full', { files: 0, wildcards: MAX_WILDCARDS_IN_PROGRESS }, { files: 1, wildcards: 0 }, undefined],
  ])('%s', (_, inProgress, batch, code) => {
    // Act / Assess
    expect(codeOf(() => checkInProgressCapacity(inProgress, batch))).toBe(code);
  });
});

describe('samePaths', () => {
  it.each([
    [['/a', '/b'], ['/b', '/a'], true],
    [['/a', '/a'], ['/a', '/a'], true],
    [['/a', '/a'], ['/a', '/b'], false],
    [['/a'], ['/a', '/a'], false],
  ])('%j and %j: %s', (a, b, same) => {
    // Act / Assess
    expect(samePaths(a, b)).toBe(same);
  });
});
