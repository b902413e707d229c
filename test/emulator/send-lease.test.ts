/**
 * Conformance: SendLeases (lambda/submit/lease-writes.ts) through the real AWS SDK over HTTP, against dynalite (local
 * mode's in-memory DynamoDB, started as local mode starts it) and against moto_server (5.2.1), the reference for the
 * wire format. Both must evaluate the conditions the leases rely on as DynamoDB does: the conditional PutItem that
 * takes a free or expired lease, and the conditional DeleteItem that gives back only the holder's own.
 *
 * Times are epoch milliseconds the test chooses (SendLeases takes `now` from its caller), so expiry needs no waiting.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_TABLE } from '../../lambda/submit/lease-table.ts';
import { SendLeases } from '../../lambda/submit/lease-writes.ts';
import { LOCAL_CREDENTIALS } from '../../local/credentials.ts';
import { createLeaseTable, startLocalLeaseTable } from '../../local/lease-table.ts';
import { motoSkipReason, startMoto } from '../helpers/moto.ts';

/** A DynamoDB with the lease table in it. */
interface LeaseBackend {
  readonly endpoint: string;
  readonly tableName: string;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';

const BACKENDS: ReadonlyArray<{ readonly name: string; readonly skipReason: string | undefined; start(): Promise<LeaseBackend> }> = [
  {
    name: 'dynalite',
    skipReason: undefined,
    start: async () => {
      const table = await startLocalLeaseTable(REGION);
      return { endpoint: table.endpoint, tableName: table.tableName, stop: () => table.close() };
    },
  },
  {
    name: 'moto_server',
    skipReason: motoSkipReason(),
    start: async () => {
      const moto = await startMoto();
      const client = dynamoDbClient(moto.endpoint);
      try {
        await createLeaseTable(client, 'cfiq-send-leases');
      } finally {
        client.destroy();
      }
      return { endpoint: moto.endpoint, tableName: 'cfiq-send-leases', stop: () => moto.stop() };
    },
  },
];

function dynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ region: REGION, endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}

/** 2026-12-06 18:00:00 UTC: thirteen digits, as every lease's times are. */
const T0 = Date.parse('2026-12-06T18:00:00.000Z');
const SECOND = 1_000;

let keys = 0;
/** A distribution id no other test uses: the tests share one table. */
const freshKey = () => `E${process.pid}LEASE${++keys}`;

describe.each(BACKENDS.filter((backend) => backend.skipReason === undefined))('SendLeases against $name', ({ start }) => {
  let backend: LeaseBackend;
  let client: DynamoDBClient;
  let leases: SendLeases;

  beforeAll(async () => {
    backend = await start();
    client = dynamoDbClient(backend.endpoint);
    leases = new SendLeases(client, backend.tableName);
  });
  afterAll(async () => {
    client?.destroy();
    await backend?.stop();
  });

  /** The lease item as stored, or undefined when there is none. */
  async function storedLease(key: string) {
    const { Item } = await client.send(
      new GetItemCommand({ TableName: backend.tableName, Key: { [LEASE_TABLE.partitionKey]: { S: key } }, ConsistentRead: true }),
    );
    return Item;
  }

  it('takes a free lease, and stores its holder, its expiry in milliseconds and its time to live in seconds', async () => {
    // Prepare
    const key = freshKey();

    // Act
    const taken = await leases.take(key, 'holder-a', T0, T0 + 20_500);

    // Assess
    expect(taken).toBe(true);
    expect(await storedLease(key)).toStrictEqual({
      distributionId: { S: key },
      holder: { S: 'holder-a' },
      expiresAtMs: { N: String(T0 + 20_500) },
      expiresAt: { N: String(T0 / SECOND + 21) },
    });
  });

  it('refuses a second holder while the lease is live, up to and including its expiry', async () => {
    // Prepare
    const key = freshKey();
    await leases.take(key, 'holder-a', T0, T0 + 20 * SECOND);

    // Act
    const soon = await leases.take(key, 'holder-b', T0 + SECOND, T0 + 21 * SECOND);
    const atExpiry = await leases.take(key, 'holder-b', T0 + 20 * SECOND, T0 + 40 * SECOND);

    // Assess
    expect([soon, atExpiry]).toStrictEqual([false, false]);
    expect((await storedLease(key))?.holder).toStrictEqual({ S: 'holder-a' });
  });

  it('refuses the holder itself a second time: a lease is taken once', async () => {
    // Prepare
    const key = freshKey();
    await leases.take(key, 'holder-a', T0, T0 + 20 * SECOND);

    // Act
    const again = await leases.take(key, 'holder-a', T0 + SECOND, T0 + 21 * SECOND);

    // Assess
    expect(again).toBe(false);
  });

  it('lets another holder take the lease once it has expired (a holder that died)', async () => {
    // Prepare
    const key = freshKey();
    await leases.take(key, 'holder-a', T0, T0 + 20 * SECOND);

    // Act: 1 ms after the expiry
    const taken = await leases.take(key, 'holder-b', T0 + 20 * SECOND + 1, T0 + 40 * SECOND);

    // Assess
    expect(taken).toBe(true);
    expect(await storedLease(key)).toMatchObject({ holder: { S: 'holder-b' }, expiresAtMs: { N: String(T0 + 40 * SECOND) } });
  });

  it('frees the lease when its holder gives it back: the next holder takes it before the old expiry', async () => {
    // Prepare
    const key = freshKey();
    await leases.take(key, 'holder-a', T0, T0 + 20 * SECOND);

    // Act
    await leases.giveBack(key, 'holder-a');
    const taken = await leases.take(key, 'holder-b', T0 + SECOND, T0 + 21 * SECOND);

    // Assess
    expect(taken).toBe(true);
    expect((await storedLease(key))?.holder).toStrictEqual({ S: 'holder-b' });
  });

  it("leaves the new holder's lease alone when a stale holder gives back its expired one", async () => {
    // Prepare: A's lease expired and B took it
    const key = freshKey();
    await leases.take(key, 'holder-a', T0, T0 + 20 * SECOND);
    await leases.take(key, 'holder-b', T0 + 25 * SECOND, T0 + 45 * SECOND);

    // Act: A, late, gives back what it thinks it holds
    await leases.giveBack(key, 'holder-a');

    // Assess: B still holds it, and a third holder is refused
    expect(await storedLease(key)).toMatchObject({ holder: { S: 'holder-b' }, expiresAtMs: { N: String(T0 + 45 * SECOND) } });
    expect(await leases.take(key, 'holder-c', T0 + 26 * SECOND, T0 + 46 * SECOND)).toBe(false);
  });

  it('gives back a lease nobody holds without an error', async () => {
    // Prepare
    const key = freshKey();

    // Act
    await leases.giveBack(key, 'holder-a');

    // Assess
    expect(await storedLease(key)).toBeUndefined();
  });

  it('keeps the leases of different distributions apart', async () => {
    // Prepare
    const [first, second] = [freshKey(), freshKey()];
    await leases.take(first, 'holder-a', T0, T0 + 20 * SECOND);

    // Act
    const taken = await leases.take(second, 'holder-b', T0 + SECOND, T0 + 21 * SECOND);

    // Assess
    expect(taken).toBe(true);
    expect((await storedLease(first))?.holder).toStrictEqual({ S: 'holder-a' });
  });

  it('throws the DynamoDB error other than the condition failing: a missing table', async () => {
    // Prepare
    const missing = new SendLeases(client, 'cfiq-no-such-table');

    // Act, Assess: one call at a time (a rejection not yet awaited would count as unhandled)
    await expect(missing.take(freshKey(), 'holder-a', T0, T0 + 20 * SECOND)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(missing.giveBack(freshKey(), 'holder-a')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
