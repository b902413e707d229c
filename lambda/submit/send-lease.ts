import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { DEADLINE_MARGIN_MS, LEASE_POLL_MS, LEASE_WAIT_MS } from '../defaults.ts';
import { awsErrorName, describeAwsError } from '../errors.ts';
import { METRICS } from '../metrics.ts';
import { LEASE_TABLE } from './lease-table.ts';
import type { PipelineDependencies } from '../types.ts';

/**
 * Concurrent invocations take turns per distribution. CloudFront's in-progress budget is shared by every invocation:
 * two that read it at once both see the same free paths, both send, and CloudFront refuses the second
 * (TooManyInvalidationsInProgress; its messages wait, but the call is spent). An invocation therefore holds a short
 * lease on each distribution it sends to, from before it reads the budget until its last CreateInvalidation there
 * returns; another invocation waits for the lease (a few seconds: one read and a few sends), then reads a budget that
 * counts what the first one sent.
 *
 * The lease is an item per distribution in a DynamoDB table (LEASE_TABLE, lease-table.ts), written with a conditional
 * PutItem and removed with a conditional DeleteItem. It only saves refusals: an invocation that cannot get it (the
 * wait ran out, DynamoDB failed) sends without it, and CloudFront's refusal still makes the messages wait. A holder
 * that dies keeps it until it expires, at its own invocation's deadline.
 */

/** The lease's length when the invocation's remaining time is not known (tests, simulations). */
const DEFAULT_LEASE_MS = 60_000;

/**
 * The longest one take or give-back may run, SDK retries included, in milliseconds: a DynamoDB that hangs costs a
 * batch this much, not the function's timeout (its client allows 15 s an attempt, for three attempts).
 */
const LEASE_CALL_TIMEOUT_MS = 3_000;

/** Takes and gives back leases in one DynamoDB table. */
export class SendLeases {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  public constructor(client: DynamoDBClient, tableName: string) {
    this.#client = client;
    this.#tableName = tableName;
  }

  /**
   * Take the lease on `key` for `holder` until `expiresAtMs`, unless another holder's lease has not yet expired.
   *
   * @returns whether it was taken
   * @throws the DynamoDB error, other than the condition failing
   */
  public async take(key: string, holder: string, nowMs: number, expiresAtMs: number, abortSignal?: AbortSignal): Promise<boolean> {
    const { partitionKey, holder: holderName, expiresAtMs: expiresName, timeToLiveAttribute } = LEASE_TABLE;
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: {
            [partitionKey]: { S: key },
            [holderName]: { S: holder },
            [expiresName]: { N: String(expiresAtMs) },
            [timeToLiveAttribute]: { N: String(Math.ceil(expiresAtMs / 1000)) },
          },
          ConditionExpression: 'attribute_not_exists(#key) OR #expires < :now',
          ExpressionAttributeNames: { '#key': partitionKey, '#expires': expiresName },
          ExpressionAttributeValues: { ':now': { N: String(nowMs) } },
        }),
        { abortSignal },
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Give back `holder`'s lease on `key`; nothing when it expired and another holder took it. */
  public async give(key: string, holder: string, abortSignal?: AbortSignal): Promise<void> {
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#tableName,
          Key: { [LEASE_TABLE.partitionKey]: { S: key } },
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#holder': LEASE_TABLE.holder },
          ExpressionAttributeValues: { ':holder': { S: holder } },
        }),
        { abortSignal },
      );
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
  }
}

/** The leases an invocation holds; `release()` gives them back (never throws). */
export interface HeldLeases {
  /** The keys held. */
  readonly held: readonly string[];
  release(): Promise<void>;
}

const NO_LEASES: HeldLeases = { held: [], release: async () => {} };

/**
 * Take the lease on each of `keys` (in sorted order, so two invocations never wait on each other crosswise), waiting
 * for another holder up to LEASE_WAIT_MS and at most half the working time left. A key whose lease cannot be had
 * is sent to without it (logged, and counted as LeasesNotTaken). Without `deps.leases` (no table configured),
 * nothing is taken.
 */
export async function takeSendLeases(keys: Iterable<string>, deps: PipelineDependencies): Promise<HeldLeases> {
  const leases = deps.leases;
  const wanted = [...new Set(keys)].sort();
  if (leases === undefined || wanted.length === 0) return NO_LEASES;
  const now = () => deps.now?.() ?? Date.now();
  const sleep = deps.sleep ?? ((ms: number) => sleepFor(ms));
  const random = deps.random ?? Math.random;
  const startedAt = now();
  const remaining = deps.remainingTimeMs?.();
  const working = remaining === undefined ? DEFAULT_LEASE_MS : Math.max(0, remaining - DEADLINE_MARGIN_MS);
  // Held until the last CreateInvalidation returns, which is before the deadline margin (submit-all.ts).
  const expiresAtMs = startedAt + (remaining === undefined ? DEFAULT_LEASE_MS : working) + 1_000;
  const waitUntil = startedAt + Math.min(LEASE_WAIT_MS, working / 2);
  const holder = randomUUID();
  const held: string[] = [];
  let notTaken = 0;
  for (const key of wanted) {
    let waits = 0;
    for (;;) {
      let taken: boolean;
      try {
        taken = await leases.take(key, holder, now(), expiresAtMs, AbortSignal.timeout(LEASE_CALL_TIMEOUT_MS));
      } catch (error) {
        deps.observer.warn('could not take the send lease; sending without it', { distributionId: key, error: describeAwsError(error) });
        notTaken++;
        break;
      }
      if (taken) {
        held.push(key);
        if (waits > 0) deps.observer.info('send lease taken after waiting', { distributionId: key, waitedMs: now() - startedAt });
        break;
      }
      // Jittered, so two waiters do not ask in step.
      const pause = Math.round(LEASE_POLL_MS * (0.5 + random()));
      if (now() + pause > waitUntil) {
        deps.observer.warn('another invocation held the send lease too long; sending without it', { distributionId: key, waitedMs: now() - startedAt });
        notTaken++;
        break;
      }
      waits++;
      await sleep(pause);
    }
  }
  if (notTaken > 0) deps.observer.count(METRICS.leasesNotTaken, notTaken);
  return {
    held,
    release: async () => {
      await Promise.all(
        held.map((key) =>
          leases.give(key, holder, AbortSignal.timeout(LEASE_CALL_TIMEOUT_MS)).catch((error: unknown) => {
            // It expires at the invocation's deadline: the next holder waits until then at most.
            deps.observer.warn('could not give back the send lease', { distributionId: key, error: describeAwsError(error) });
          }),
        ),
      );
    },
  };
}

/**
 * Run `work` holding the send leases of `keys` (see takeSendLeases), and give them back when it ends, whether it
 * returns or throws.
 */
export async function holdingSendLeases<T>(keys: Iterable<string>, deps: PipelineDependencies, work: () => Promise<T>): Promise<T> {
  const leases = await takeSendLeases(keys, deps);
  try {
    return await work();
  } finally {
    await leases.release();
  }
}
