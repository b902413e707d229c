import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import type { LocalActivity } from '../../local/activity.ts';
import type { LocalEnvironment } from '../../local/environment.ts';
import { WWW, invalidationsWith, publish, recordingIo, startE2eEnvironment, uniquePath, waitFor, waitForEmpty, waitForPaths } from './support.ts';

const NEW = 'E3NEWSITEEXAMPLE';

/**
 * An operator's round trip: a distribution is configured before it exists in CloudFront, so its messages are
 * dead-lettered (NoSuchDistribution); `cfiq dlq list` shows why without consuming them; once the distribution
 * exists, `cfiq dlq redrive` sends them back and they are invalidated.
 */
describe('cfiq dlq list and redrive', () => {
  let env: LocalEnvironment;
  let activity: LocalActivity[];

  beforeAll(async () => {
    ({ env, activity } = await startE2eEnvironment({
      context: {
        distributions: [
          { id: WWW, hostnames: ['www.example.org'] },
          { id: NEW, hostnames: ['new.example.org'] },
        ],
      },
      batchingWindowSeconds: 1,
      emulatorDistributions: [WWW],
    }));
  });
  afterAll(() => env?.close());

  it('round-trips dead-lettered messages back to the queue and into an invalidation', async () => {
    // Prepare: two messages for the distribution CloudFront does not know yet
    const paths = [uniquePath('launch'), uniquePath('launch')];
    const ids = [
      await publish(env, { urls: [`https://new.example.org${paths[0]}`] }),
      await publish(env, { distributionId: NEW, paths: [paths[1]] }),
    ];
    await waitFor('both dead-lettered', () =>
      ids.every((id) => activity.some((entry) => entry.kind === 'dead-lettered' && entry.messageId === id)) ? true : undefined,
    );
    await waitForEmpty(env, env.queueUrl);
    const targets = { CFIQ_QUEUE_URL: env.queueUrl, CFIQ_DLQ_URL: env.deadLetterQueueUrl };
    const list = recordingIo(targets);
    const table = recordingIo(targets);
    const redrive = recordingIo(targets);

    // Act: list (twice: JSON and table), fix, redrive
    const listCode = await runCli(['dlq', 'list', '--json'], list.io);
    const tableCode = await runCli(['dlq', 'list'], table.io);
    const depthAfterListing = await env.depth(env.deadLetterQueueUrl);
    env.emulator.addDistribution(NEW);
    const redriveCode = await runCli(['dlq', 'redrive'], redrive.io);
    await waitForPaths(env, NEW, paths);
    await waitForEmpty(env, env.queueUrl);

    // Assess: listed with the reason, not consumed
    expect(listCode).toBe(EXIT_CODES.ok);
    const listed = JSON.parse(list.stdout()) as Array<Record<string, unknown>>;
    expect(listed.map((message) => message.sourceMessageId).sort()).toStrictEqual([...ids].sort());
    for (const message of listed) expect(message).toMatchObject({ errorCode: 'NoSuchDistribution' });
    expect(tableCode).toBe(EXIT_CODES.ok);
    expect(table.stdout()).toMatch(/NoSuchDistribution .*CloudFront NoSuchDistribution/);
    expect(depthAfterListing).toMatchObject({ visible: 2, inFlight: 0 });
    // Assess: redriven (by the fallback: fauxqs has no StartMessageMoveTask) and invalidated
    expect(redriveCode).toBe(EXIT_CODES.ok);
    expect(redrive.stderr()).toMatch(/StartMessageMoveTask is not available here \(InvalidAction\)/);
    expect(redrive.stdout()).toMatch(/Moved 2 message\(s\)/);
    expect(invalidationsWith(env, NEW, paths[0]!)).toHaveLength(1);
    const dlq = await env.depth(env.deadLetterQueueUrl);
    expect(dlq.visible + dlq.inFlight).toBe(0);
  });
});
