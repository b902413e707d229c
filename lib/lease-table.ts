import { RemovalPolicy, Validations, type CfnResource } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { LEASE_TABLE } from '../lambda/submit/lease-table.ts';

/**
 * The table of send leases (lambda/submit/send-lease.ts): concurrent invocations take turns per distribution between
 * reading CloudFront's in-progress budget and sending. One item per distribution being sent to, living seconds.
 */

/** What the function does with a lease: take it (a conditional PutItem) and give it back (a conditional DeleteItem). */
export const LEASE_TABLE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:DeleteItem'] as const;

/**
 * The lease table: keyed by distribution id, on-demand (a few writes per batch, nothing between batches), expired
 * items deleted by DynamoDB's time to live, encrypted with DynamoDB's AWS owned key (an item holds a distribution
 * id, a random holder id and its expiry: no message content), deleted with the stack.
 */
export function createLeaseTable(scope: Construct, id: string): dynamodb.Table {
  const table = new dynamodb.Table(scope, id, {
    partitionKey: { name: LEASE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: LEASE_TABLE.timeToLiveAttribute,
    encryption: dynamodb.TableEncryption.DEFAULT,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  Validations.of(table.node.defaultChild as CfnResource).acknowledge({
    id: 'AwsSolutions-DDB3',
    reason:
      'Send leases live seconds (each expires before its invocation times out) and the next batch takes them afresh: ' +
      'a restored lease would only make an invocation wait, so point-in-time recovery has nothing to restore',
  });
  return table;
}

/** The function's statement on the lease table: exactly LEASE_TABLE_ACTIONS, on that table only. */
export function leaseTableStatement(table: dynamodb.ITable): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: [...LEASE_TABLE_ACTIONS], resources: [table.tableArn] });
}
