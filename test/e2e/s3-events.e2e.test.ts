import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../lambda/metrics.ts';
import type { LocalActivity } from '../../local/activity.ts';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import type { LocalEnvironment } from '../../local/environment.ts';
import { EVENTBRIDGE_OBJECT_DELETED_EXAMPLE, NOTIFICATION_PUT_EXAMPLE, TEST_EVENT_EXAMPLE, withObject } from '../fixtures/s3-events.ts';
import { E2E_CONTEXT, MEDIA, WWW, publish, recordingIo, startE2eEnvironment, waitFor, waitForEmpty, waitForPaths } from './support.ts';

/**
 * S3 events on the wire: sent with the SDK (or `cfiq send --s3-key`) to fauxqs, received by the poller, invalidated by
 * the real handler through the CloudFront emulator's HTTP API, dead-lettered through SQS with their reason.
 */
const CONTEXT = {
  ...E2E_CONTEXT,
  buckets: [
    { name: 'example-site', distributionId: WWW, keyPrefix: 'public/', indexDocument: 'index.html' },
    { name: 'DOC-EXAMPLE-BUCKET1', distributionId: MEDIA, pathPrefix: '/media/' },
  ],
};

describe('local mode: S3 events over the wire', () => {
  let env: LocalEnvironment;
  let activity: LocalActivity[];
  /** The same configuration for `cfiq send` to check against (`--config`). */
  let configFile: string;

  beforeAll(async () => {
    ({ env, activity } = await startE2eEnvironment({ context: CONTEXT, batchingWindowSeconds: 1 }));
    configFile = join(mkdtempSync(join(tmpdir(), 'cfiq-s3-')), 'invalidator.json');
    writeFileSync(configFile, JSON.stringify(CONTEXT));
  });
  afterAll(() => env?.close());

  it('cfiq send --s3-key: a notification whose encoded key reaches CloudFront encoded by the path rules', async () => {
    // Prepare
    const { io } = recordingIo({ CFIQ_QUEUE_URL: env.queueUrl });

    // Act
    const code = await runCli(['send', '--config', configFile, '--bucket', 'example-site', '--s3-key', 'public/menus/café menu.png', '--s3-key', 'public/menus/index.html'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    await waitForPaths(env, WWW, ['/menus/caf%C3%A9%20menu.png', '/menus/index.html', '/menus/']);
    await waitForEmpty(env, env.queueUrl);
  });

  it('an EventBridge Object Deleted event (the documented example) invalidates its key under pathPrefix', async () => {
    // Act
    await publish(env, withObject(EVENTBRIDGE_OBJECT_DELETED_EXAMPLE, { key: 'old+report.pdf' }));

    // Assess
    await waitForPaths(env, MEDIA, ['/media/old%20report.pdf']);
  });

  it("S3's test event is acknowledged and counted: the queue empties, nothing is dead-lettered", async () => {
    // Prepare
    const before = env.metrics.total(METRICS.s3TestEvents);

    // Act
    await publish(env, TEST_EVENT_EXAMPLE);
    await waitFor('the test event counted', () => (env.metrics.total(METRICS.s3TestEvents) > before ? true : undefined));

    // Assess
    await waitForEmpty(env, env.queueUrl);
    expect(await env.depth(env.deadLetterQueueUrl)).toStrictEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('a notification of a bucket not configured reaches the dead-letter queue unchanged, with UnknownBucket', async () => {
    // Act
    const body = JSON.stringify(NOTIFICATION_PUT_EXAMPLE);
    const id = await publish(env, body);
    await waitFor('dead-lettered', () => (activity.some((entry) => entry.kind === 'dead-lettered' && entry.messageId === id) ? true : undefined));

    // Assess
    const { Messages = [] } = await env.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: env.deadLetterQueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    const letter = Messages.find((message) => message.MessageAttributes?.SourceMessageId?.StringValue === id);
    expect(letter?.Body).toBe(body);
    expect(letter?.MessageAttributes?.ErrorCode?.StringValue).toBe('UnknownBucket');
    expect(letter?.MessageAttributes?.ErrorMessage?.StringValue).toBe(
      'Records[0]: bucket "mybucket" is not a configured bucket (configured: example-site, DOC-EXAMPLE-BUCKET1)',
    );
  });
});
