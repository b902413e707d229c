import { describe, expect, it } from 'vitest';
import { parseMessageBody } from '../../lambda/read/message.ts';
import { callerReference, planInvalidations } from '../../lambda/plan/plan.ts';
import { resolveTargets } from '../../lambda/resolve/targets.ts';
import { DistributionRouter } from '../../lambda/resolve/routing.ts';
import { MEDIA_DISTRIBUTION_ID, WWW_DISTRIBUTION_ID, sqsRecord, testConfig } from '../helpers/factories.ts';
import type { AcceptedMessage } from '../../lambda/types.ts';

const defaults = { maxPathsPerInvalidation: 3000, maxWildcardsPerInvalidation: 15 };

/** An accepted message with its paths given as `{ distributionId: paths }`. */
function accepted(messageId: string, pathsById: Record<string, string[]>): AcceptedMessage {
  return { messageId, targets: Object.entries(pathsById).flatMap(([distributionId, paths]) => paths.map((path) => ({ distributionId, path }))) };
}

describe('planInvalidations', () => {
  it('plans nothing for no messages', () => {
    // Act
    const requests = planInvalidations([], defaults);

    // Assess
    expect(requests).toStrictEqual([]);
  });

  it('coalesces three URLs of one host into ONE request', () => {
    // Prepare: the example, through the whole message path
    const router = new DistributionRouter(testConfig());
    const records = [
      sqsRecord({ messageId: 'm1', body: { urls: ['http://www.example.com/path/to/page?query=value'] } }),
      sqsRecord({ messageId: 'm2', body: { urls: ['http://www.example.com/another/path'] } }),
      sqsRecord({ messageId: 'm3', body: { urls: ['http://www.example.com?root=query'] } }),
    ];
    const messages = records.map((record) => ({ messageId: record.messageId, targets: resolveTargets(parseMessageBody(record.body), router) }));

    // Act
    const requests = planInvalidations(messages, testConfig());

    // Assess
    expect(requests).toStrictEqual([
      {
        distributionId: WWW_DISTRIBUTION_ID,
        paths: ['/?root=query', '/another/path', '/path/to/page?query=value'],
        messageIds: ['m1', 'm2', 'm3'],
        callerReference: callerReference(WWW_DISTRIBUTION_ID, ['/?root=query', '/another/path', '/path/to/page?query=value'], ['m1', 'm2', 'm3']),
      },
    ]);
  });

  it('makes one request per distribution, in distribution id order', () => {
    // Prepare
    const messages = [
      accepted('m1', { [WWW_DISTRIBUTION_ID]: ['/a'], [MEDIA_DISTRIBUTION_ID]: ['/img/1.png'] }),
      accepted('m2', { [MEDIA_DISTRIBUTION_ID]: ['/img/2.png'] }),
    ];

    // Act
    const requests = planInvalidations(messages, defaults);

    // Assess
    expect(requests.map(({ distributionId, paths, messageIds }) => ({ distributionId, paths, messageIds }))).toStrictEqual([
      { distributionId: MEDIA_DISTRIBUTION_ID, paths: ['/img/1.png', '/img/2.png'], messageIds: ['m1', 'm2'] },
      { distributionId: WWW_DISTRIBUTION_ID, paths: ['/a'], messageIds: ['m1'] },
    ]);
  });

  it('drops paths a wildcard covers and credits their messages to the wildcard', () => {
    // Prepare
    const messages = [
      accepted('m1', { E1: ['/blog/*', '/blog'] }),
      accepted('m2', { E1: ['/blog/a', '/blog/'] }),
      accepted('m3', { E1: ['/blog'] }),
    ];

    // Act
    const requests = planInvalidations(messages, defaults);

    // Assess
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ paths: ['/blog', '/blog/*'], messageIds: ['m1', 'm2', 'm3'] });
  });

  it('lists, per request, only the messages with a path covered by it', () => {
    // Prepare
    const messages = [
      accepted('first', { E1: ['/a', '/b'] }),
      accepted('spans-both', { E1: ['/b', '/c'] }),
      accepted('second', { E1: ['/d'] }),
      accepted('covered', { E1: ['/d/x'] }),
      accepted('wildcard', { E1: ['/d/*'] }),
    ];

    // Act
    const requests = planInvalidations(messages, { maxPathsPerInvalidation: 2, maxWildcardsPerInvalidation: 15 });

    // Assess
    expect(requests.map(({ paths, messageIds }) => ({ paths, messageIds }))).toStrictEqual([
      { paths: ['/a', '/b'], messageIds: ['first', 'spans-both'] },
      { paths: ['/c', '/d'], messageIds: ['second', 'spans-both'] },
      { paths: ['/d/*'], messageIds: ['covered', 'wildcard'] },
    ]);
  });

  it('splits by the wildcard limit', () => {
    // Prepare
    const wildcards = Array.from({ length: 17 }, (_, index) => `/section-${String(index).padStart(2, '0')}/*`);
    const messages = [accepted('m1', { E1: wildcards })];

    // Act
    const requests = planInvalidations(messages, defaults);

    // Assess
    expect(requests.map((request) => request.paths)).toStrictEqual([wildcards.slice(0, 15), wildcards.slice(15)]);
    expect(requests.map((request) => request.messageIds)).toStrictEqual([['m1'], ['m1']]);
  });

  it('splits 10,000 paths of one message into requests of at most 3,000', () => {
    // Prepare
    const paths = Array.from({ length: 10_000 }, (_, index) => `/page/${index}`);

    // Act
    const requests = planInvalidations([accepted('m1', { E1: paths })], defaults);

    // Assess
    expect(requests.map((request) => request.paths.length)).toStrictEqual([3000, 3000, 3000, 1000]);
    expect(new Set(requests.flatMap((request) => request.paths)).size).toBe(10_000);
  });

  it('does not depend on message order', () => {
    // Prepare
    const messages = [accepted('m1', { E1: ['/b', '/a/*'] }), accepted('m2', { E1: ['/a/x'], E2: ['/c'] }), accepted('m3', { E2: ['/c', '/d'] })];

    // Act
    const forward = planInvalidations(messages, { maxPathsPerInvalidation: 1, maxWildcardsPerInvalidation: 1 });
    const backward = planInvalidations([...messages].reverse(), { maxPathsPerInvalidation: 1, maxWildcardsPerInvalidation: 1 });

    // Assess
    expect(backward).toStrictEqual(forward);
  });
});

describe('callerReference', () => {
  const reference = callerReference('E1', ['/a', '/b'], ['m1', 'm2']);

  it('is "cfiq-" and a SHA-256', () => {
    // Assess
    expect(reference).toMatch(/^cfiq-[0-9a-f]{64}$/);
  });

  it('is the same for the same inputs', () => {
    // Act
    const again = callerReference('E1', ['/a', '/b'], ['m1', 'm2']);

    // Assess
    expect(again).toBe(reference);
  });

  it.each([
    ['another distribution', ['E2', ['/a', '/b'], ['m1', 'm2']]],
    ['another path', ['E1', ['/a', '/c'], ['m1', 'm2']]],
    ['a path less', ['E1', ['/a'], ['m1', 'm2']]],
    ['another message id', ['E1', ['/a', '/b'], ['m1', 'm3']]],
    ['a message id less', ['E1', ['/a', '/b'], ['m1']]],
    ['a path moved to the ids', ['E1', ['/a'], ['/b', 'm1', 'm2']]],
    ['paths joined differently', ['E1', ['/a/b'], ['m1', 'm2']]],
  ] as const)('differs for %s', (_name, [distributionId, paths, ids]) => {
    // Act
    const other = callerReference(distributionId, paths, ids);

    // Assess
    expect(other).not.toBe(reference);
  });

  it('differs between the requests of one plan', () => {
    // Prepare
    const paths = Array.from({ length: 7 }, (_, index) => `/p${index}`);

    // Act
    const requests = planInvalidations([accepted('m1', { E1: paths })], { maxPathsPerInvalidation: 2, maxWildcardsPerInvalidation: 1 });

    // Assess
    expect(new Set(requests.map((request) => request.callerReference)).size).toBe(requests.length);
  });
});
