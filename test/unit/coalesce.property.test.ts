import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunk, type InvalidationLimits } from '../../lambda/plan/chunk.ts';
import { coalesce } from '../../lambda/plan/coalesce.ts';
import { isWildcard, normalizePath } from '../../lambda/resolve/paths.ts';
import { planInvalidations } from '../../lambda/plan/plan.ts';
import { distinctTargets } from '../../lambda/resolve/targets.ts';
import type { AcceptedMessage, InvalidationRequest } from '../../lambda/types.ts';

/**
 * Properties of coalescing, chunking and planning over generated batches. Paths come from a small alphabet so that
 * duplicates, prefixes and wildcards covering other paths are common.
 */

const segment = fc.constantFrom('a', 'b', 'ab', 'ba', 'index.html', '%41', 'caf%C3%A9');

/** A valid, already normalized path: up to 4 segments, maybe a trailing slash, a query, a wildcard at any depth. */
const pathArb = fc
  .record({
    segments: fc.array(segment, { maxLength: 4 }),
    trailingSlash: fc.boolean(),
    query: fc.constantFrom('', '', '', '?q=1', '?q=2', '?'),
    wildcard: fc.integer({ min: 0, max: 3 }).map((draw) => draw === 0),
  })
  .map(({ segments, trailingSlash, query, wildcard }) => {
    const base = `/${segments.join('/')}${trailingSlash && segments.length > 0 ? '/' : ''}`;
    return `${base}${query}${wildcard ? '*' : ''}`;
  });

const distributionArb = fc.constantFrom('EAAAAA', 'EBBBBB', 'ECCCCC');

/** A message: an id and its (distribution, path) pairs, as resolveTargets would produce them (once de-duplicated). */
interface GeneratedMessage {
  readonly messageId: string;
  readonly entries: ReadonlyArray<readonly [string, string]>;
}

const messagesArb: fc.Arbitrary<GeneratedMessage[]> = fc
  .uniqueArray(fc.stringMatching(/^[0-9a-f]{1,8}$/), { minLength: 1, maxLength: 8 })
  .chain((ids) =>
    fc.tuple(...ids.map((messageId) => fc.array(fc.tuple(distributionArb, pathArb), { minLength: 1, maxLength: 12 }).map((entries) => ({ messageId, entries })))),
  );

const limitsArb: fc.Arbitrary<InvalidationLimits> = fc.oneof(
  fc.record({ maxPathsPerInvalidation: fc.integer({ min: 1, max: 6 }), maxWildcardsPerInvalidation: fc.integer({ min: 1, max: 3 }) }),
  fc.constant({ maxPathsPerInvalidation: 3000, maxWildcardsPerInvalidation: 15 }),
  // A small cap on the characters per request, so that it, not the count, splits.
  fc.record({
    maxPathsPerInvalidation: fc.constant(3000),
    maxWildcardsPerInvalidation: fc.constant(15),
    maxPathCharactersPerInvalidation: fc.integer({ min: 1, max: 60 }),
  }),
);

/** A request within the character cap: its paths' lengths sum to at most it, or it is a single longer path. */
function withinCharacterCap(request: readonly string[], limits: InvalidationLimits): boolean {
  const cap = limits.maxPathCharactersPerInvalidation;
  return cap === undefined || request.length === 1 || request.reduce((sum, path) => sum + path.length, 0) <= cap;
}

function accepted(message: GeneratedMessage): AcceptedMessage {
  return { messageId: message.messageId, targets: distinctTargets(message.entries.map(([distributionId, path]) => ({ distributionId, path }))) };
}

/** Does the submitted path `by` cover the requested path `path`? */
function covers(by: string, path: string): boolean {
  return by === path || (isWildcard(by) && path.startsWith(by.slice(0, -1)));
}

/** The same batch in another order: messages permuted, each message's paths reversed. */
const reordered = (messages: readonly GeneratedMessage[], order: readonly number[]): GeneratedMessage[] =>
  order.map((index) => ({ ...messages[index]!, entries: [...messages[index]!.entries].reverse() }));

const permutationArb = (length: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray([...Array(length).keys()], { minLength: length, maxLength: length });

describe('generated paths', () => {
  it('are valid and already normalized', () => {
    fc.assert(
      fc.property(pathArb, (path) => {
        // Act
        const normalized = normalizePath(path);

        // Assess
        expect(normalized).toBe(path);
      }),
    );
  });
});

describe('coalesce (property)', () => {
  it('keeps exactly the distinct paths no other requested wildcard covers, sorted', () => {
    fc.assert(
      fc.property(fc.array(pathArb, { maxLength: 40 }), (requested) => {
        // Prepare: the naive model
        const distinct = [...new Set(requested)];
        const expected = distinct.filter((path) => !distinct.some((other) => other !== path && isWildcard(other) && covers(other, path))).sort();

        // Act
        const { paths } = coalesce(requested);

        // Assess
        expect(paths).toStrictEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('maps every dropped path to a kept wildcard that covers it', () => {
    fc.assert(
      fc.property(fc.array(pathArb, { maxLength: 40 }), (requested) => {
        // Act
        const { paths, coveredBy } = coalesce(requested);

        // Assess
        const kept = new Set(paths);
        for (const path of new Set(requested)) {
          const cover = coveredBy.get(path);
          if (kept.has(path)) expect(cover).toBeUndefined();
          else expect(cover !== undefined && kept.has(cover) && isWildcard(cover) && covers(cover, path)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order of the paths', () => {
    fc.assert(
      fc.property(
        fc.array(pathArb, { maxLength: 40 }).chain((requested) => fc.tuple(fc.constant(requested), permutationArb(requested.length))),
        ([requested, order]) => {
          // Act
          const forward = coalesce(requested);
          const shuffled = coalesce(order.map((index) => requested[index]!));

          // Assess
          expect(shuffled.paths).toStrictEqual(forward.paths);
          expect(new Map([...shuffled.coveredBy].sort())).toStrictEqual(new Map([...forward.coveredBy].sort()));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('chunk (property)', () => {
  it('keeps every path in order and no request breaks a limit', () => {
    fc.assert(
      fc.property(fc.uniqueArray(pathArb, { maxLength: 60 }), limitsArb, (paths, limits) => {
        // Act
        const chunks = chunk(paths, limits);

        // Assess
        expect(chunks.flat()).toStrictEqual(paths);
        for (const request of chunks) {
          expect(request.length).toBeGreaterThan(0);
          expect(request.length).toBeLessThanOrEqual(limits.maxPathsPerInvalidation);
          expect(request.filter(isWildcard).length).toBeLessThanOrEqual(limits.maxWildcardsPerInvalidation);
          expect(withinCharacterCap(request, limits)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('planInvalidations (property)', () => {
  const plan = (messages: readonly GeneratedMessage[], limits: InvalidationLimits): InvalidationRequest[] =>
    planInvalidations(messages.map(accepted), limits);

  it('(a) covers every requested path by a submitted path of its distribution', () => {
    fc.assert(
      fc.property(messagesArb, limitsArb, (messages, limits) => {
        // Act
        const requests = plan(messages, limits);

        // Assess
        for (const { entries } of messages) {
          for (const [distributionId, path] of entries) {
            const covered = requests.some((request) => request.distributionId === distributionId && request.paths.some((by) => covers(by, path)));
            expect(covered, `${distributionId} ${path}`).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('(b) breaks no limit, for the default and small limits', () => {
    fc.assert(
      fc.property(messagesArb, limitsArb, (messages, limits) => {
        // Act
        const requests = plan(messages, limits);

        // Assess
        for (const request of requests) {
          expect(request.paths.length).toBeGreaterThan(0);
          expect(request.paths.length).toBeLessThanOrEqual(limits.maxPathsPerInvalidation);
          expect(request.paths.filter(isWildcard).length).toBeLessThanOrEqual(limits.maxWildcardsPerInvalidation);
          expect(withinCharacterCap(request.paths, limits)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('(c) does not depend on the order of records or paths', () => {
    fc.assert(
      fc.property(
        fc.tuple(messagesArb, limitsArb).chain(([messages, limits]) => fc.tuple(fc.constant(messages), fc.constant(limits), permutationArb(messages.length))),
        ([messages, limits, order]) => {
          // Act
          const forward = plan(messages, limits);
          const shuffled = plan(reordered(messages, order), limits);

          // Assess
          expect(shuffled).toStrictEqual(forward);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('(d) submits no duplicate and no path another submitted path covers; only paths someone requested', () => {
    fc.assert(
      fc.property(messagesArb, limitsArb, (messages, limits) => {
        // Act
        const requests = plan(messages, limits);

        // Assess
        for (const distributionId of new Set(requests.map((request) => request.distributionId))) {
          const submitted = requests.filter((request) => request.distributionId === distributionId).flatMap((request) => request.paths);
          const requested = new Set(messages.flatMap(({ entries }) => entries.filter(([id]) => id === distributionId).map(([, path]) => path)));
          expect(new Set(submitted).size).toBe(submitted.length);
          for (const path of submitted) {
            expect(requested.has(path)).toBe(true);
            const coveredBy = submitted.filter((other) => other !== path && covers(other, path));
            expect(coveredBy, path).toStrictEqual([]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('(e) lists in each request exactly the messages with a path it covers', () => {
    fc.assert(
      fc.property(messagesArb, limitsArb, (messages, limits) => {
        // Act
        const requests = plan(messages, limits);

        // Assess
        for (const request of requests) {
          const expected = messages
            .filter(({ entries }) => entries.some(([id, path]) => id === request.distributionId && request.paths.some((by) => covers(by, path))))
            .map(({ messageId }) => messageId)
            .sort();
          expect(request.messageIds).toStrictEqual(expected);
        }
        // Every message is in at least one request.
        const listed = new Set(requests.flatMap((request) => request.messageIds));
        for (const { messageId } of messages) expect(listed.has(messageId)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('gives each request its own caller reference, the same on a replay', () => {
    fc.assert(
      fc.property(messagesArb, limitsArb, (messages, limits) => {
        // Act
        const first = plan(messages, limits);
        const replay = plan(messages, limits);

        // Assess
        expect(replay.map((request) => request.callerReference)).toStrictEqual(first.map((request) => request.callerReference));
        expect(new Set(first.map((request) => request.callerReference)).size).toBe(first.length);
      }),
      { numRuns: 200 },
    );
  });
});
