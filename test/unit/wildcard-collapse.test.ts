import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coalesce } from '../../lambda/plan/coalesce.ts';
import { parseInvalidatorConfig } from '../../lambda/config.ts';
import { MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';
import { DEFAULT_MIN_PATHS_PER_DIRECTORY } from '../../lambda/defaults.ts';
import { chooseWildcards, collapseToWildcards } from '../../lambda/plan/wildcard-collapse.ts';
import { isWildcard } from '../../lambda/resolve/paths.ts';
import { planInvalidations } from '../../lambda/plan/plan.ts';
import { distinctTargets } from '../../lambda/resolve/targets.ts';
import type { AcceptedMessage } from '../../lambda/types.ts';

/** Does `path` (or, for a wildcard, its prefix) fall under the wildcard `cover`? */
function covers(cover: string, path: string): boolean {
  if (!isWildcard(cover)) return false;
  const key = isWildcard(path) ? path.slice(0, -1) : path;
  return key.startsWith(cover.slice(0, -1));
}

function isCoveredBy(path: string, submitted: readonly string[]): boolean {
  return submitted.includes(path) || submitted.some((cover) => covers(cover, path));
}

function wildcardCount(paths: readonly string[]): number {
  return paths.filter(isWildcard).length;
}

// Few segment names, so directories fill up and collapses happen; a query sometimes, a wildcard sometimes.
const segment = fc.constantFrom('a', 'b', 'c', 'news', 'docs', 'x.html', 'caf%C3%A9');
const path = fc
  .record({
    segments: fc.array(segment, { minLength: 0, maxLength: 4 }),
    trailingSlash: fc.boolean(),
    query: fc.option(fc.constantFrom('?page=2', '?q=a/b'), { nil: undefined }),
    wildcard: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  })
  .map(({ segments, trailingSlash, query, wildcard }) => {
    const base = `/${segments.join('/')}${segments.length > 0 && trailingSlash ? '/' : ''}${query ?? ''}`;
    return wildcard ? `${base}*` : base;
  });
// Many leaf pages under a few directories, as a bulk publish produces.
const leaf = fc
  .record({ directory: fc.constantFrom('/news/', '/docs/api/', '/docs/guide/', '/'), page: fc.integer({ min: 0, max: 40 }) })
  .map(({ directory, page }) => `${directory}page-${page}/`);
const requested = fc.array(fc.oneof({ arbitrary: path, weight: 1 }, { arbitrary: leaf, weight: 3 }), { minLength: 0, maxLength: 150, size: 'max' });
const collapseOptions = fc.record({
  minPathsPerDirectory: fc.integer({ min: 2, max: 20 }),
  maxWildcards: fc.integer({ min: 1, max: MAX_WILDCARDS_IN_PROGRESS }),
});

describe('collapseToWildcards', () => {
  it('covers every requested path', () => {
    fc.assert(
      fc.property(requested, collapseOptions, (paths, options) => {
        // Act
        const { paths: submitted, coveredBy } = collapseToWildcards(paths, options);

        // Assess
        for (const requestedPath of paths) {
          expect(isCoveredBy(requestedPath, submitted)).toBe(true);
          const cover = coveredBy.get(requestedPath);
          if (cover !== undefined) {
            expect(submitted).toContain(cover);
            expect(covers(cover, requestedPath)).toBe(true);
          }
        }
      }),
    );
  });

  it('never bills more paths than plain coalescing', () => {
    fc.assert(
      fc.property(requested, collapseOptions, (paths, options) => {
        // Act
        const collapsed = collapseToWildcards(paths, options).paths;

        // Assess
        expect(collapsed.length).toBeLessThanOrEqual(coalesce(paths).paths.length);
      }),
    );
  });

  it('never carries more wildcards than maxWildcards allows (beyond those requested)', () => {
    fc.assert(
      fc.property(requested, collapseOptions, (paths, options) => {
        // Prepare
        const plain = coalesce(paths).paths;

        // Act
        const added = chooseWildcards(plain, options);
        const collapsed = collapseToWildcards(paths, options).paths;

        // Assess
        expect(added.length).toBeLessThanOrEqual(Math.max(0, options.maxWildcards - wildcardCount(plain)));
        expect(wildcardCount(collapsed)).toBeLessThanOrEqual(Math.max(options.maxWildcards, wildcardCount(plain)));
      }),
    );
  });

  it('adds only directory wildcards holding at least minPathsPerDirectory paths directly', () => {
    fc.assert(
      fc.property(requested, collapseOptions, (paths, options) => {
        // Prepare
        const plain = coalesce(paths).paths;

        // Act
        const added = chooseWildcards(plain, options);

        // Assess
        for (const wildcard of added) {
          expect(wildcard.endsWith('/*')).toBe(true);
          const directory = wildcard.slice(0, -1);
          const direct = plain.filter((p) => {
            const key = (isWildcard(p) ? p.slice(0, -1) : p).split('?')[0]!;
            const trimmed = key.length > 1 && key.endsWith('/') ? key.slice(0, -1) : key;
            return trimmed !== '/' && trimmed.slice(0, trimmed.lastIndexOf('/') + 1) === directory;
          });
          expect(direct.length).toBeGreaterThanOrEqual(options.minPathsPerDirectory);
        }
      }),
    );
  });

  it('does not depend on the order of the requested paths', () => {
    fc.assert(
      fc.property(requested, collapseOptions, fc.nat(), (paths, options, seed) => {
        // Prepare
        const shuffled = [...paths].sort((a, b) => (((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7)));

        // Act / Assess
        expect(collapseToWildcards(shuffled, options).paths).toStrictEqual(collapseToWildcards(paths, options).paths);
      }),
    );
  });

  it('collapses a bulk publish under one directory and keeps the rest', () => {
    // Prepare
    const articles = Array.from({ length: 12 }, (_, index) => `/news/article-${index}/`);

    // Act
    const { paths, coveredBy } = collapseToWildcards(['/', '/news/', '/about/', ...articles], {
      minPathsPerDirectory: 10,
      maxWildcards: 15,
    });

    // Assess
    expect(paths).toStrictEqual(['/', '/about/', '/news/*']);
    expect(coveredBy.get('/news/')).toBe('/news/*');
    expect(coveredBy.get('/news/article-3/')).toBe('/news/*');
  });

  it('leaves a directory below the threshold alone', () => {
    // Prepare
    const articles = Array.from({ length: 9 }, (_, index) => `/news/article-${index}/`);

    // Act
    const { paths } = collapseToWildcards(articles, { minPathsPerDirectory: 10, maxWildcards: 15 });

    // Assess
    expect(paths).toStrictEqual([...articles].sort());
  });

  it('prefers the collapses that save the most when the wildcard budget is short', () => {
    // Prepare: 5 pages in /a/, 8 in /b/, 6 in /c/; room for 2 wildcards
    const pages = (directory: string, count: number) => Array.from({ length: count }, (_, index) => `/${directory}/${index}`);
    const requestedPaths = [...pages('a', 5), ...pages('b', 8), ...pages('c', 6)];

    // Act
    const added = chooseWildcards(coalesce(requestedPaths).paths, { minPathsPerDirectory: 3, maxWildcards: 2 });

    // Assess
    expect(added).toStrictEqual(['/b/*', '/c/*']);
  });

  it('counts the wildcards already requested against the budget', () => {
    // Prepare: two requested wildcards leave room for one more
    const requestedPaths = ['/x*', '/y*', ...Array.from({ length: 4 }, (_, i) => `/a/${i}`), ...Array.from({ length: 5 }, (_, i) => `/b/${i}`)];

    // Act
    const added = chooseWildcards(coalesce(requestedPaths).paths, { minPathsPerDirectory: 3, maxWildcards: 3 });

    // Assess
    expect(added).toStrictEqual(['/b/*']);
  });

  it('prefers a deeper directory over its parent when both save the same', () => {
    // Prepare: everything under /docs/ is in /docs/api/, so /docs/* and /docs/api/* save the same
    const requestedPaths = Array.from({ length: 6 }, (_, index) => `/docs/api/${index}`);

    // Act
    const added = chooseWildcards(requestedPaths, { minPathsPerDirectory: 2, maxWildcards: 15 });

    // Assess
    expect(added).toStrictEqual(['/docs/api/*']);
  });

  it('collapses by the path before the query string', () => {
    // Prepare
    const requestedPaths = ['/search/?q=a', '/search/?q=b', '/search/?q=c', '/search/results?q=1', '/search/results?q=2', '/search/results?q=3'];

    // Act
    const { paths } = collapseToWildcards(requestedPaths, { minPathsPerDirectory: 3, maxWildcards: 15 });

    // Assess: `/search/results?…` sit in /search/; `/search/?…` sit in / (they are /search/'s own page)
    expect(paths).toStrictEqual(['/search/*']);
  });
});

describe('planInvalidations with wildcardCollapse', () => {
  const DISTRIBUTION = 'EDFDVBD6EXAMPLE';
  const message = (messageId: string, paths: readonly string[]): AcceptedMessage => ({
    messageId,
    targets: distinctTargets(paths.map((path) => ({ distributionId: DISTRIBUTION, path }))),
  });

  it('is off by default: the plan is the same as without the option', () => {
    fc.assert(
      fc.property(fc.array(requested, { minLength: 1, maxLength: 5 }), (batches) => {
        // Prepare
        const messages = batches.filter((paths) => paths.length > 0).map((paths, index) => message(`m${index}`, paths));
        const config = parseInvalidatorConfig({ distributions: [{ id: DISTRIBUTION }] });

        // Act / Assess
        expect(config.wildcardCollapse).toBeUndefined();
        expect(planInvalidations(messages, config)).toStrictEqual(
          planInvalidations(messages, { maxPathsPerInvalidation: 3000, maxWildcardsPerInvalidation: 15 }),
        );
      }),
    );
  });

  it('covers every message path in a request that names the message, within the limits', () => {
    fc.assert(
      fc.property(
        fc.array(requested, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 2, max: 30 }),
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 5, max: 3000 }),
        (batches, minPathsPerDirectory, maxWildcardsPerInvalidation, maxPathsPerInvalidation) => {
          // Prepare
          const messages = batches.filter((paths) => paths.length > 0).map((paths, index) => message(`m${index}`, paths));
          const limits = { maxPathsPerInvalidation, maxWildcardsPerInvalidation };

          // Act
          const plain = planInvalidations(messages, limits);
          const collapsed = planInvalidations(messages, { ...limits, wildcardCollapse: { minPathsPerDirectory } });

          // Assess
          const billed = (requests: typeof plain) => requests.reduce((sum, request) => sum + request.paths.length, 0);
          expect(billed(collapsed)).toBeLessThanOrEqual(billed(plain));
          for (const request of collapsed) {
            expect(request.paths.length).toBeLessThanOrEqual(maxPathsPerInvalidation);
            expect(wildcardCount(request.paths)).toBeLessThanOrEqual(maxWildcardsPerInvalidation);
          }
          for (const m of messages) {
            for (const { path: requestedPath } of m.targets) {
              const carrying = collapsed.filter((request) => isCoveredBy(requestedPath, request.paths));
              expect(carrying.some((request) => request.messageIds.includes(m.messageId))).toBe(true);
            }
          }
        },
      ),
    );
  });

  it('reads the threshold from the configuration, with a default', () => {
    // Act
    const config = parseInvalidatorConfig({ distributions: [{ id: DISTRIBUTION }], wildcardCollapse: {} });

    // Assess
    expect(config.wildcardCollapse).toStrictEqual({ minPathsPerDirectory: DEFAULT_MIN_PATHS_PER_DIRECTORY });
    expect(() => parseInvalidatorConfig({ distributions: [{ id: DISTRIBUTION }], wildcardCollapse: { minPathsPerDirectory: 1 } })).toThrow(
      /wildcardCollapse\.minPathsPerDirectory/,
    );
  });
});
