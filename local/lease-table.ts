import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { LEASE_TABLE } from '../lambda/submit/lease-table.ts';
import { LOOPBACK_HOST } from './cloudfront-emulator/constants.ts';
import { LOCAL_CREDENTIALS } from './credentials.ts';

/** The send leases' table in local mode (lambda/submit/send-lease.ts). */
export const LOCAL_LEASE_TABLE_NAME = 'cfiq-local-send-leases';

export interface LocalLeaseTable {
  /** `http://127.0.0.1:PORT`: the DynamoDB client's `endpoint`. */
  readonly endpoint: string;
  readonly tableName: string;
  /** Stop dynalite; its in-memory store goes with it. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Start dynalite (an in-memory DynamoDB, in this process) on 127.0.0.1 and create the send leases' table in it, so
 * that concurrent invocations take turns per distribution as they do in AWS.
 *
 * @param region - the region the clients sign for (dynalite answers any)
 * @throws the listen error, or CreateTable's
 */
export async function startLocalLeaseTable(region: string): Promise<LocalLeaseTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, LOOPBACK_HOST);
  await once(server, 'listening');
  const endpoint = `http://${LOOPBACK_HOST}:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve, reject) => {
      server.close((error?: Error) => (error ? reject(error) : resolve()));
      // Idle keep-alive sockets would hold close() up; the handler's client is destroyed before this.
      server.closeAllConnections();
    }));
  const client = new DynamoDBClient({ region, endpoint, credentials: LOCAL_CREDENTIALS });
  try {
    await createLeaseTable(client, LOCAL_LEASE_TABLE_NAME);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, tableName: LOCAL_LEASE_TABLE_NAME, close };
}

/** Create a table of LEASE_TABLE's shape (a string partition key, on demand), and wait until it is ACTIVE. */
export async function createLeaseTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: LEASE_TABLE.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: LEASE_TABLE.partitionKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  // The first DescribeTable is at once; dynalite started with createTableMs 0 and moto answer ACTIVE by then.
  await waitUntilTableExists({ client, minDelay: 1, maxDelay: 1, maxWaitTime: 30 }, { TableName: tableName });
}
