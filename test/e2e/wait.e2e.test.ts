import { CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import type { LocalEnvironment, LocalEnvironmentOptions } from '../../local/environment.ts';
import { E2E_CONTEXT, MEDIA, publish, recordingIo, startE2eEnvironment, uniquePath, WWW } from './support.ts';

/**
 * `cfiq send --wait` and `cfiq wait` through local mode, end to end: the real handler, the poller, fauxqs and the
 * CloudFront emulator with completion delays. The commands get the endpoints as they would on AWS (queue URLs and
 * the CloudFront endpoint), not from local mode's state file.
 */
const CONFIG = join(mkdtempSync(join(tmpdir(), 'cfiq-wait-e2e-')), 'cdk.json');
writeFileSync(CONFIG, JSON.stringify({ context: { invalidator: E2E_CONTEXT } }));

let env: LocalEnvironment | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(options: Partial<LocalEnvironmentOptions>): Promise<LocalEnvironment> {
  ({ env } = await startE2eEnvironment({ batchingWindowSeconds: 0.3, batchSize: 10, ...options }));
  return env;
}

/** A CliIo with the environment's endpoints, as CI would set them for a deployed stack. */
function ioFor(local: LocalEnvironment) {
  return recordingIo({ CFIQ_QUEUE_URL: local.queueUrl, CFIQ_DLQ_URL: local.deadLetterQueueUrl, AWS_ENDPOINT_URL_CLOUDFRONT: local.cloudfrontEndpoint });
}

const FAST = ['--config', CONFIG, '--poll-interval', '0.2'];

describe('cfiq send --wait', () => {
  it('waits while the invalidation is in progress and exits 0 once it completed, with progress on stderr', async () => {
    // Prepare
    const local = await start({ completionDelayMs: 1_500 });
    const path = uniquePath('wait-live');
    const { io, stdout, stderr } = ioFor(local);
    const started = Date.now();

    // Act
    const code = await runCli(['send', '--wait', ...FAST, `https://www.example.org${path}`, `https://www.example.org${path}*`], io);

    // Assess
    expect({ code, stderr: stderr() }).toMatchObject({ code: EXIT_CODES.ok });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    const progress = stderr().split('\n');
    expect(progress[0]).toMatch(new RegExp(`^Waiting for message [0-9a-f-]{36} \\(2 paths on ${WWW}\\) to be invalidated; timeout 15 min 00 s$`));
    expect(progress[1]).toMatch(/^ {2}queued \(invalidations created since \S+ count\)$/);
    // The handler coalesced the path into the wildcard: one invalidation covers both.
    expect(progress[2]).toMatch(new RegExp(`^ {2}invalidation (\\w+) created on ${WWW} at \\S+: covers 2 of 2 paths, in progress$`));
    expect(progress[3]).toMatch(/^ {2}invalidation \w+ completed$/);
    expect(stdout()).toMatch(/^Sent message ([0-9a-f-]{36}) to .*\nLive after \d+ s: every path of message \1 is invalidated \(\w+\)\.$/);
  });

  it('--json prints one JSON document and no progress', async () => {
    // Prepare
    const local = await start({ completionDelayMs: 300 });
    const { io, stdout, stderr } = ioFor(local);

    // Act
    const code = await runCli(['send', '--wait', '--json', ...FAST, `https://media.example.org${uniquePath('json')}`], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stderr()).toBe('');
    const result = JSON.parse(stdout());
    expect(result).toMatchObject({ messageId: expect.any(String), wait: { outcome: 'live', paths: [{ distributionId: MEDIA, state: 'completed' }] } });
    expect(result.wait.invalidations).toMatchObject([{ distributionId: MEDIA, status: 'Completed' }]);
  });

  it('exits 5 with the ErrorCode and ErrorMessage when the message is dead-lettered', async () => {
    // Prepare: CloudFront does not know the media distribution.
    const local = await start({ emulatorDistributions: [WWW] });
    const { io, stderr } = ioFor(local);

    // Act
    const code = await runCli(['send', '--wait', ...FAST, `https://media.example.org${uniquePath('dead')}`], io);

    // Assess
    expect(code).toBe(EXIT_CODES.deadLettered);
    expect(stderr()).toMatch(new RegExp(`^ {2}CloudFront does not know distribution ${MEDIA} \\(ListInvalidations ${MEDIA} failed: NoSuchDistribution: .*\\): the message should be dead-lettered$`, 'm'));
    expect(stderr()).toMatch(/^Dead-lettered after \d+ s: message [0-9a-f-]{36} \(dead-letter entry [0-9a-f-]{36}\)$/m);
    expect(stderr()).toMatch(/^ {2}ErrorCode: NoSuchDistribution$/m);
    expect(stderr()).toMatch(/^ {2}ErrorMessage: CloudFront NoSuchDistribution: /m);
  });

  it('exits 6 at the timeout, naming what is still in progress', async () => {
    // Prepare
    const local = await start({ completionDelayMs: 60_000 });
    const path = uniquePath('slow');
    const { io, stderr } = ioFor(local);

    // Act
    const code = await runCli(['send', '--wait', '--timeout', '2', ...FAST, '--distribution', WWW, path], io);

    // Assess
    expect(code).toBe(EXIT_CODES.timedOut);
    expect(stderr()).toMatch(/^Timed out after 2 s: 1 in progress \(of 1 path\)$/m);
    expect(stderr()).toMatch(new RegExp(`^ {2}${WWW} ${path}: in progress \\(\\w+\\)$`, 'm'));
  });
});

describe('cfiq wait MESSAGE_ID', () => {
  it('waits for a message another producer sent', async () => {
    // Prepare
    const local = await start({ completionDelayMs: 500 });
    const path = uniquePath('sdk');
    const messageId = await publish(local, { urls: [`https://www.example.org${path}`], source: 'wagtail' });
    const { io, stdout, stderr } = ioFor(local);

    // Act
    const code = await runCli(['wait', messageId, '--since', '30s', ...FAST, '--urls', `https://www.example.org${path}`], io);

    // Assess
    expect({ code, stderr: stderr() }).toMatchObject({ code: EXIT_CODES.ok });
    expect(stdout()).toContain(`every path of message ${messageId} is invalidated`);
  });

  it('follows a message deferred for the in-progress budget: live once its re-sent remainder is invalidated', async () => {
    // Prepare: CloudFront's 15 wildcards in progress are taken for the next 2 s.
    const local = await start({ completionDelayMs: 2_000, invalidationSeconds: 1 });
    await fillWildcardBudget(local, WWW);
    const path = `${uniquePath('deferred')}*`;
    const messageId = await publish(local, { distributionId: WWW, paths: [path] });
    const { io, stdout, stderr } = ioFor(local);

    // Act
    const code = await runCli(['wait', messageId, '--since', '30s', ...FAST, '--distribution', WWW, path], io);

    // Assess
    expect({ code, stderr: stderr() }).toMatchObject({ code: EXIT_CODES.ok });
    expect(stdout()).toContain(`every path of message ${messageId} is invalidated`);
    expect(local.metrics.total('MessagesWaiting')).toBeGreaterThanOrEqual(1);
  });

  it('follows re-sent parts into the dead-letter queue by their OriginalMessageId (BacklogExpired)', async () => {
    // Prepare: the budget stays taken; a message may wait 60 s (the least maxBacklogAge), looking again every second.
    const local = await start({ completionDelayMs: 120_000, invalidationSeconds: 1, maxBacklogAgeSeconds: 60 });
    await fillWildcardBudget(local, MEDIA);
    const path = `${uniquePath('expired')}*`;
    // As if it had already waited 56 s: it waits a few times more (re-sent each time) and expires as a re-sent part.
    const { MessageId: messageId } = await local.sqs.send(
      new SendMessageCommand({
        QueueUrl: local.queueUrl,
        MessageBody: JSON.stringify({ distributionId: MEDIA, paths: [path] }),
        MessageAttributes: { FirstEnqueuedAt: { DataType: 'Number', StringValue: String(Date.now() - 56_000) } },
      }),
    );
    const { io, stderr } = ioFor(local);

    // Act
    const code = await runCli(['wait', messageId!, '--since', '30s', '--json', ...FAST, '--distribution', MEDIA, path], io);

    // Assess
    expect(code).toBe(EXIT_CODES.deadLettered);
    expect(stderr()).toBe('');
    const { Messages = [] } = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: local.deadLetterQueueUrl, MessageAttributeNames: ['All'], VisibilityTimeout: 0, WaitTimeSeconds: 1 }),
    );
    const attributes = Messages[0]?.MessageAttributes ?? {};
    // The entry is a re-sent part's: its own id is not the producer's, its OriginalMessageId is.
    expect(attributes.SourceMessageId?.StringValue).not.toBe(messageId);
    expect(attributes.OriginalMessageId?.StringValue).toBe(messageId);
    expect(attributes.ErrorCode?.StringValue).toBe('BacklogExpired');
  }, 40_000);
});

/** Take the distribution's 15 wildcard invalidations in progress, as a burst would. */
async function fillWildcardBudget(local: LocalEnvironment, distributionId: string): Promise<void> {
  for (let index = 0; index < 15; index++) {
    await local.cloudfront.send(
      new CreateInvalidationCommand({
        DistributionId: distributionId,
        InvalidationBatch: { CallerReference: `filler-${distributionId}-${index}-${Date.now()}`, Paths: { Quantity: 1, Items: [`/filler-${index}/*`] } },
      }),
    );
  }
}
