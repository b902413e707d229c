import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInvalidatorConfig } from '../../lambda/config.ts';
import { InvalidMessageError, InvalidPathError } from '../../lambda/errors.ts';
import { parseMessageBody, type InvalidationMessage } from '../../lambda/read/message.ts';
import { distinctTargets, resolvePaths, resolveTargets } from '../../lambda/resolve/targets.ts';
import { DistributionRouter } from '../../lambda/resolve/routing.ts';
import { MEDIA_DISTRIBUTION_ID, WWW_DISTRIBUTION_ID, testConfig } from '../helpers/factories.ts';
import { thrown } from './thrown.ts';
import type { PathsByDistribution } from '../../lambda/types.ts';

const router = new DistributionRouter(testConfig());
const single = new DistributionRouter(parseInvalidatorConfig({ distributions: [{ id: 'ESINGLE' }] }));

/** The result as plain data: distribution id -> paths in insertion order. */
function plain(resolved: PathsByDistribution): Record<string, string[]> {
  return Object.fromEntries([...resolved].map(([id, paths]) => [id, [...paths]]));
}

describe('resolvePaths', () => {
  it('sends paths to the given distribution, normalized', () => {
    // Prepare
    const message: InvalidationMessage = { distributionId: MEDIA_DISTRIBUTION_ID, paths: ['/img/a b.png', '/img/*'] };

    // Act
    const resolved = resolvePaths(message, router);

    // Assess
    expect(plain(resolved)).toStrictEqual({ [MEDIA_DISTRIBUTION_ID]: ['/img/a%20b.png', '/img/*'] });
  });

  it('sends paths without a distributionId to the only distribution', () => {
    // Act
    const resolved = resolvePaths({ paths: ['/a'] }, single);

    // Assess
    expect(plain(resolved)).toStrictEqual({ ESINGLE: ['/a'] });
  });

  it('rejects paths without a distributionId when several distributions are configured', () => {
    // Act
    const error = thrown(() => resolvePaths({ paths: ['/a'] }, router));

    // Assess
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error).toMatchObject({ code: 'AmbiguousDistribution' });
    expect(error.message).toBe(
      `"paths" without "distributionId" needs exactly one configured distribution (configured: ${WWW_DISTRIBUTION_ID}, ${MEDIA_DISTRIBUTION_ID})`,
    );
  });

  it('rejects a distributionId that is not configured, naming it', () => {
    // Act
    const error = thrown(() => resolvePaths({ distributionId: 'EUNKNOWN', paths: ['/a'] }, router));

    // Assess
    expect(error).toMatchObject({ code: 'UnknownDistribution' });
    expect(error.message).toBe(
      `distributionId "EUNKNOWN" is not a configured distribution (configured: ${WWW_DISTRIBUTION_ID}, ${MEDIA_DISTRIBUTION_ID})`,
    );
  });

  it('rejects an unknown distributionId even when only urls are given', () => {
    // Act
    const error = thrown(() => resolvePaths({ distributionId: 'EUNKNOWN', urls: ['https://www.example.com/a'] }, router));

    // Assess
    expect(error).toMatchObject({ code: 'UnknownDistribution' });
  });

  it('routes each URL by its host, whatever the distributionId', () => {
    // Prepare
    const message: InvalidationMessage = {
      distributionId: MEDIA_DISTRIBUTION_ID,
      paths: ['/img/*'],
      urls: ['https://www.example.com/a', 'https://media.example.com/b', 'https://shop.example.org/c?d=1#e'],
    };

    // Act
    const resolved = resolvePaths(message, router);

    // Assess
    expect(plain(resolved)).toStrictEqual({
      [MEDIA_DISTRIBUTION_ID]: ['/img/*', '/b'],
      [WWW_DISTRIBUTION_ID]: ['/a', '/c?d=1'],
    });
  });

  it('routes URLs regardless of host case and port', () => {
    // Act
    const resolved = resolvePaths({ urls: ['HTTPS://WWW.EXAMPLE.COM:8443/A', 'http://Media.Example.com:80/b'] }, router);

    // Assess
    expect(plain(resolved)).toStrictEqual({ [WWW_DISTRIBUTION_ID]: ['/A'], [MEDIA_DISTRIBUTION_ID]: ['/b'] });
  });

  it.each([
    ['a "[::1]" hostname', { ELOOPBACK: ['[::1]'], EOTHER: ['www.example.com'] }, 'ELOOPBACK'],
    ['"*"', { EOTHER: ['www.example.com'], EANY: ['*'] }, 'EANY'],
  ])('routes an IPv6 host via %s', (_name, hostnamesById, expected) => {
    // Prepare
    const distributions = Object.entries(hostnamesById).map(([id, hostnames]) => ({ id, hostnames }));
    const ipv6Router = new DistributionRouter(parseInvalidatorConfig({ distributions }));

    // Act
    const resolved = resolvePaths({ urls: ['http://[::1]/a'] }, ipv6Router);

    // Assess
    expect(plain(resolved)).toStrictEqual({ [expected]: ['/a'] });
  });

  it('keeps each path once per distribution', () => {
    // Act
    const resolved = resolvePaths(
      { distributionId: WWW_DISTRIBUTION_ID, paths: ['/a', '/a', '/caf%C3%A9'], urls: ['https://www.example.com/a', 'https://www.example.com/café'] },
      router,
    );

    // Assess
    expect(plain(resolved)).toStrictEqual({ [WWW_DISTRIBUTION_ID]: ['/a', '/caf%C3%A9'] });
  });

  it.each([
    ['badexample.org', 'https://badexample.org/a'],
    ['an unconfigured subdomain', 'https://shop.example.com/a'],
    ['an IPv6 host', 'http://[::1]/a'],
  ])('rejects a URL whose host maps to no distribution: %s', (_name, url) => {
    // Act
    const error = thrown(() => resolvePaths({ urls: ['https://www.example.com/ok', url] }, router));

    // Assess
    expect(error).toMatchObject({ code: 'UnknownHost' });
    expect(error.message).toContain(`URL ${JSON.stringify(url)}: no configured distribution serves host`);
  });

  it.each([
    ['a scheme other than http/https', { urls: ['ftp://www.example.com/a'] }, 'InvalidUrl', 'ftp://www.example.com/a'],
    ['a relative URL', { urls: ['/a'] }, 'InvalidUrl', '"/a"'],
    ['a URL with credentials', { urls: ['https://editor:s3cret@www.example.com/a'] }, 'InvalidUrl', 'https://***@www.example.com/a'],
    ['a path without "/"', { distributionId: WWW_DISTRIBUTION_ID, paths: ['/ok', 'index.html'] }, 'InvalidPath', '"index.html"'],
    ['a path with NUL', { distributionId: WWW_DISTRIBUTION_ID, paths: ['/a\u0000'] }, 'InvalidPath', '"/a\\u0000"'],
    ['a path with a wildcard inside', { distributionId: WWW_DISTRIBUTION_ID, paths: ['/a*b'] }, 'InvalidPath', '"/a*b"'],
    ['a URL whose path has a wildcard inside', { urls: ['https://www.example.com/a*b'] }, 'InvalidPath', '"/a*b"'],
  ])('rejects the whole message for %s, naming the bad value', (_name, message, code, named) => {
    // Act
    const error = thrown(() => resolvePaths(message as InvalidationMessage, router));

    // Assess
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error).toMatchObject({ code });
    expect(error.message).toContain(named);
    expect(error.message).not.toContain('s3cret');
  });

  it('rejects a 4,001-character path, naming it', () => {
    // Prepare
    const path = `/${'x'.repeat(4000)}`;

    // Act
    const error = thrown(() => resolvePaths({ distributionId: WWW_DISTRIBUTION_ID, paths: [path] }, router));

    // Assess
    expect(error).toBeInstanceOf(InvalidPathError);
    expect(error).toMatchObject({ path });
    expect(error.message).toContain(`"/${'x'.repeat(199)}…(4001 characters)"`);
  });

  it('resolves 10,000 paths of one message', () => {
    // Prepare
    const paths = Array.from({ length: 10_000 }, (_, index) => `/page/${index}`);
    const message = parseMessageBody(JSON.stringify({ distributionId: WWW_DISTRIBUTION_ID, paths }));

    // Act
    const resolved = resolvePaths(message, router);

    // Assess
    expect(resolved.get(WWW_DISTRIBUTION_ID)?.size).toBe(10_000);
  });
});

describe('resolveTargets', () => {
  it('gives each (distribution, path) once, in the order the message names them', () => {
    // Prepare: a fragment, the scheme and an explicit default port name the same path twice
    const message: InvalidationMessage = {
      distributionId: WWW_DISTRIBUTION_ID,
      paths: ['/b', '/a', '/b'],
      urls: ['https://www.example.com/a', 'https://www.example.com/c#top', 'http://www.example.com:80/c', 'https://media.example.com/a'],
    };

    // Act
    const targets = resolveTargets(message, router);

    // Assess
    expect(targets.map(({ distributionId, path }) => `${distributionId} ${path}`)).toStrictEqual([
      `${WWW_DISTRIBUTION_ID} /b`,
      `${WWW_DISTRIBUTION_ID} /a`,
      `${WWW_DISTRIBUTION_ID} /c`,
      `${MEDIA_DISTRIBUTION_ID} /a`,
    ]);
  });
});

describe('distinctTargets (differential, against a Set of keys)', () => {
  const targetArb = fc.record({ distributionId: fc.constantFrom('EAAA', 'EBBB'), path: fc.constantFrom('/', '/a', '/b', '/a*', '/c?d=1') });

  it('drops exactly the repeats, keeping first-seen order, for few targets and for many', () => {
    fc.assert(
      fc.property(fc.array(targetArb, { maxLength: 24 }), (targets) => {
        // Prepare
        const seen = new Set<string>();
        const expected = targets.filter(({ distributionId, path }) => {
          const key = `${distributionId} ${path}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });

        // Act
        const distinct = distinctTargets(targets);

        // Assess
        expect(distinct).toStrictEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});
