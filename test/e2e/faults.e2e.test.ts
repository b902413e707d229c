import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalActivity } from '../../local/activity.ts';
import type { LocalEnvironment } from '../../local/environment.ts';
import { METRICS } from '../../lambda/metrics.ts';
import { LOCAL_DISTRIBUTION } from '../helpers/factories.ts';
import { WWW, publish, startE2eEnvironment, uniquePath, waitForEmpty, waitForPaths } from './support.ts';

/**
 * The CloudFront emulator answers most requests with Throttling, 503 or a reset connection. The SDK retries some,
 * the handler delays the rest through their visibility timeout (retry delays of 1 to 2 s here), and every path
 * gets through. One distribution, so the seeded fault sequence meets the same requests on every run (per batch,
 * ListInvalidations, then CreateInvalidation); with seed 3 some CreateInvalidation outlives the SDK's three tries.
 */
describe('transient CloudFront faults', () => {
  let env: LocalEnvironment;
  let activity: LocalActivity[];

  beforeAll(async () => {
    ({ env, activity } = await startE2eEnvironment({
      context: { ...LOCAL_DISTRIBUTION, maxReceiveCount: 10 },
      batchingWindowSeconds: 1,
      faults: { seed: 3, throttleRate: 0.5, serviceUnavailableRate: 0.2, connectionResetRate: 0.1 },
      retryBaseDelaySeconds: 1,
      retryMaxDelaySeconds: 2,
    }));
  });
  afterAll(() => env?.close());

  it('are retried until they succeed: every path invalidated, nothing dead-lettered', async () => {
    // Prepare
    const paths = Array.from({ length: 6 }, (_, index) => uniquePath(`fault-${index}`));

    // Act
    for (const path of paths) await publish(env, { urls: [`https://www.example.org${path}`] });
    await waitForPaths(env, WWW, paths, 40_000);
    await waitForEmpty(env, env.queueUrl, 20_000);

    // Assess
    const stats = env.emulator.stats();
    const faults = stats.faults.throttling + stats.faults.serviceUnavailable + stats.faults.connectionReset;
    expect(faults, `faults injected: ${JSON.stringify(stats.faults)}; CreateInvalidation requests: ${stats.requests}`).toBeGreaterThan(0);
    // Some failures outlived the SDK's own retries and were retried by the handler, through the queue.
    expect(env.metrics.total(METRICS.transientFailures)).toBeGreaterThan(0);
    expect(activity).toContainEqual(expect.objectContaining({ kind: 'invalidation-failed', transient: true }));
    expect(activity.filter((entry) => entry.kind === 'dead-lettered')).toStrictEqual([]);
    const dlq = await env.depth(env.deadLetterQueueUrl);
    expect(dlq.visible + dlq.inFlight).toBe(0);
  });
});
