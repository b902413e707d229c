import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../lambda/metrics.ts';
import type { LocalEnvironment } from '../../local/environment.ts';
import { s3Notification } from '../../local/s3-events.ts';
import { E2E_CONTEXT, WWW, startE2eEnvironment, waitFor, waitForEmpty } from './support.ts';

/**
 * A static site rebuilt and synced with `aws s3 sync`: 2,000 objects change at once, S3 sends one notification per
 * object, and local mode (fauxqs, the poller, the real handler, the CloudFront emulator over HTTP) must invalidate
 * each changed path once, coalesced, with and without the wildcard collapse.
 */

const BUCKET = { name: 'example-site', distributionId: WWW, keyPrefix: 'public/', pathPrefix: '/', indexDocument: 'index.html' };

/** 2,000 keys: 200 pages (each also its directory, by the index document), 1,500 images, 300 documents. */
const PAGES = Array.from({ length: 200 }, (_, index) => `blog/post-${String(index).padStart(3, '0')}/index.html`);
const IMAGES = Array.from({ length: 1500 }, (_, index) => `assets/img/photo ${String(index).padStart(4, '0')}.jpg`);
const DOCUMENTS = Array.from({ length: 300 }, (_, index) => `docs/page-${String(index).padStart(3, '0')}.html`);
const KEYS = [...PAGES, ...IMAGES, ...DOCUMENTS];

/** The paths the sync must invalidate: each key's, and each page's directory. */
const EXPECTED_PATHS = new Set([
  ...PAGES.flatMap((key) => [`/${key}`, `/${key.slice(0, -'index.html'.length)}`]),
  ...IMAGES.map((key) => `/${key.replace(' ', '%20')}`),
  ...DOCUMENTS.map((key) => `/${key}`),
]);

/** Every body of the burst: S3's test event, a notification per key, 100 keys written twice, 5 keys outside `public/`. */
function syncBodies(): string[] {
  const notification = (key: string, event?: string) => JSON.stringify(s3Notification(BUCKET.name, [key], event));
  return [
    JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date().toISOString(), Bucket: BUCKET.name }),
    ...KEYS.map((key) => notification(`public/${key}`)),
    ...IMAGES.slice(0, 100).map((key) => notification(`public/${key}`)),
    ...Array.from({ length: 5 }, (_, index) => notification(`drafts/${index}.html`)),
  ];
}

/** Send the bodies 10 to a SendMessageBatch call, 20 calls at a time, as a sync's notifications arrive. */
async function sendBurst(env: LocalEnvironment, bodies: readonly string[]): Promise<void> {
  const batches: string[][] = [];
  for (let index = 0; index < bodies.length; index += 10) batches.push(bodies.slice(index, index + 10));
  for (let index = 0; index < batches.length; index += 20) {
    await Promise.all(
      batches.slice(index, index + 20).map(async (batch) => {
        const output = await env.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: env.queueUrl, Entries: batch.map((body, entry) => ({ Id: String(entry), MessageBody: body })) }),
        );
        expect(output.Failed ?? []).toStrictEqual([]);
      }),
    );
  }
}

/** Is `path` one of `submitted`, or under one of its wildcards? */
function covered(path: string, submitted: ReadonlySet<string>, wildcards: readonly string[]): boolean {
  return submitted.has(path) || wildcards.some((wildcard) => path.startsWith(wildcard.slice(0, -1)));
}

describe('local mode: an S3 sync burst of 2,000 keys', () => {
  let env: LocalEnvironment | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  /** Run the burst through local mode with one batch for all of it; what CloudFront was asked, and the metrics. */
  async function runSync(context: Record<string, unknown>) {
    ({ env } = await startE2eEnvironment({ context, batchSize: 10_000, batchingWindowSeconds: 8 }));
    const bodies = syncBodies();
    await sendBurst(env, bodies);
    await waitFor('the burst to be processed', () => (env!.metrics.total(METRICS.messagesReceived) >= bodies.length ? true : undefined), 60_000);
    await waitForEmpty(env, env.queueUrl, 30_000);
    const invalidations = env.emulator.invalidations(WWW);
    const billed = invalidations.flatMap((invalidation) => invalidation.paths);
    return { invalidations, billed, messages: bodies.length, deadLetters: await env.depth(env.deadLetterQueueUrl), metrics: env.metrics };
  }

  it('without collapse: every changed path invalidated once, coalesced into one request, billed paths = distinct paths', async () => {
    // Act
    const { invalidations, billed, messages, deadLetters, metrics } = await runSync({ ...E2E_CONTEXT, buckets: [BUCKET] });

    // Assess
    expect(messages).toBe(2106);
    expect(EXPECTED_PATHS.size).toBe(2200);
    expect(invalidations).toHaveLength(1);
    expect(billed).toHaveLength(EXPECTED_PATHS.size);
    expect(new Set(billed)).toStrictEqual(EXPECTED_PATHS);
    expect(deadLetters).toStrictEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(metrics.total(METRICS.s3TestEvents)).toBe(1);
    expect(metrics.total(METRICS.s3KeysIgnored)).toBe(5);
    expect(metrics.total(METRICS.pathsSubmitted)).toBe(2200);
  });

  it('with the wildcard collapse: every changed path covered, each billed path distinct, far fewer of them', async () => {
    // Act
    const { invalidations, billed, deadLetters } = await runSync({ ...E2E_CONTEXT, buckets: [BUCKET], wildcardCollapse: { minPathsPerDirectory: 10 } });

    // Assess
    const submitted = new Set(billed);
    expect(submitted.size).toBe(billed.length);
    const wildcards = billed.filter((path) => path.endsWith('*'));
    expect(wildcards.length).toBeGreaterThan(0);
    expect(wildcards.length).toBeLessThanOrEqual(15);
    expect([...EXPECTED_PATHS].filter((path) => !covered(path, submitted, wildcards))).toStrictEqual([]);
    expect(billed.length).toBeLessThan(EXPECTED_PATHS.size / 10);
    expect(invalidations).toHaveLength(1);
    expect(deadLetters).toStrictEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
