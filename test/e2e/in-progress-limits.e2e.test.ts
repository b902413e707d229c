import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PATHS_PER_INVALIDATION } from '../../lambda/limits.ts';
import type { LocalActivity } from '../../local/activity.ts';
import type { LocalEnvironment } from '../../local/environment.ts';
import type { InvocationReport } from '../../local/poller.ts';
import { MEDIA, WWW, invalidationsWith, startE2eEnvironment, uniquePath, waitFor, waitForEmpty } from './support.ts';

/**
 * CloudFront's in-progress limits (3,000 file paths per distribution), enforced by the emulator: a batch holding
 * more than that for one distribution sends the 3,000 paths that fit, and puts what the messages still owe back on
 * the queue, delayed until the invalidation ahead of them is expected to complete (2 s here). Nothing is created
 * twice, nothing is refused, and the innocent message of the same batch is simply acknowledged.
 */
describe('in-progress limits, through the CloudFront emulator', () => {
  let env: LocalEnvironment;
  let activity: LocalActivity[];
  const invocations: Array<InvocationReport & { readonly requestsSoFar: number }> = [];

  beforeAll(async () => {
    ({ env, activity } = await startE2eEnvironment({
      batchingWindowSeconds: 1,
      completionDelayMs: 2_000,
      retryBaseDelaySeconds: 1,
      retryMaxDelaySeconds: 2,
      onInvocation: (report) => invocations.push({ ...report, requestsSoFar: env.emulator.requests.length }),
    }));
  });
  afterAll(() => env?.close());

  it('a batch over 3,000 paths for one distribution: the first 3,000 once, the rest as a remainder, nothing created twice', async () => {
    // Prepare: 4,000 distinct paths for WWW; sorted, the first request holds all of "first" and half of "second"
    const base = uniquePath('bulk');
    const first = Array.from({ length: 2_000 }, (_, index) => `${base}a/${String(index).padStart(5, '0')}`);
    const second = Array.from({ length: 2_000 }, (_, index) => `${base}b/${String(index).padStart(5, '0')}`);
    const image = `${uniquePath('images')}logo.png`;
    const bodies = [
      { distributionId: WWW, paths: first, source: 'e2e', reason: 'bulk publish' },
      { distributionId: WWW, paths: second, source: 'e2e', reason: 'bulk publish' },
      { urls: [`https://media.example.org${image}`] },
    ];

    // Act: one SendMessageBatch, so the three land in one batch
    await env.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: env.queueUrl,
        Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: JSON.stringify(body) })),
      }),
    );
    const wanted = [...first, ...second];
    await waitFor(
      'all 4,000 paths invalidated',
      () => {
        const invalidated = new Set(env.emulator.invalidations(WWW).flatMap((invalidation) => invalidation.paths));
        return wanted.every((path) => invalidated.has(path)) ? true : undefined;
      },
      40_000,
    );
    await waitForEmpty(env, env.queueUrl, 20_000);

    // Assess: every path in exactly one invalidation (none re-created): 3,000 at once, then the remainder's 1,000
    const ours = env.emulator.invalidations(WWW).filter((invalidation) => invalidation.paths.some((path) => path.startsWith(base)));
    expect(ours.map((invalidation) => invalidation.paths.length)).toStrictEqual([MAX_PATHS_PER_INVALIDATION, 1_000]);
    const submitted = ours.flatMap((invalidation) => invalidation.paths);
    expect(submitted).toHaveLength(wanted.length);
    expect(new Set(submitted)).toStrictEqual(new Set(wanted));
    expect(ours[1]!.paths).toStrictEqual(second.slice(1_000));

    // The first invocation sent two requests (WWW's first 3,000 paths, MEDIA's one), both created; the rest waited.
    const firstInvocation = invocations[0]!;
    expect(firstInvocation.records).toBe(3);
    expect(firstInvocation.failedMessageIds).toStrictEqual([]);
    const firstRequests = env.emulator.requests.slice(0, firstInvocation.requestsSoFar).filter((request) => request.operation === 'CreateInvalidation');
    expect(firstRequests.map((request) => [request.distributionId, request.outcome])).toStrictEqual([
      [MEDIA, 'success'],
      [WWW, 'success'],
    ]);
    expect(activity.filter((entry) => entry.kind === 'invalidation-failed')).toStrictEqual([]);
    // The waiting part came back only once the first 3,000 completed: CloudFront never refused it.
    expect(env.emulator.requests.filter((request) => request.operation === 'CreateInvalidation' && request.outcome !== 'success')).toStrictEqual([]);

    // The innocent message: invalidated once; nothing dead-lettered.
    expect(invalidationsWith(env, MEDIA, image)).toHaveLength(1);
    expect(activity.filter((entry) => entry.kind === 'dead-lettered')).toStrictEqual([]);
    const dlq = await env.depth(env.deadLetterQueueUrl);
    expect(dlq.visible + dlq.inFlight + dlq.delayed).toBe(0);
  });
});
