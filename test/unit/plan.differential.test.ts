import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunk } from '../../lambda/plan/chunk.ts';
import { coalesce } from '../../lambda/plan/coalesce.ts';
import { collapseToWildcards } from '../../lambda/plan/wildcard-collapse.ts';
import { callerReference, planInvalidations, type PlanOptions } from '../../lambda/plan/plan.ts';
import { distinctTargets, pathsByDistribution } from '../../lambda/resolve/targets.ts';
import type { AcceptedMessage, InvalidationRequest } from '../../lambda/types.ts';

/**
 * planInvalidations against a naive model of what it must return: per distribution (sorted), coalesce every path
 * asked for, chunk, and give each request the sorted distinct ids of the messages with a path it covers. The planner
 * keeps indices, marks and a single-request shortcut for speed; the model keeps none of that.
 */

function naivePlan(messages: readonly AcceptedMessage[], options: PlanOptions): InvalidationRequest[] {
  const grouped = messages.map((message) => ({ messageId: message.messageId, paths: pathsByDistribution(message.targets) }));
  const distributionIds = [...new Set(grouped.flatMap((message) => [...message.paths.keys()]))].sort();
  return distributionIds.flatMap((distributionId) => {
    const asked = grouped.flatMap((message) => [...(message.paths.get(distributionId) ?? [])]);
    const { paths, coveredBy } =
      options.wildcardCollapse === undefined
        ? coalesce(asked)
        : collapseToWildcards(asked, { ...options.wildcardCollapse, maxWildcards: options.maxWildcardsPerInvalidation });
    return chunk(paths, options).map((chunkPaths) => {
      const messageIds = [
        ...new Set(
          grouped
            .filter((message) => [...(message.paths.get(distributionId) ?? [])].some((path) => chunkPaths.includes(coveredBy.get(path) ?? path)))
            .map((message) => message.messageId),
        ),
      ].sort();
      return { distributionId, paths: chunkPaths, messageIds, callerReference: callerReference(distributionId, chunkPaths, messageIds) };
    });
  });
}

const pathArb = fc
  .tuple(fc.array(fc.constantFrom('a', 'b', 'news', 'caf%C3%A9'), { maxLength: 3 }), fc.constantFrom('', '/', '/*', '*', '?q=1'))
  .map(([segments, end]) => `/${segments.join('/')}${end}`.replace('//', '/'));
const messageArb = fc.record({
  // Few ids, so that a batch now and then holds one twice.
  messageId: fc.constantFrom('m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'M9', '0a'),
  targets: fc
    .array(fc.tuple(fc.constantFrom('EAAA', 'EBBB', 'ECCC'), pathArb), { maxLength: 12 })
    .map((pairs) => distinctTargets(pairs.map(([distributionId, path]) => ({ distributionId, path })))),
});
const optionsArb: fc.Arbitrary<PlanOptions> = fc.record(
  {
    maxPathsPerInvalidation: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(3000)),
    maxWildcardsPerInvalidation: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant(15)),
    wildcardCollapse: fc.record({ minPathsPerDirectory: fc.integer({ min: 2, max: 4 }) }),
    // Small enough to split requests by their paths' length.
    maxPathCharactersPerInvalidation: fc.integer({ min: 1, max: 30 }),
  },
  { requiredKeys: ['maxPathsPerInvalidation', 'maxWildcardsPerInvalidation'] },
);

describe('planInvalidations (differential, against a naive model)', () => {
  it('returns exactly the naive plan: requests, paths, message ids and caller references', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 12 }), optionsArb, (messages, options) => {
        // Act
        const requests = planInvalidations(messages, options);

        // Assess
        expect(requests).toStrictEqual(naivePlan(messages, options));
      }),
      { numRuns: 2_000 },
    );
  });
});
