import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInvalidatorConfig } from '../../lambda/config.ts';
import { InvalidMessageError } from '../../lambda/errors.ts';
import { invalidationMessageSchema, parseCommonMessage, type InvalidationMessage } from '../../lambda/read/message.ts';
import { BatchTargets } from '../../lambda/resolve/batch-targets.ts';
import { planInvalidations, requestedPaths } from '../../lambda/plan/plan.ts';
import { resolveTargets } from '../../lambda/resolve/targets.ts';
import { DistributionRouter } from '../../lambda/resolve/routing.ts';
import type { AcceptedMessage, Requested, Target } from '../../lambda/types.ts';

/**
 * Differential tests of the handler's memos: resolveTargets with a batch's BatchTargets against resolveTargets with
 * new objects, what BatchTargets gathers for the planner against requestedPaths, a DistributionRouter that has routed
 * before against a fresh one, and parseCommonMessage's no-copy return against zod. Each must give exactly the same
 * result, or the same error, on any sequence of inputs.
 */

const CONFIG = parseInvalidatorConfig({
  distributions: [
    { id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org', 'example.org'] },
    { id: 'E2QWRUHEXAMPLE', hostnames: ['.example.net'] },
    { id: 'E3OYTKTEXAMPLE', hostnames: ['shop.example.com'] },
  ],
});
const WITH_DEFAULT = parseInvalidatorConfig({
  distributions: [
    { id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org'] },
    { id: 'E2QWRUHEXAMPLE', hostnames: ['*'] },
  ],
});

const hostArb = fc.constantFrom(
  'www.example.org',
  'WWW.Example.org',
  'example.org',
  'news.example.net',
  'example.net',
  'a.b.example.net',
  'xexample.net',
  'shop.example.com',
  'unknown.example.com',
  '127.0.0.1',
  '[::1]',
  'xn--caf-dma.example.net',
  'café.example.net',
);
const pathArb = fc.constantFrom('', '/', '/a', '/news/', '/a/../b', '/a b', '/caf%C3%A9', '/é', '/a?b=1', '/?', '/*', '/a*/b', '/a#frag', '/%zz', '/\t');
const urlArb = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.constantFrom('https://', 'http://', 'HTTPS://'), hostArb, fc.constantFrom('', ':8443', ':99999'), pathArb).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.constantFrom('not a url', '/relative', 'ftp://www.example.org/', 'https://user:pw@www.example.org/', 'https://www.example.org/\ud83d', '') },
);
/** A batch's messages: few distinct URLs, so they repeat across messages as in real batches. */
const batchArb = fc
  .array(urlArb, { minLength: 1, maxLength: 12 })
  .chain((pool) =>
    fc.array(
      fc.record(
        {
          urls: fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 5 }),
          paths: fc.array(pathArb, { minLength: 1, maxLength: 3 }),
          distributionId: fc.constantFrom('EDFDVBD6EXAMPLE', 'E2QWRUHEXAMPLE', 'EUNKNOWN'),
        },
        { requiredKeys: ['urls'] },
      ),
      { minLength: 1, maxLength: 20 },
    ),
  );

/** A result as plain data (the targets, in order), or the error it threw. */
function outcome(resolve: () => readonly Target[]): unknown {
  try {
    return { targets: resolve().map(({ distributionId, path }) => [distributionId, path]) };
  } catch (error) {
    const code = error instanceof InvalidMessageError ? error.code : undefined;
    return { error: (error as Error).constructor.name, code, message: (error as Error).message };
  }
}

describe('resolveTargets with BatchTargets (differential, against new objects)', () => {
  it.each([
    ['three distributions', CONFIG],
    ['a default distribution', WITH_DEFAULT],
  ])('gives every message of a batch the same paths, or the same error (%s)', (_name, config) => {
    let hits = 0;
    fc.assert(
      fc.property(batchArb, (messages) => {
        // Prepare
        const batch = new BatchTargets();
        const memoRouter = new DistributionRouter(config);
        const seen = new Set<string>();

        for (const message of messages) {
          // Act
          const memoized = outcome(() => resolveTargets(message as InvalidationMessage, memoRouter, batch));
          const fresh = outcome(() => resolveTargets(message as InvalidationMessage, new DistributionRouter(config)));
          if (message.urls.some((url) => seen.has(url))) hits++;
          for (const url of message.urls) seen.add(url);

          // Assess
          expect(memoized).toStrictEqual(fresh);
        }
      }),
      { numRuns: 3_000 },
    );
    // Guard against a generator that never repeats a URL: the memo must be read, not only filled.
    expect(hits).toBeGreaterThan(1_000);
  });

  it('gives one object per (distribution, path), whichever URL or path names it, and keeps no URL that failed', () => {
    // Prepare
    const batch = new BatchTargets();
    const router = new DistributionRouter(CONFIG);

    // Act
    const [a, b] = resolveTargets({ urls: ['https://www.example.org/a', 'https://news.example.net/a'] }, router, batch);
    const alias = resolveTargets({ urls: ['http://WWW.Example.org/a'] }, router, batch);
    const path = resolveTargets({ paths: ['/a'], distributionId: 'EDFDVBD6EXAMPLE' }, router, batch);
    const twice = resolveTargets({ urls: ['https://example.org/a#top', 'http://example.org/a'] }, router, batch);
    const bad = outcome(() => resolveTargets({ urls: ['https://www.example.org/b', 'not a url', 'https://unknown.example.com/'] }, router, batch));
    const unknownHost = outcome(() => resolveTargets({ urls: ['https://unknown.example.com/'] }, router, batch));

    // Assess
    expect(b).not.toBe(a);
    expect(b).toMatchObject({ distributionId: 'E2QWRUHEXAMPLE', path: '/a' });
    for (const same of [alias, path, twice]) {
      expect(same).toHaveLength(1);
      expect(same[0]).toBe(a);
    }
    expect(bad).toMatchObject({ code: 'InvalidUrl' });
    expect(unknownHost).toMatchObject({ code: 'UnknownHost' });
  });

  it('drops repeats by identity for messages of many targets too, in first-seen order', () => {
    // Prepare: 12 URLs, past the pairwise comparison, naming 5 (distribution, path) pairs
    const router = new DistributionRouter(CONFIG);
    const urls = Array.from({ length: 12 }, (_, index) => (index % 2 === 0 ? `https://www.example.org/${index % 3}` : `https://news.example.net/${index % 4}`));

    // Act
    const memoized = outcome(() => resolveTargets({ urls }, router, new BatchTargets()));
    const fresh = outcome(() => resolveTargets({ urls }, router));

    // Assess
    expect(memoized).toStrictEqual(fresh);
    expect(memoized).toMatchObject({ targets: { length: 5 } });
  });
});

/** What the planner reads of a batch, in a canonical order: per distribution, its paths and ids sorted, ids once. */
function canonical(requested: ReadonlyMap<string, Requested>): unknown {
  return [...requested]
    .map(([distributionId, { paths, messageIds }]) => [distributionId, [...paths].sort(), [...new Set(messageIds)].sort()])
    .sort(([a], [b]) => String(a).localeCompare(String(b)));
}

describe('BatchTargets.requested (differential, against requestedPaths of the accepted messages)', () => {
  it('gathers the paths and messages of exactly the accepted messages, and the planner plans the same requests', () => {
    fc.assert(
      fc.property(batchArb, fc.integer({ min: 1, max: 4 }), (messages, maxPathsPerInvalidation) => {
        // Prepare
        const batch = new BatchTargets();
        const router = new DistributionRouter(CONFIG);
        const accepted: AcceptedMessage[] = [];

        // Act: as readRecords does, a message counts only once every path and URL of it resolved
        messages.forEach((message, index) => {
          let targets;
          try {
            targets = resolveTargets(message as InvalidationMessage, router, batch);
          } catch {
            return;
          }
          // Ids repeat now and then: a batch may hold one id twice.
          const messageId = `m${index % 7}`;
          batch.accept(messageId, targets);
          accepted.push({ messageId, targets });
        });

        // Assess
        const limits = { maxPathsPerInvalidation, maxWildcardsPerInvalidation: 2 };
        expect(canonical(batch.requested())).toStrictEqual(canonical(requestedPaths(accepted)));
        expect(planInvalidations(accepted, limits, batch.requested())).toStrictEqual(planInvalidations(accepted, limits));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('DistributionRouter memo of routed hostnames (differential, against a fresh router)', () => {
  it('routes any sequence of hostnames as a router that never routed before', () => {
    const hostnames = fc.oneof(hostArb, fc.string({ maxLength: 12 }), fc.constantFrom('x'.repeat(253) + '.example.net', 'x'.repeat(254) + '.example.net'));
    fc.assert(
      fc.property(fc.array(hostnames, { maxLength: 40 }), fc.constantFrom(CONFIG, WITH_DEFAULT), (sequence, config) => {
        // Prepare
        const router = new DistributionRouter(config);

        // Act, Assess
        for (const hostname of sequence) expect(router.route(hostname)).toBe(new DistributionRouter(config).route(hostname));
      }),
      { numRuns: 2_000 },
    );
  });

  it('still routes correctly past the memo bound of 1,024 hostnames', () => {
    // Prepare
    const router = new DistributionRouter(CONFIG);
    const reference = new DistributionRouter(CONFIG);
    const hostnames = Array.from({ length: 3_000 }, (_, index) => (index % 3 === 0 ? `h${index}.example.net` : index % 3 === 1 ? 'WWW.EXAMPLE.ORG' : `h${index}.example.com`));

    // Act, Assess
    for (const hostname of [...hostnames, ...hostnames]) expect(router.route(hostname)).toBe(reference.route(hostname));
  });
});

describe('parseCommonMessage without a copy', () => {
  it('returns the parsed object itself when its keys come in the schema order, else a copy in that order', () => {
    // Prepare
    const inOrder = JSON.parse('{"distributionId":"EDFDVBD6EXAMPLE","urls":["https://www.example.org/"],"source":"wagtail","reason":"published"}') as object;
    const outOfOrder = JSON.parse('{"source":"wagtail","urls":["https://www.example.org/"]}') as object;

    // Act
    const same = parseCommonMessage(inOrder);
    const copy = parseCommonMessage(outOfOrder);

    // Assess
    expect(same).toBe(inOrder);
    expect(copy).not.toBe(outOfOrder);
    expect(Object.keys(copy!)).toStrictEqual(['urls', 'source']);
    expect(same).toStrictEqual(invalidationMessageSchema.parse(inOrder));
    expect(copy).toStrictEqual(invalidationMessageSchema.parse(outOfOrder));
  });
});
