import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import type { LocalActivity } from '../../local/activity.ts';
import type { LocalEnvironment } from '../../local/environment.ts';
import {
  E2E_CONTEXT,
  MEDIA,
  WWW,
  invalidationsWith,
  publish,
  recordingIo,
  startE2eEnvironment,
  uniquePath,
  waitFor,
  waitForEmpty,
  waitForPaths,
} from './support.ts';

/**
 * Publish events through fauxqs, the poller, the real handler and the CloudFront emulator, with the real SDK on
 * both sides and the local default batching window (2 s).
 */
describe('local pipeline', () => {
  let env: LocalEnvironment;
  let activity: LocalActivity[];

  beforeAll(async () => {
    ({ env, activity } = await startE2eEnvironment());
  });
  afterAll(() => env?.close());

  // How long a publish waits for its invalidation is the batching window's business: bench/cost.ts replays it in
  // virtual time (maxDelayMs within the window, checked by test/bench/smoke.test.ts), not measured on a loaded machine.
  it('a publish event becomes an invalidation', async () => {
    // Prepare
    const path = uniquePath('news');

    // Act
    await publish(env, { urls: [`https://www.example.org${path}`], source: 'e2e' });
    await waitForPaths(env, WWW, [path]);

    // Assess
    expect(invalidationsWith(env, WWW, path)).toHaveLength(1);
    await waitForEmpty(env, env.queueUrl);
  });

  it('two events for the same path in one window give one path in one request', async () => {
    // Prepare
    const path = uniquePath('coalesce');
    const other = uniquePath('other');

    // Act
    await publish(env, { urls: [`https://www.example.org${path}`] });
    await publish(env, { distributionId: WWW, paths: [path, other] });
    await waitForPaths(env, WWW, [path, other]);
    await waitForEmpty(env, env.queueUrl);

    // Assess
    const [invalidation, ...more] = invalidationsWith(env, WWW, path);
    expect(more).toHaveLength(0);
    expect(invalidation!.paths.filter((p) => p === path)).toHaveLength(1);
    expect(invalidation!.paths).toContain(other);
    expect(activity).toContainEqual(expect.objectContaining({ kind: 'invalidation', invalidationId: invalidation!.id, messages: 2 }));
  });

  it('routes URLs of several distributions in one batch to one request each', async () => {
    // Prepare
    const page = uniquePath('page');
    const image = `${uniquePath('images')}chart.png`;

    // Act
    await publish(env, { urls: [`https://www.example.org${page}`, `https://media.example.org${image}`] });
    await waitForPaths(env, WWW, [page]);
    await waitForPaths(env, MEDIA, [image]);

    // Assess
    expect(invalidationsWith(env, WWW, page)).toHaveLength(1);
    expect(invalidationsWith(env, MEDIA, image)).toHaveLength(1);
  });

  it('a poison message lands in the dead-letter queue with its ErrorCode', async () => {
    // Prepare
    const list = recordingIo({ CFIQ_DLQ_URL: env.deadLetterQueueUrl });

    // Act
    const messageId = await publish(env, '{"urls": ["https://www.example.org/half-written');
    await waitFor('the dead-lettered message', () => activity.find((entry) => entry.kind === 'dead-lettered' && entry.messageId === messageId));
    await waitForEmpty(env, env.queueUrl);
    const code = await runCli(['dlq', 'list', '--json'], list.io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(list.stdout())).toContainEqual(
      expect.objectContaining({ sourceMessageId: messageId, errorCode: 'InvalidJson', errorMessage: expect.stringMatching(/^body is not valid JSON/) }),
    );
  });

  it('cfiq send and cfiq status work against the local endpoints', async () => {
    // Prepare
    const path = uniquePath('sent-by-cfiq');
    const configFile = join(mkdtempSync(join(tmpdir(), 'cfiq-e2e-')), 'cdk.json');
    writeFileSync(configFile, JSON.stringify({ context: { invalidator: E2E_CONTEXT } }));
    const send = recordingIo({ CFIQ_QUEUE_URL: env.queueUrl });
    const status = recordingIo({ AWS_ENDPOINT_URL_CLOUDFRONT: env.cloudfrontEndpoint });

    // Act
    const sendCode = await runCli(['send', '--config', configFile, '--reason', 'e2e', `https://example.org${path}`], send.io);
    await waitForPaths(env, WWW, [path]);
    const statusCode = await runCli(['status', '--config', configFile, '--json'], status.io);

    // Assess
    expect(sendCode).toBe(EXIT_CODES.ok);
    expect(statusCode).toBe(EXIT_CODES.ok);
    const [invalidation] = invalidationsWith(env, WWW, path);
    const www = (JSON.parse(status.stdout()) as { distributions: Array<{ distributionId: string; invalidations: unknown[] }> }).distributions.find(
      (distribution) => distribution.distributionId === WWW,
    );
    expect(www?.invalidations).toContainEqual(
      expect.objectContaining({ distributionId: WWW, invalidationId: invalidation!.id, status: 'Completed', paths: invalidation!.paths.length }),
    );
  });
});
