import { describe, expect, it } from 'vitest';
import { coalesce } from '../../lambda/plan/coalesce.ts';

describe('coalesce', () => {
  it.each([
    ['nothing', [], []],
    ['one path', ['/a'], ['/a']],
    ['duplicates', ['/a', '/a', '/b', '/a'], ['/a', '/b']],
    ['unsorted paths', ['/c', '/a', '/b'], ['/a', '/b', '/c']],
    ['a query string as its own path', ['/a?x=1', '/a', '/a?x=2'], ['/a', '/a?x=1', '/a?x=2']],
    ['sorting by code unit ("?" before letters, uppercase before lowercase)', ['/b', '/a', '/?root=query', '/B'], ['/?root=query', '/B', '/a', '/b']],
    ['"/blog/*" covering "/blog/a" and "/blog/"', ['/blog/a', '/blog/', '/blog/*'], ['/blog/*']],
    ['"/blog/*" not covering "/blog"', ['/blog', '/blog/*'], ['/blog', '/blog/*']],
    ['"/blog/*" not covering a sibling "/blogroll"', ['/blogroll', '/blog/*'], ['/blog/*', '/blogroll']],
    ['"/blog*" covering "/blog", "/blogroll" and "/blog/*"', ['/blog', '/blogroll', '/blog/*', '/blog*'], ['/blog*']],
    ['"/*" covering everything', ['/a', '/b/*', '/?q=1', '/', '/*'], ['/*']],
    ['a wildcard covering query strings', ['/a/b?x=1', '/a/*'], ['/a/*']],
    ['"/a?*" covering only the queries of "/a"', ['/a', '/a?x=1', '/a?*', '/ab'], ['/a', '/a?*', '/ab']],
    ['nested wildcards: the outer one wins', ['/a/b/c/*', '/a/b/*', '/a/*', '/a/b/c/d'], ['/a/*']],
    ['wildcards at several depths, siblings kept', ['/a/b/*', '/a/c', '/d/*', '/d/e/f', '/a/b/x'], ['/a/b/*', '/a/c', '/d/*']],
    ['a wildcard equal to a path without its "*"', ['/a', '/a*'], ['/a*']],
    ['a wildcard whose prefix sorts after covered paths by "*"', ['/a*', '/a!', '/a+', '/a)'], ['/a*']],
  ])('%s', (_name, requested, expected) => {
    // Act
    const { paths } = coalesce(requested);

    // Assess
    expect(paths).toStrictEqual(expected);
  });

  it('maps each dropped path to the wildcard that covers it', () => {
    // Act
    const { coveredBy } = coalesce(['/blog/a', '/blog/*', '/blog', '/shop/*', '/shop/b/*', '/shop/b/c']);

    // Assess
    expect(Object.fromEntries(coveredBy)).toStrictEqual({
      '/blog/a': '/blog/*',
      '/shop/b/*': '/shop/*',
      '/shop/b/c': '/shop/*',
    });
  });

  it('maps nothing for a path kept or a duplicate', () => {
    // Act
    const { paths, coveredBy } = coalesce(['/a', '/a']);

    // Assess
    expect(paths).toStrictEqual(['/a']);
    expect(coveredBy.size).toBe(0);
  });

  it('accepts any iterable', () => {
    // Act
    const { paths } = coalesce(new Set(['/b', '/a']).values());

    // Assess
    expect(paths).toStrictEqual(['/a', '/b']);
  });

  // Its speed is the benchmark's: `npm run bench` profiles coalesce inside 10,000-record batches.
  it('coalesces 100,000 paths, dropping the 1,000 a wildcard covers', () => {
    // Prepare
    const requested = Array.from({ length: 100_000 }, (_, index) => `/section/${index % 100}/page/${index}`);
    requested.push('/section/7/*');

    // Act
    const { paths } = coalesce(requested);

    // Assess
    expect(paths).toHaveLength(99_001);
    expect(paths.filter((path) => path.startsWith('/section/7/'))).toStrictEqual(['/section/7/*']);
  });
});
