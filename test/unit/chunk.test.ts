import { describe, expect, it } from 'vitest';
import { chunk, xmlLength } from '../../lambda/plan/chunk.ts';
import { MAX_PATH_CHARACTERS_PER_INVALIDATION, MAX_PATH_LENGTH, MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';

const defaults = { maxPathsPerInvalidation: MAX_PATHS_PER_INVALIDATION, maxWildcardsPerInvalidation: MAX_WILDCARDS_IN_PROGRESS };

/** `count` paths `/p0`, `/p1`, ...; wildcards (`/w0*`, ...) when asked. */
function paths(count: number, wildcard = false): string[] {
  return Array.from({ length: count }, (_, index) => (wildcard ? `/w${index}*` : `/p${index}`));
}

describe('chunk', () => {
  it('makes no request for no paths', () => {
    // Act
    const chunks = chunk([], defaults);

    // Assess
    expect(chunks).toStrictEqual([]);
  });

  it('keeps paths under the limits in one request, in order', () => {
    // Act
    const chunks = chunk(['/c', '/a', '/b*'], defaults);

    // Assess
    expect(chunks).toStrictEqual([['/c', '/a', '/b*']]);
  });

  it.each([
    [3000, [3000]],
    [3001, [3000, 1]],
    [6000, [3000, 3000]],
    [10_000, [3000, 3000, 3000, 1000]],
  ])('splits %i paths into requests of %j', (count, sizes) => {
    // Act
    const chunks = chunk(paths(count), defaults);

    // Assess
    expect(chunks.map((request) => request.length)).toStrictEqual(sizes);
    expect(chunks.flat()).toStrictEqual(paths(count));
  });

  it.each([
    [15, [15]],
    [16, [15, 1]],
    [31, [15, 15, 1]],
  ])('splits %i wildcards into requests of %j', (count, sizes) => {
    // Act
    const chunks = chunk(paths(count, true), defaults);

    // Assess
    expect(chunks.map((request) => request.length)).toStrictEqual(sizes);
  });

  it('fills a request with plain paths beside its wildcards', () => {
    // Prepare
    const requested = [...paths(16, true), ...paths(10)];

    // Act
    const chunks = chunk(requested, defaults);

    // Assess
    expect(chunks).toStrictEqual([requested.slice(0, 15), requested.slice(15)]);
  });

  it.each([
    ['1 path per request', { maxPathsPerInvalidation: 1, maxWildcardsPerInvalidation: 15 }, ['/a', '/b*', '/c'], [['/a'], ['/b*'], ['/c']]],
    ['2 paths per request', { maxPathsPerInvalidation: 2, maxWildcardsPerInvalidation: 15 }, ['/a', '/b', '/c'], [['/a', '/b'], ['/c']]],
    ['1 wildcard per request', { maxPathsPerInvalidation: 10, maxWildcardsPerInvalidation: 1 }, ['/a*', '/b', '/c*', '/d*', '/e'], [['/a*', '/b'], ['/c*'], ['/d*', '/e']]],
    ['both limits', { maxPathsPerInvalidation: 3, maxWildcardsPerInvalidation: 2 }, ['/a*', '/b*', '/c*', '/d', '/e', '/f'], [['/a*', '/b*'], ['/c*', '/d', '/e'], ['/f']]],
  ])('respects %s', (_name, limits, requested, expected) => {
    // Act
    const chunks = chunk(requested, limits);

    // Assess
    expect(chunks).toStrictEqual(expected);
  });

  it('splits 3,000 paths of 4,000 characters by their total length, not only their count', () => {
    // Prepare
    const long = Array.from({ length: 3000 }, (_, index) => `/${String(index).padStart(4, '0')}${'x'.repeat(MAX_PATH_LENGTH - 5)}`);

    // Act
    const chunks = chunk(long, defaults);

    // Assess: 262 paths of 4,000 characters fit in 1 MiB
    const perRequest = Math.floor(MAX_PATH_CHARACTERS_PER_INVALIDATION / MAX_PATH_LENGTH);
    expect(perRequest).toBe(262);
    expect(chunks.map((request) => request.length)).toStrictEqual([...Array<number>(11).fill(perRequest), 3000 - 11 * perRequest]);
    expect(chunks.flat()).toStrictEqual(long);
    for (const request of chunks) expect(request.reduce((sum, path) => sum + path.length, 0)).toBeLessThanOrEqual(MAX_PATH_CHARACTERS_PER_INVALIDATION);
  });

  it.each([
    ['fills a request up to the cap exactly', 6, ['/a', '/b', '/c', '/d'], [['/a', '/b', '/c'], ['/d']]],
    ['starts a new request for a path that would pass it', 5, ['/a', '/bb', '/c'], [['/a', '/bb'], ['/c']]],
    ['sends a path longer than the cap alone', 3, ['/a', '/long', '/b'], [['/a'], ['/long'], ['/b']]],
  ])('caps the characters per request: %s', (_name, maxPathCharactersPerInvalidation, requested, expected) => {
    // Act
    const chunks = chunk(requested, { ...defaults, maxPathCharactersPerInvalidation });

    // Assess
    expect(chunks).toStrictEqual(expected);
  });
});

describe('xmlLength', () => {
  it.each([
    ['/plain', 6],
    ['/a?x=1&y=2', 14],
    ["/o'neil", 12],
    ["/&'&", 17],
  ])('counts %s as %i characters of XML', (path, length) => {
    expect(xmlLength(path)).toBe(length);
  });

  it('makes chunking count escaped characters: paths of 4,000 "&" split as their 20,000-character XML requires', () => {
    // Prepare
    const ampersands = `/${'&'.repeat(MAX_PATH_LENGTH - 1)}`;
    const paths = Array.from({ length: 300 }, (_, index) => `${ampersands.slice(0, -4)}${String(index).padStart(4, '0')}`).sort();

    // Act
    const chunks = chunk(paths, { maxPathsPerInvalidation: MAX_PATHS_PER_INVALIDATION, maxWildcardsPerInvalidation: MAX_WILDCARDS_IN_PROGRESS });

    // Assess: each path is about 5 x 3,996 characters once escaped, so a 1 MiB request holds 52 of them
    for (const request of chunks) {
      expect(request.reduce((sum, path) => sum + xmlLength(path), 0)).toBeLessThanOrEqual(MAX_PATH_CHARACTERS_PER_INVALIDATION);
    }
    expect(chunks[0]).toHaveLength(Math.floor(MAX_PATH_CHARACTERS_PER_INVALIDATION / xmlLength(paths[0]!)));
  });
});
