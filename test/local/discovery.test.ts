import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInvalidatorContext } from '../../lib/app-config.ts';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import { startLocalEnvironment, type LocalEnvironment } from '../../local/environment.ts';
import { LocalStateFile, localStateOf, readLocalState, type LocalGauges } from '../../local/local-state.ts';
import { MEDIA_DISTRIBUTION_ID as MEDIA, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { recordingIo, waitFor } from './support.ts';

/**
 * Local mode found without flags: a local environment in this process, its state file written as `cfiq local` writes
 * it, and the commands run in the state file's directory with nothing but that.
 */
const CONTEXT = {
  distributions: [
    { id: WWW, hostnames: ['www.example.org'] },
    { id: MEDIA, hostnames: ['media.example.org'] },
  ],
};

let env: LocalEnvironment;
let dir: string;
let stateFile: LocalStateFile;
let gauges: LocalGauges = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cfiq-discovery-'));
  const configFile = join(dir, 'cdk.json');
  writeFileSync(configFile, JSON.stringify({ context: { invalidator: CONTEXT } }));
  env = await startLocalEnvironment({
    settings: readInvalidatorContext(CONTEXT),
    batchingWindowSeconds: 0.2,
    batchSize: 10,
    completionDelayMs: 0,
    onGauges: (latest) => {
      gauges = latest;
      stateFile?.updateGauges(latest);
    },
  });
  const claimed = LocalStateFile.claim(join(dir, '.cfiq', 'local.json'), localStateOf(env, configFile, gauges));
  if ('ownedBy' in claimed) throw new Error('the state file is taken');
  stateFile = claimed;
});
afterAll(async () => {
  stateFile?.remove();
  await env?.close();
});

/** A CliIo in the state file's directory, with no CFIQ_LOCAL_STATE and no AWS settings: only what a newcomer has. */
function newcomerIo(extra: Record<string, string> = {}) {
  return recordingIo({ CFIQ_LOCAL_STATE: undefined, ...extra }, undefined, dir);
}

describe('commands started where cfiq local runs find it without flags', () => {
  it('send --wait, status with the backlog gauges (and "no data" for a distribution nothing was reported on), dlq list', async () => {
    // Prepare
    const send = newcomerIo();
    const status = newcomerIo();
    const json = newcomerIo();
    const dlq = newcomerIo();

    // Act
    const sendCode = await runCli(['send', '--wait', '--poll-interval', '0.2', 'https://www.example.org/found/'], send.io);
    await waitFor('the gauges in the state file', () => (readLocalState(join(dir, '.cfiq', 'local.json')) as { state?: { gauges: LocalGauges } }).state?.gauges[WWW]);
    const statusCode = await runCli(['status'], status.io);
    await runCli(['status', '--json'], json.io);
    const dlqCode = await runCli(['dlq', 'list'], dlq.io);

    // Assess
    expect({ sendCode, stderr: send.stderr() }).toMatchObject({ sendCode: EXIT_CODES.ok });
    expect(send.stderr()).toMatch(/^cfiq: using the cfiq local running in this directory \(pid \d+; .*local\.json\)$/m);
    expect(send.stdout()).toMatch(/^Live after .*: every path of message [0-9a-f-]{36} is invalidated/m);
    expect(statusCode).toBe(EXIT_CODES.ok);
    const lines = status.stdout().split('\n');
    expect(lines[0]).toMatch(/^DISTRIBUTION +IN PROGRESS +WAITING +OLDEST WAITING +REPORTED$/);
    expect(lines[1]).toMatch(new RegExp(`^${WWW} +0 +0 paths +0 s +(\\d+ min )?\\d+ s ago$`));
    expect(lines[2]).toMatch(new RegExp(`^${MEDIA} +0 +no data +no data +-$`));
    expect(status.stdout()).toMatch(new RegExp(`^${WWW} +I\\w+ +Completed +\\S+ +1$`, 'm'));
    expect(status.stdout()).toMatch(new RegExp(`^${MEDIA} +\\(none\\) +- +- +-$`, 'm'));
    expect(JSON.parse(json.stdout()).distributions).toMatchObject([
      { distributionId: WWW, waiting: { paths: 0, oldestAgeSeconds: 0, source: 'local' } },
      { distributionId: MEDIA, waiting: { paths: null, oldestAgeSeconds: null, reportedAt: null, source: 'local' }, invalidations: [] },
    ]);
    expect(dlqCode).toBe(EXIT_CODES.ok);
    expect(dlq.stdout()).toContain(`The dead-letter queue is empty (${env.deadLetterQueueUrl})`);
  });

  it('wait, for a message another producer sent', async () => {
    // Prepare
    const { MessageId } = await env.sqs.send(new SendMessageCommand({ QueueUrl: env.queueUrl, MessageBody: JSON.stringify({ urls: ['https://media.example.org/img/a.png'] }) }));
    const { io, stdout, stderr } = newcomerIo();

    // Act
    const code = await runCli(['wait', MessageId!, '--since', '1m', '--poll-interval', '0.2', '--urls', 'https://media.example.org/img/a.png'], io);

    // Assess
    expect({ code, stderr: stderr() }).toMatchObject({ code: EXIT_CODES.ok });
    expect(stdout()).toContain(`every path of message ${MessageId} is invalidated`);
  });

  it('is not used when a stack is named, or a URL of something else is given', async () => {
    // Prepare
    const named = newcomerIo({ CFIQ_STACK: 'Elsewhere', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:1' });
    const other = newcomerIo({ CFIQ_DLQ_URL: 'http://sqs.us-east-1.localhost:1/000000000000/cfiq-local-invalidation-dlq' });

    // Act
    const namedCode = await runCli(['dlq', 'list'], named.io);
    const otherCode = await runCli(['dlq', 'list'], other.io);

    // Assess
    expect(namedCode).toBe(EXIT_CODES.aws);
    expect(named.stderr()).toMatch(/DescribeStacks failed: .*Elsewhere/);
    expect(otherCode).toBe(EXIT_CODES.aws);
    expect(other.stderr()).toMatch(/ReceiveMessage failed: .*ECONNREFUSED[^]*is cfiq local still running\?/);
  });
});

describe('without a running local mode', () => {
  it('a state file whose process is gone is ignored, with a note', async () => {
    // Prepare
    const stale = mkdtempSync(join(tmpdir(), 'cfiq-stale-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(stale, 'local.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, '.cfiq', 'local.json'), 'utf8')), pid: dead }));
    const { io, stderr } = recordingIo({ CFIQ_LOCAL_STATE: join(stale, 'local.json'), CFIQ_STACK: 'Nowhere', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });

    // Act
    const code = await runCli(['dlq', 'list'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.aws);
    expect(readLocalState(join(stale, 'local.json'))).toMatchObject({ kind: 'stale', pid: dead });
    // CFIQ_STACK named: local mode is not even looked for.
    expect(stderr()).not.toMatch(/ignoring/);
    const unnamed = recordingIo({ CFIQ_LOCAL_STATE: join(stale, 'local.json'), AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
    await runCli(['dlq', 'list'], unnamed.io);
    expect(unnamed.stderr()).toMatch(new RegExp(`ignoring .*local\\.json: the cfiq local that wrote it \\(pid ${dead}\\) is no longer running`));
  });

  it('dlq list with only the local queue URL finds its dead-letter queue (no "Region is missing")', async () => {
    // Prepare
    const { io, stdout, stderr } = recordingIo({ CFIQ_QUEUE_URL: env.queueUrl });

    // Act
    const code = await runCli(['dlq', 'list'], io);

    // Assess
    expect({ code, stderr: stderr() }).toMatchObject({ code: EXIT_CODES.ok });
    expect(stdout()).toContain(env.deadLetterQueueUrl);
  });

  it('an AWS queue URL alone gives the stack lookup its region; no credentials says what to set', async () => {
    // Prepare
    const { io, stderr } = recordingIo({ CFIQ_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:1' });

    // Act
    const code = await runCli(['dlq', 'list'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.aws);
    expect(stderr()).not.toMatch(/Region is missing/);
    expect(stderr()).toMatch(/DescribeStacks failed: /);
  });

  it('status against an emulator without credentials or a configuration says what to pass', async () => {
    const empty = recordingIo({}, undefined, mkdtempSync(join(tmpdir(), 'cfiq-empty-')));
    expect(await runCli(['status'], empty.io)).toBe(EXIT_CODES.usage);
    expect(empty.stderr()).toMatch(/no distribution given and no configuration found: pass --distribution ID or --config FILE/);
  });
});

describe('the state file', () => {
  it('a second local mode does not take a live one\'s file; the file goes when removed', () => {
    // Prepare
    const path = join(mkdtempSync(join(tmpdir(), 'cfiq-claim-')), '.cfiq', 'local.json');
    const state = JSON.parse(readFileSync(join(dir, '.cfiq', 'local.json'), 'utf8'));

    // Act
    const first = LocalStateFile.claim(path, state);
    const second = LocalStateFile.claim(path, { ...state, pid: process.ppid });

    // Assess
    expect(first).toBeInstanceOf(LocalStateFile);
    expect(second).toStrictEqual({ ownedBy: process.pid });
    (first as LocalStateFile).remove();
    expect(existsSync(path)).toBe(false);
  });
});

describe('cfiq', () => {
  it.each([['--version'], ['-v']])('%s prints the package version', async (flag) => {
    // Prepare
    const { io, stdout } = recordingIo();
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

    // Act
    const code = await runCli([flag], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout()).toBe(version);
  });

  it.each([
    [['status', '--max', '-1'], '--max must be an integer from 1 to 100 (given "-1")'],
    [['status', '--max'], '--max needs a value'],
    [['dlq', 'list', '--max', '-5'], '--max must be an integer from 1 to 100000 (given "-5")'],
  ])('%j is a usage error in our words, not the parser\'s', async (args, expected) => {
    // Prepare
    const { io, stderr } = recordingIo();

    // Act
    const code = await runCli(args, io);

    // Assess
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr().split('\n')[0]).toBe(`cfiq ${args.slice(0, args[0] === 'dlq' ? 2 : 1).join(' ')}: ${expected}`);
    expect(stderr()).not.toMatch(/ambiguous|To specify an option argument/);
  });
});
