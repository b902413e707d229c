import { CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_PATHS_PER_INVALIDATION, MAX_SQS_MESSAGE_BYTES, MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';
import {
  CORPUS_CONFIG,
  FAKE_AWS_ACCESS_KEY_ID,
  FAKE_AWS_SECRET_ACCESS_KEY,
  HOSTILE_BODIES,
  PLAIN_BODIES,
  type HostileBody,
} from '../fixtures/hostile-bodies.ts';
import { sqsEvent, sqsRecord } from '../helpers/factories.ts';
import { DEAD_LETTER_QUEUE_URL, SOURCE_QUEUE_URL, handlerHarness, metricTotals } from '../helpers/handler-harness.ts';

/** A message put back on its queue with the paths a distribution still owes (CloudFront's in-progress limits). */
interface RemainderSent {
  readonly of: string;
  readonly distributionId: string;
  readonly paths: readonly string[];
}

/**
 * What one invocation did: its response, each CreateInvalidation's paths, each dead-letter entry, each remainder put
 * back on the queue, all it wrote.
 */
interface Run {
  readonly response: SQSBatchResponse;
  readonly invalidations: ReadonlyArray<{ readonly distributionId: string; readonly paths: readonly string[] }>;
  readonly deadLetters: readonly SendMessageBatchRequestEntry[];
  readonly remainders: readonly RemainderSent[];
  /** Everything written to stdout and stderr: Powertools log lines and EMF metrics. */
  readonly output: string;
  readonly metrics: Record<string, number>;
}

async function run(records: SQSRecord[]): Promise<Run> {
  const { invoke, cloudfrontMock, sqsMock, output, logLines } = handlerHarness(CORPUS_CONFIG);
  const response = await invoke(sqsEvent(...records));
  const invalidations = cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => ({
    distributionId: call.args[0].input.DistributionId!,
    paths: call.args[0].input.InvalidationBatch!.Paths!.Items!,
  }));
  const sends = sqsMock.commandCalls(SendMessageBatchCommand).map((send) => send.args[0].input);
  for (const send of sends) expect([DEAD_LETTER_QUEUE_URL, SOURCE_QUEUE_URL]).toContain(send.QueueUrl);
  const deadLetters = sends.filter((send) => send.QueueUrl === DEAD_LETTER_QUEUE_URL).flatMap((send) => send.Entries ?? []);
  const remainders = sends
    .filter((send) => send.QueueUrl === SOURCE_QUEUE_URL)
    .flatMap((send) => send.Entries ?? [])
    .map((entry) => {
      const { distributionId, paths } = JSON.parse(entry.MessageBody!) as { distributionId: string; paths: string[] };
      return { of: entry.MessageAttributes!.RemainderOf!.StringValue!, distributionId, paths };
    });
  return { response, invalidations, deadLetters, remainders, output: output.join(''), metrics: metricTotals(logLines()) };
}

// Memoized, so the log scan reuses the runs of the other tests (and still works when they are filtered out).
const aloneRuns = new Map<HostileBody, Promise<Run>>();
function runAlone(entry: HostileBody): Promise<Run> {
  let result = aloneRuns.get(entry);
  if (result === undefined) aloneRuns.set(entry, (result = run([sqsRecord({ messageId: 'hostile', body: entry.body })])));
  return result;
}

/** Every corpus body and the plain ones in one batch, each with a message id naming its entry. */
const BATCH: ReadonlyArray<{ readonly messageId: string; readonly entry: HostileBody }> = [
  PLAIN_BODIES[0]!,
  ...HOSTILE_BODIES.slice(0, HOSTILE_BODIES.length / 2),
  PLAIN_BODIES[1]!,
  ...HOSTILE_BODIES.slice(HOSTILE_BODIES.length / 2),
  PLAIN_BODIES[2]!,
].map((entry, index) => ({ messageId: `corpus-${String(index).padStart(3, '0')}`, entry }));
let batchRun: Promise<Run> | undefined;
function runBatch(): Promise<Run> {
  batchRun ??= run(BATCH.map(({ messageId, entry }) => sqsRecord({ messageId, body: entry.body })));
  return batchRun;
}

/** The paths each distribution received, over all calls (and, given `remainders`, those put back on the queue). */
function submittedPaths(invalidations: Run['invalidations'], remainders: readonly RemainderSent[] = []): Map<string, string[]> {
  const byDistribution = new Map<string, string[]>();
  for (const { distributionId, paths } of [...invalidations, ...remainders]) {
    byDistribution.set(distributionId, [...(byDistribution.get(distributionId) ?? []), ...paths]);
  }
  return byDistribution;
}

/** Is `path` in `submitted`, or covered by one of its wildcards (`/blog/*` covers `/blog/a`)? */
function isCovered(path: string, submitted: ReadonlySet<string>): boolean {
  if (submitted.has(path)) return true;
  return [...submitted].some((candidate) => candidate.endsWith('*') && path.startsWith(candidate.slice(0, -1)));
}

function errorMessageOf(entry: SendMessageBatchRequestEntry): string {
  return entry.MessageAttributes!.ErrorMessage!.StringValue!;
}

/** The size SQS counts for a message: body, and each attribute's name, type and value. */
function sqsMessageBytes(entry: SendMessageBatchRequestEntry): number {
  let bytes = Buffer.byteLength(entry.MessageBody!);
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType!) + Buffer.byteLength(value.StringValue ?? '') + (value.BinaryValue?.length ?? 0);
  }
  return bytes;
}

function expectNoPrototypePollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
}

function outcomeLabel(entry: HostileBody): string {
  if ('acknowledged' in entry.expected) return 'acknowledged';
  return 'deadLettered' in entry.expected
    ? `dead-lettered as ${entry.expected.deadLettered}`
    : `invalidated on ${Object.keys(entry.expected.invalidated).join(' and ')}`;
}

beforeAll(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', FAKE_AWS_ACCESS_KEY_ID);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', FAKE_AWS_SECRET_ACCESS_KEY);
});

afterAll(() => {
  vi.unstubAllEnvs();
});

describe('the hostile-body corpus', () => {
  it('has at least 30 bodies with unique names, a reason each, and the size ones where they claim to be', () => {
    // Assess
    expect(HOSTILE_BODIES.length).toBeGreaterThanOrEqual(30);
    const names = [...HOSTILE_BODIES, ...PLAIN_BODIES].map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of HOSTILE_BODIES) expect(entry.why, entry.name).not.toBe('');
    for (const name of ['valid body near the SQS size limit', 'invalid body near the SQS size limit']) {
      const bytes = Buffer.byteLength(HOSTILE_BODIES.find((entry) => entry.name === name)!.body);
      expect(bytes, name).toBeGreaterThan(1_000_000);
      expect(bytes, name).toBeLessThanOrEqual(MAX_SQS_MESSAGE_BYTES);
    }
  });
});

describe.each(HOSTILE_BODIES)('body alone: $name', (entry) => {
  it(`is ${outcomeLabel(entry)} (${entry.why})`, async () => {
    // Act
    const { response, invalidations, deadLetters, remainders } = await runAlone(entry);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expectNoPrototypePollution();
    expect(remainders.reduce((sum, remainder) => sum + remainder.paths.length, 0)).toBe(entry.remainderPaths ?? 0);
    if ('acknowledged' in entry.expected) {
      expect(invalidations).toStrictEqual([]);
      expect(deadLetters).toStrictEqual([]);
    } else if ('deadLettered' in entry.expected) {
      expect(invalidations).toStrictEqual([]);
      expect(deadLetters).toHaveLength(1);
      const letter = deadLetters[0]!;
      expect(letter.MessageBody).toBe(entry.body);
      expect(letter.MessageAttributes!.ErrorCode).toStrictEqual({ DataType: 'String', StringValue: entry.expected.deadLettered });
      expect(letter.MessageAttributes!.SourceMessageId).toStrictEqual({ DataType: 'String', StringValue: 'hostile' });
      expect(errorMessageOf(letter).length).toBeLessThanOrEqual(1024);
      if (entry.errorMessage) expect(errorMessageOf(letter)).toMatch(entry.errorMessage);
      expect(sqsMessageBytes(letter)).toBeLessThanOrEqual(MAX_SQS_MESSAGE_BYTES);
    } else {
      expect(deadLetters).toStrictEqual([]);
      const expected = Object.entries(entry.expected.invalidated).map(([id, paths]) => [id, [...paths].sort()]);
      const submitted = [...submittedPaths(invalidations, remainders)].map(([id, paths]) => [id, [...paths].sort()]);
      expect(submitted.sort()).toStrictEqual(expected.sort());
      expect(invalidations).toHaveLength(entry.createInvalidationCalls ?? expected.length);
      for (const { paths } of invalidations) expect(paths.length).toBeLessThanOrEqual(MAX_PATHS_PER_INVALIDATION);
    }
  });
});

describe('all bodies in one batch', () => {
  it('dead-letters every invalid body exactly once, unchanged, and leaves the valid ones unaffected', async () => {
    // Act
    const { response, invalidations, deadLetters, remainders, metrics } = await runBatch();

    // Assess
    expectNoPrototypePollution();
    const invalid = BATCH.filter(({ entry }) => 'deadLettered' in entry.expected);
    const valid = BATCH.filter(({ entry }) => 'invalidated' in entry.expected);
    // Only a valid message is received again: one that CloudFront's in-progress limits left wholly unsent this time.
    // One they left partly unsent is acknowledged, and what it owes goes back on the queue as a remainder.
    const validIds = new Set(valid.map(({ messageId }) => messageId));
    const retried = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    expect([...retried].filter((id) => !validIds.has(id))).toStrictEqual([]);
    expect(remainders.filter((remainder) => !validIds.has(remainder.of) || retried.has(remainder.of))).toStrictEqual([]);

    expect(deadLetters).toHaveLength(invalid.length);
    const letters = new Map(deadLetters.map((letter) => [letter.MessageAttributes!.SourceMessageId!.StringValue!, letter]));
    expect(letters.size).toBe(invalid.length);
    for (const { messageId, entry } of invalid) {
      const letter = letters.get(messageId);
      expect(letter, `${entry.name} (${messageId})`).toBeDefined();
      expect(letter!.MessageBody, entry.name).toBe(entry.body);
      expect(letter!.MessageAttributes!.ErrorCode!.StringValue, entry.name).toBe((entry.expected as { deadLettered: string }).deadLettered);
    }
    expect(metrics.DeadLetteredMessages).toBe(invalid.length);
    expect(metrics.InvalidMessages).toBe(invalid.length);

    for (const { paths } of invalidations) {
      expect(paths.length).toBeLessThanOrEqual(MAX_PATHS_PER_INVALIDATION);
      expect(paths.filter((path) => path.endsWith('*')).length).toBeLessThanOrEqual(MAX_WILDCARDS_IN_PROGRESS);
    }
    const submitted = submittedPaths(invalidations);
    const requested = new Map<string, Set<string>>();
    for (const { messageId, entry } of valid) {
      const owed = submittedPaths([], remainders.filter((remainder) => remainder.of === messageId));
      for (const [distributionId, paths] of Object.entries((entry.expected as { invalidated: Record<string, string[]> }).invalidated)) {
        for (const path of paths) requested.set(distributionId, (requested.get(distributionId) ?? new Set()).add(path));
        if (retried.has(messageId)) continue;
        const set = new Set([...(submitted.get(distributionId) ?? []), ...(owed.get(distributionId) ?? [])]);
        const missing = paths.filter((path) => !isCovered(path, set));
        expect(missing, `${entry.name}: paths neither invalidated nor put back on ${distributionId}`).toStrictEqual([]);
      }
    }
    // Nothing from an invalid body reached CloudFront, and no path went twice.
    for (const [distributionId, paths] of submitted) {
      expect(paths.filter((path) => !requested.get(distributionId)?.has(path)), distributionId).toStrictEqual([]);
      expect(new Set(paths).size, distributionId).toBe(paths.length);
    }
  });
});

describe('log scan over the whole corpus run', () => {
  it('never writes a URL password or an AWS key to a log line or a dead-letter ErrorMessage', async () => {
    // Prepare
    const secrets = [
      ...new Set([...HOSTILE_BODIES.flatMap((entry) => entry.secrets ?? []), FAKE_AWS_ACCESS_KEY_ID, FAKE_AWS_SECRET_ACCESS_KEY]),
    ];

    // Act (one at a time: each run captures stdout while it lasts)
    const runs: Run[] = [];
    for (const entry of HOSTILE_BODIES) runs.push(await runAlone(entry));
    runs.push(await runBatch());

    // Assess
    const output = runs.map((result) => result.output).join('\n');
    const errorMessages = runs.flatMap((result) => result.deadLetters.map(errorMessageOf)).join('\n');
    expect(output).toContain('message dead-lettered');
    expect(errorMessages).toContain('***@');
    expect(secrets.filter((secret) => output.includes(secret)), 'secrets in the log output').toStrictEqual([]);
    expect(secrets.filter((secret) => errorMessages.includes(secret)), 'secrets in an ErrorMessage').toStrictEqual([]);
  });
});
