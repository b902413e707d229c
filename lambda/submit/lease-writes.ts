import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsErrorName } from '../errors.ts';
import { LEASE_TABLE } from './lease-table.ts';

/**
 * The two writes of a send lease (send-lease.ts says when they are made): a conditional PutItem takes it unless
 * another holder's has not expired, a conditional DeleteItem gives it back, by its holder only. One item per
 * distribution in the table LEASE_TABLE describes.
 */

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
  public async giveBack(key: string, holder: string, abortSignal?: AbortSignal): Promise<void> {
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
