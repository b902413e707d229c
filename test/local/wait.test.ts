import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { Message } from '@aws-sdk/client-sqs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCloudFrontEmulator, type CloudFrontEmulator } from '../../local/cloudfront-emulator/index.ts';
import { LOCAL_CREDENTIALS } from '../../local/credentials.ts';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import { CLOCK_SKEW_ALLOWANCE_MS, isDeadLetterOf, PurgeWatch } from '../../local/cli/purge-watch.ts';
import { parseSince, resolveMessagePaths } from '../../local/cli/wait.ts';
import { MEDIA_DISTRIBUTION_ID as MEDIA, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { recordingIo } from './support.ts';

/** The CloudFront emulator on a clock the tests move: invalidations complete when the test says so. */
let emulator: CloudFrontEmulator;
let cloudfront: CloudFrontClient;
let clock = Date.parse('2026-12-06T12:00:00Z');
let configFile: string;

beforeAll(async () => {
  emulator = await startCloudFrontEmulator({ distributions: [WWW, MEDIA], completionDelayMs: 60_000, now: () => clock });
  cloudfront = new CloudFrontClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: LOCAL_CREDENTIALS });
  configFile = join(mkdtempSync(join(tmpdir(), 'cfiq-wait-')), 'cdk.json');
  writeFileSync(
    configFile,
    JSON.stringify({ context: { invalidator: { distributions: [{ id: WWW, hostnames: ['www.example.org'] }, { id: MEDIA, hostnames: ['media.example.org'] }] } } }),
  );
});
afterAll(async () => {
  cloudfront?.destroy();
  await emulator?.close();
});
beforeEach(() => {
  // Each test starts an hour after the last one's invalidations: they are old, and completed.
  clock += 3_600_000;
});

let references = 0;
async function invalidate(distributionId: string, ...paths: string[]): Promise<string> {
  const output = await cloudfront.send(
    new CreateInvalidationCommand({ DistributionId: distributionId, InvalidationBatch: { CallerReference: `wait-${++references}`, Paths: { Quantity: paths.length, Items: paths } } }),
  );
  return output.Invalidation!.Id!;
}

describe('PurgeWatch', () => {
  it('a path is queued, then in progress once an invalidation covers it, then live once that one completes', async () => {
    // Prepare
    const watch = new PurgeWatch(cloudfront, new Map([[WWW, ['/news/']]]), clock);

    // Act and Assess
    expect(await watch.poll()).toStrictEqual([]);
    expect(watch.paths()).toStrictEqual([{ distributionId: WWW, path: '/news/', state: 'queued' }]);

    clock += 1_000;
    const id = await invalidate(WWW, '/news/', '/other/');
    const created = await watch.poll();
    expect(created).toMatchObject([{ kind: 'created', covers: 1, of: 1, invalidation: { id, status: 'InProgress' } }]);
    expect(watch.paths()).toStrictEqual([{ distributionId: WWW, path: '/news/', state: 'in-progress', invalidationId: id }]);
    expect(watch.live).toBe(false);

    clock += 60_000;
    expect(await watch.poll()).toMatchObject([{ kind: 'completed', invalidation: { id } }]);
    expect(watch.live).toBe(true);
    expect(watch.paths()).toStrictEqual([{ distributionId: WWW, path: '/news/', state: 'completed', invalidationId: id }]);
  });

  it('a wildcard covers the paths under it, on its own distribution only', async () => {
    // Prepare
    const since = clock;
    clock += 1_000;
    const wildcard = await invalidate(WWW, '/news/*');
    clock += 60_000;
    const watch = new PurgeWatch(cloudfront, new Map([[WWW, ['/news/a', '/news/b*', '/blog/']], [MEDIA, ['/news/a']]]), since);

    // Act
    await watch.poll();

    // Assess
    expect(watch.paths().map(({ distributionId, path, state }) => `${distributionId} ${path} ${state}`)).toStrictEqual([
      `${WWW} /news/a completed`,
      `${WWW} /news/b* completed`,
      `${WWW} /blog/ queued`,
      `${MEDIA} /news/a queued`,
    ]);
    expect(watch.live).toBe(false);
    expect(watch.invalidations().map((invalidation) => invalidation.id)).toStrictEqual([wildcard]);
  });

  it('an invalidation created before the send (beyond the clock allowance) does not count; one within it does', async () => {
    // Prepare
    await invalidate(WWW, '/early/');
    clock += CLOCK_SKEW_ALLOWANCE_MS + 1_000;
    const within = await invalidate(WWW, '/within/');
    clock += 60_000;
    const since = clock - 60_000 + CLOCK_SKEW_ALLOWANCE_MS / 2;

    // Act
    const watch = new PurgeWatch(cloudfront, new Map([[WWW, ['/early/', '/within/']]]), since);
    await watch.poll();

    // Assess
    expect(watch.paths()).toStrictEqual([
      { distributionId: WWW, path: '/early/', state: 'queued' },
      { distributionId: WWW, path: '/within/', state: 'completed', invalidationId: within },
    ]);
  });

  it('a path covered by two invalidations is live once either completes', async () => {
    // Prepare
    const since = clock;
    clock += 1_000;
    const first = await invalidate(WWW, '/both/');
    clock += 30_000;
    await invalidate(WWW, '/both/*');
    const watch = new PurgeWatch(cloudfront, new Map([[WWW, ['/both/']]]), since);

    // Act
    await watch.poll();
    clock += 30_000;
    await watch.poll();

    // Assess
    expect(watch.paths()).toStrictEqual([{ distributionId: WWW, path: '/both/', state: 'completed', invalidationId: first }]);
  });
});

describe('isDeadLetterOf', () => {
  const entry = (messageId: string, attributes: Record<string, string>): Message => ({
    MessageId: messageId,
    MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }])),
  });

  it.each([
    ['dead-lettered by the handler (SourceMessageId)', entry('dlq-1', { SourceMessageId: 'm1', ErrorCode: 'UnknownHost' }), true],
    ['a remainder or deferred re-send of it (OriginalMessageId)', entry('dlq-2', { SourceMessageId: 'r2', OriginalMessageId: 'm1', RemainderOf: 'r1' }), true],
    ['a remainder SQS refused (RemainderOf)', entry('dlq-3', { SourceMessageId: 'x', RemainderOf: 'm1' }), true],
    ["moved by the queue's redrive policy (its own id)", entry('m1', {}), true],
    ['another message', entry('dlq-4', { SourceMessageId: 'm2', OriginalMessageId: 'm3' }), false],
  ])('%s', (_what, message, expected) => {
    expect(isDeadLetterOf(message, 'm1')).toBe(expected);
  });
});

describe('parseSince', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');

  it.each([
    ['90s', now - 90_000],
    ['15m', now - 900_000],
    ['2h', now - 7_200_000],
    ['2026-12-06T11:30:00Z', Date.parse('2026-12-06T11:30:00Z')],
    ['2026-12-06T11:30:00.250+01:00', Date.parse('2026-12-06T10:30:00.250Z')],
    ['1796558400000', 1_796_558_400_000],
  ])('%s', (value, expected) => {
    expect(parseSince(value, now)).toBe(expected);
  });

  it.each(['yesterday', '15', '-5m', '2026-13-45T00:00:00Z'])('rejects %s, naming the forms it takes', (value) => {
    expect(() => parseSince(value, now)).toThrow(/--since must be an ISO 8601 time .* \(given "/);
  });
});

describe('resolveMessagePaths', () => {
  it('routes URLs and normalizes paths as the handler does', () => {
    expect(
      resolveMessagePaths({ paths: [], urls: ['https://www.example.org/news/a?b=1#top', 'https://media.example.org/img/x.png', 'https://WWW.example.org/news/a?b=1'] }, configFile, tmpdir()),
    ).toStrictEqual(
      new Map([
        [WWW, ['/news/a?b=1']],
        [MEDIA, ['/img/x.png']],
      ]),
    );
    expect(resolveMessagePaths({ distributionId: MEDIA, paths: ['/img/*'], urls: [] }, configFile, tmpdir())).toStrictEqual(new Map([[MEDIA, ['/img/*']]]));
  });

  it.each([
    ['a host no distribution serves', { paths: [], urls: ['https://elsewhere.example.com/'] }, /invalid message \(UnknownHost\)/],
    ['paths without a distribution, with two configured', { paths: ['/a/'], urls: [] }, /invalid message \(AmbiguousDistribution\)/],
    ['a path CloudFront refuses', { distributionId: WWW, paths: ['/a*b'], urls: [] }, /invalid message \(InvalidPath\)/],
  ])('refuses %s with the handler\'s reason', (_what, target, expected) => {
    expect(() => resolveMessagePaths(target, configFile, tmpdir())).toThrow(expected);
  });

  it('without a configuration: paths of a named distribution only', () => {
    const empty = mkdtempSync(join(tmpdir(), 'cfiq-no-config-'));
    expect(resolveMessagePaths({ distributionId: WWW, paths: ['/a/'], urls: [] }, undefined, empty)).toStrictEqual(new Map([[WWW, ['/a/']]]));
    expect(() => resolveMessagePaths({ paths: [], urls: ['https://www.example.org/'] }, undefined, empty)).toThrow(/waiting needs the configuration/);
  });
});

describe('cfiq wait: usage', () => {
  it.each([
    [[], /give the MESSAGE_ID/],
    [['/news/'], /the first argument is the MESSAGE_ID/],
    [['m1'], /give the message's paths/],
    [['m1', '/a/', '--timeout', '0'], /--timeout must be an integer from 1 to 86400/],
    [['m1', '/a/', '--poll-interval', 'fast'], /--poll-interval must be a number/],
    [['m1', '/a/', '--since', 'then'], /--since must be/],
  ])('%j', async (args, expected) => {
    // Prepare
    const { io, stderr } = recordingIo();

    // Act
    const code = await runCli(['wait', ...args, '--config', configFile], io);

    // Assess
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr()).toMatch(expected);
  });

  it('send --timeout without --wait is a usage error', async () => {
    const { io, stderr } = recordingIo();
    expect(await runCli(['send', '--timeout', '5', '--config', configFile, 'https://www.example.org/'], io)).toBe(EXIT_CODES.usage);
    expect(stderr()).toMatch(/--timeout, --poll-interval and --ignore-dlq go with --wait/);
  });

  it('send --wait refuses, before sending, a message it could not follow', async () => {
    const { io, stderr } = recordingIo({ CFIQ_QUEUE_URL: 'http://sqs.us-east-1.localhost:1/000000000000/nowhere' }, undefined, mkdtempSync(join(tmpdir(), 'cfiq-no-config-')));
    expect(await runCli(['send', '--wait', 'https://www.example.org/'], io)).toBe(EXIT_CODES.invalidInput);
    expect(stderr()).toMatch(/waiting needs the configuration/);
  });
});
