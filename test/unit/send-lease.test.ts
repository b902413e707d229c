import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEADLINE_MARGIN_MS, LEASE_WAIT_MS } from '../../lambda/defaults.ts';
import { LEASE_TABLE } from '../../lambda/submit/lease-table.ts';
import { SendLeases } from '../../lambda/submit/lease-writes.ts';
import { holdingSendLeases, takeSendLeases } from '../../lambda/submit/send-lease.ts';
import type { PipelineDependencies, PipelineObserver } from '../../lambda/types.ts';
import { createFunctionClients } from '../../lambda/wiring.ts';
import { awsError } from '../helpers/factories.ts';

/**
 * Taking turns per distribution (lambda/submit/send-lease.ts), its decisions against a mocked DynamoDB: what is
 * taken and given back, how long an invocation waits for another's lease, and that it sends without one rather than
 * fail. The writes themselves are checked against DynamoDB emulators in test/emulator.
 */

const TABLE = 'send-leases';
const START = 1_750_000_000_000;

const dynamodb = new DynamoDBClient({ region: 'us-east-1' });
const dynamodbMock = mockClient(dynamodb);

/** Dependencies whose clock moves only when the lease code sleeps, with what it logged and counted. */
function leaseDeps(options: { remainingMs?: number } = {}) {
  let now = START;
  const logged: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const counted: Record<string, number> = {};
  const sleeps: number[] = [];
  const observer: PipelineObserver = {
    info: (message, fields) => logged.push({ level: 'info', message, fields }),
    warn: (message, fields) => logged.push({ level: 'warn', message, fields }),
    count: (metric, value) => (counted[metric] = (counted[metric] ?? 0) + value),
  };
  const deps = {
    observer,
    leases: new SendLeases(dynamodb, TABLE),
    now: () => now,
    random: () => 0.5,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    ...(options.remainingMs === undefined ? {} : { remainingTimeMs: () => options.remainingMs! - (now - START) }),
  } as unknown as PipelineDependencies;
  return { deps, logged, counted, sleeps, elapsed: () => now - START };
}

/** The key, holder and expiry of each PutItem sent. */
function puts() {
  return dynamodbMock.commandCalls(PutItemCommand).map(({ args: [command] }) => ({
    key: command.input.Item![LEASE_TABLE.partitionKey]!.S,
    holder: command.input.Item![LEASE_TABLE.holder]!.S,
    expiresAtMs: Number(command.input.Item![LEASE_TABLE.expiresAtMs]!.N),
    now: Number(command.input.ExpressionAttributeValues![':now']!.N),
  }));
}

const conditionFailed = () => awsError('ConditionalCheckFailedException', 'The conditional request failed', 400);

beforeEach(() => {
  dynamodbMock.reset();
  dynamodbMock.on(PutItemCommand).resolves({});
  dynamodbMock.on(DeleteItemCommand).resolves({});
});

describe('send leases', () => {
  it('takes each distribution once, in sorted order, under one holder, and gives each back with it', async () => {
    // Prepare
    const { deps, sleeps } = leaseDeps({ remainingMs: 60_000 });

    // Act
    const held = await takeSendLeases(['EWWW', 'EMEDIA', 'EWWW'], deps);
    await held.giveBack();

    // Assess
    expect(held.held).toStrictEqual(['EMEDIA', 'EWWW']);
    expect(puts().map(({ key }) => key)).toStrictEqual(['EMEDIA', 'EWWW']);
    const holder = puts()[0]!.holder;
    expect(puts().every((put) => put.holder === holder && put.now === START)).toBe(true);
    // Until the invocation's working time ends (its deadline less the margin), and a second more.
    expect(puts()[0]!.expiresAtMs).toBe(START + 60_000 - DEADLINE_MARGIN_MS + 1_000);
    const gives = dynamodbMock.commandCalls(DeleteItemCommand).map(({ args: [command] }) => command.input);
    expect(gives.map((input) => [input.TableName, input.Key![LEASE_TABLE.partitionKey]!.S, input.ExpressionAttributeValues![':holder']!.S])).toStrictEqual([
      [TABLE, 'EMEDIA', holder],
      [TABLE, 'EWWW', holder],
    ]);
    expect(sleeps).toStrictEqual([]);
  });

  it('waits while another invocation holds the lease, then takes it', async () => {
    // Prepare: held for the first three tries
    dynamodbMock.on(PutItemCommand).rejectsOnce(conditionFailed()).rejectsOnce(conditionFailed()).rejectsOnce(conditionFailed()).resolves({});
    const { deps, logged, counted, sleeps } = leaseDeps({ remainingMs: 60_000 });

    // Act
    const held = await takeSendLeases(['EWWW'], deps);

    // Assess: three pauses of the poll interval (250 ms, the jitter at its middle), then taken
    expect(held.held).toStrictEqual(['EWWW']);
    expect(sleeps).toStrictEqual([250, 250, 250]);
    expect(puts().map(({ now }) => now - START)).toStrictEqual([0, 250, 500, 750]);
    expect(logged).toContainEqual({ level: 'info', message: 'send lease taken after waiting', fields: { distributionId: 'EWWW', waitedMs: 750 } });
    expect(counted).toStrictEqual({});
  });

  it(`sends without the lease after waiting ${LEASE_WAIT_MS / 1000} s for it, and counts it`, async () => {
    // Prepare: another invocation never gives it back; a 15-minute function
    dynamodbMock.on(PutItemCommand).rejects(conditionFailed());
    const { deps, logged, counted, elapsed } = leaseDeps({ remainingMs: 900_000 });

    // Act
    const held = await takeSendLeases(['EWWW'], deps);
    await held.giveBack();

    // Assess
    expect(held.held).toStrictEqual([]);
    expect(elapsed()).toBeLessThanOrEqual(LEASE_WAIT_MS);
    expect(elapsed()).toBeGreaterThan(LEASE_WAIT_MS - 500);
    expect(counted).toStrictEqual({ LeasesNotTaken: 1 });
    expect(logged.at(-1)).toMatchObject({ level: 'warn', message: 'another invocation held the send lease too long; sending without it' });
    expect(dynamodbMock.commandCalls(DeleteItemCommand)).toHaveLength(0);
  });

  it('waits at most half the working time left, so the sends keep the other half', async () => {
    // Prepare: 30 s left, 20 s of it working time
    dynamodbMock.on(PutItemCommand).rejects(conditionFailed());
    const { deps, elapsed } = leaseDeps({ remainingMs: 30_000 });

    // Act
    await takeSendLeases(['EWWW'], deps);

    // Assess
    expect(elapsed()).toBeLessThanOrEqual((30_000 - DEADLINE_MARGIN_MS) / 2);
    expect(elapsed()).toBeGreaterThan((30_000 - DEADLINE_MARGIN_MS) / 2 - 500);
  });

  it('sends without the lease, at once, when DynamoDB refuses the write, and says why', async () => {
    // Prepare
    dynamodbMock.on(PutItemCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: dynamodb:PutItem', 400));
    const { deps, logged, counted, sleeps } = leaseDeps({ remainingMs: 60_000 });

    // Act
    const held = await takeSendLeases(['EWWW'], deps);

    // Assess
    expect(held.held).toStrictEqual([]);
    expect(sleeps).toStrictEqual([]);
    expect(counted).toStrictEqual({ LeasesNotTaken: 1 });
    expect(logged).toContainEqual({
      level: 'warn',
      message: 'could not take the send lease; sending without it',
      fields: { distributionId: 'EWWW', error: 'AccessDeniedException: not authorized to perform: dynamodb:PutItem' },
    });
  });

  it('takes nothing without a lease table', async () => {
    // Prepare
    const { deps } = leaseDeps();

    // Act
    const held = await takeSendLeases(['EWWW'], { ...deps, leases: undefined });

    // Assess
    expect(held.held).toStrictEqual([]);
    expect(dynamodbMock.calls()).toHaveLength(0);
  });

  it('gives the leases back when the work throws, and a failed give-back is only logged', async () => {
    // Prepare
    dynamodbMock.on(DeleteItemCommand).rejects(awsError('ProvisionedThroughputExceededException', 'slow down', 400));
    const { deps, logged } = leaseDeps({ remainingMs: 60_000 });

    // Act
    const work = holdingSendLeases(['EWWW'], deps, async () => {
      throw new Error('a bug in the plan');
    });

    // Assess
    await expect(work).rejects.toThrow('a bug in the plan');
    expect(dynamodbMock.commandCalls(DeleteItemCommand)).toHaveLength(1);
    expect(logged.at(-1)).toMatchObject({ level: 'warn', message: 'could not give back the send lease', fields: { distributionId: 'EWWW' } });
  });

  it('an old holder giving back a lease another took since is answered with no error (the lease stays: test/emulator)', async () => {
    // Prepare
    dynamodbMock.on(DeleteItemCommand).rejects(conditionFailed());

    // Act / Assess
    await expect(new SendLeases(dynamodb, TABLE).giveBack('EWWW', 'old-holder')).resolves.toBeUndefined();
  });

  it('takes nothing when no working time is left: nothing will be sent', async () => {
    // Prepare: the deadline margin and no more
    const { deps } = leaseDeps({ remainingMs: DEADLINE_MARGIN_MS });

    // Act
    const held = await takeSendLeases(['EWWW'], deps);

    // Assess
    expect(held.held).toStrictEqual([]);
    expect(dynamodbMock.calls()).toHaveLength(0);
  });

  it('after a DynamoDB error, asks for no other distribution and sends to all without their leases', async () => {
    // Prepare
    dynamodbMock.on(PutItemCommand).rejects(awsError('ResourceNotFoundException', 'Requested resource not found', 400));
    const { deps, logged, counted } = leaseDeps({ remainingMs: 60_000 });

    // Act
    const held = await takeSendLeases(['EA', 'EB', 'EC'], deps);

    // Assess
    expect(held.held).toStrictEqual([]);
    expect(puts().map(({ key }) => key)).toStrictEqual(['EA']);
    expect(counted).toStrictEqual({ LeasesNotTaken: 3 });
    expect(logged.filter(({ level }) => level === 'warn')).toHaveLength(1);
  });

  it('ends the wait even where the clock stands still (counting its own pauses)', async () => {
    // Prepare: a clock that never moves, a lease never given back
    dynamodbMock.on(PutItemCommand).rejects(conditionFailed());
    const { deps, sleeps } = leaseDeps({ remainingMs: 900_000 });

    // Act
    await takeSendLeases(['EWWW'], { ...deps, now: () => START });

    // Assess
    const slept = sleeps.reduce((sum, ms) => sum + ms, 0);
    expect(slept).toBeLessThanOrEqual(LEASE_WAIT_MS);
    expect(slept).toBeGreaterThan(LEASE_WAIT_MS - 500);
  });

  it('a second distribution gets what is left of the one wait, not a wait of its own', async () => {
    // Prepare: both leases held throughout by another invocation
    dynamodbMock.on(PutItemCommand).rejects(conditionFailed());
    const { deps, elapsed, counted } = leaseDeps({ remainingMs: 900_000 });

    // Act
    const held = await takeSendLeases(['EA', 'EB'], deps);

    // Assess: one wait in all, and EB asked for once, after it
    expect(held.held).toStrictEqual([]);
    expect(elapsed()).toBeLessThanOrEqual(LEASE_WAIT_MS);
    expect(puts().filter(({ key }) => key === 'EB')).toHaveLength(1);
    expect(counted).toStrictEqual({ LeasesNotTaken: 2 });
  });
});

describe('send leases when DynamoDB hangs', () => {
  it('gives up on the take after a bounded time and sends without the leases, rather than spend the invocation', async () => {
    // Prepare: a DynamoDB endpoint on 127.0.0.1 that accepts connections and never answers
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    // As the function builds it: 15 s an attempt, three attempts; the lease code's own bound must end it sooner.
    const hung = createFunctionClients({ dynamodb: { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } }).dynamodb;
    const { deps, logged, counted } = leaseDeps({ remainingMs: 900_000 });

    try {
      // Act
      const held = await takeSendLeases(['EMEDIA', 'EWWW'], { ...deps, leases: new SendLeases(hung, TABLE) });

      // Assess
      expect(held.held).toStrictEqual([]);
      expect(counted).toStrictEqual({ LeasesNotTaken: 2 });
      expect(logged.at(-1)).toMatchObject({ level: 'warn', message: 'could not take the send lease; sending without it', fields: { distributionId: 'EMEDIA' } });
    } finally {
      hung.destroy();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 20_000);
});
