/**
 * The send leases' DynamoDB table (send-lease.ts), in a module of its own so the CDK construct and local mode can
 * name its attributes without loading the DynamoDB client.
 */
/** The lease table's shape, for the construct, local mode and the simulation. */
export const LEASE_TABLE = {
  /** The partition key (string): the distribution's id, or a multi-tenant distribution's for its tenants. */
  partitionKey: 'distributionId',
  /** Epoch seconds after which DynamoDB's time to live may delete the item (a holder that died). */
  timeToLiveAttribute: 'expiresAt',
  /** Epoch milliseconds after which the lease is free for the taking. */
  expiresAtMs: 'expiresAtMs',
  /** Who holds it: a random id per lease taken. */
  holder: 'holder',
} as const;
