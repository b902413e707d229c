import { Annotations, CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IDependable } from 'constructs';
import { encodeObjectKey } from '../lambda/read/s3-events.ts';

/**
 * What `InvalidationQueue.addS3Source` needs besides the construct: the bucket notifications to the queue, the queue
 * and key policies that let S3 send (AWS's confused-deputy conditions), and the least privilege of the function
 * aws-cdk-lib uses to put a bucket's notification configuration.
 */

/** Options of {@link InvalidationQueue.addS3Source}: the configuration's `buckets` entry, less the bucket's name. */
export interface S3SourceOptions {
  /**
   * The distribution the bucket's objects are served by: one of the construct's `distributions`. Give exactly one of
   * `distributionId` and `tenantId`.
   *
   * @default - none: `tenantId` names the target instead
   */
  readonly distributionId?: string;

  /**
   * The distribution tenant the bucket's objects are served by (CloudFront SaaS Manager, its `dt_` id): one of the
   * `tenants` of the construct's `distributions`. Give exactly one of `distributionId` and `tenantId`.
   *
   * @default - none: `distributionId` names the target instead
   */
  readonly tenantId?: string;

  /**
   * Only keys starting with it invalidate, with it stripped from the key; also the prefix filter of the bucket's
   * notifications, so S3 sends nothing else. Usually ends in "/" (`public/`). At most 1,024 characters.
   *
   * @default '' (every key of the bucket)
   */
  readonly keyPrefix?: string;

  /**
   * Put before the key (without `keyPrefix`) to make its path: an invalidation path starting and ending with "/",
   * without `*` or a query; `/static/` when the distribution serves the bucket under /static/*.
   *
   * @default '/'
   */
  readonly pathPrefix?: string;

  /**
   * The file a directory's URL serves (a website's index document): a key `blog/index.html` then invalidates
   * `/blog/index.html` and `/blog/`, and `index.html` invalidates `/index.html` and `/`. A file name without "/".
   *
   * @default - none: a key invalidates its own path only
   */
  readonly indexDocument?: string;
}

/** How a bucket's events reach the queue. */
export const S3Delivery = {
  /** The bucket's event notifications, sent by S3 to the queue. */
  NOTIFICATION: 'notification',
  /** S3's events on the account's default EventBridge bus, and a rule delivering the bucket's to the queue. */
  EVENTBRIDGE: 'eventbridge',
} as const;
export type S3Delivery = (typeof S3Delivery)[keyof typeof S3Delivery];

/** Options of {@link InvalidationQueue.addS3Source}. */
export interface AddS3SourceOptions extends S3SourceOptions {
  /**
   * How the bucket's events reach the queue: its event notifications, or EventBridge (for a bucket that already
   * notifies something else of created or removed objects: S3 refuses two notifications of one event type with
   * overlapping prefixes). All the sources of one bucket use one delivery.
   *
   * @default S3Delivery.NOTIFICATION
   */
  readonly delivery?: S3Delivery;
}

/** An S3 source as the construct keeps it per bucket: the bucket, its delivery, the key prefixes it notifies the queue of. */
export interface NotifiedBucket {
  readonly bucket: s3.IBucket;
  readonly delivery: S3Delivery;
  readonly keyPrefixes: string[];
}

/** The EventBridge detail-types of the S3 events that change what an object's URL serves. */
export const S3_CONTENT_DETAIL_TYPES = ['Object Created', 'Object Deleted'] as const;

/** Event types of the notifications: created (and overwritten) objects, and removed ones. */
export const S3_SOURCE_EVENT_TYPES = [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED] as const;

/** The id aws-cdk-lib gives its singleton function that puts bucket notification configurations (one per stack). */
export const BUCKET_NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

/** KMS actions S3 needs on the queue's customer managed key to send (S3 User Guide, "AWS KMS key policy"). */
export const S3_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/**
 * The conditions of every statement letting S3 act for a bucket: that bucket (`aws:SourceArn`) of its owner's
 * account (`aws:SourceAccount`: a bucket name deleted and taken by another account gets nothing).
 */
export function s3SourceConditions(bucket: s3.IBucket, scope: Construct): Record<string, Record<string, string>> {
  const account = bucket.env.account;
  return {
    ArnLike: { 'aws:SourceArn': bucket.bucketArn },
    StringEquals: { 'aws:SourceAccount': Token.isUnresolved(account) || account === '' ? Stack.of(scope).account : account },
  };
}

/**
 * Let S3 send the bucket's notifications to the queue: `sqs:SendMessage` in the queue policy and, with a customer
 * managed key, `kms:GenerateDataKey` and `kms:Decrypt` in its key policy, both for that bucket and account only.
 *
 * @returns what the bucket's notification configuration must wait for (S3 sends a test message when it is put)
 */
export function allowS3ToSend(scope: Construct, queue: sqs.IQueue, key: kms.IKey | undefined, bucket: s3.IBucket): IDependable[] {
  const conditions = s3SourceConditions(bucket, scope);
  const principal = new iam.ServicePrincipal('s3.amazonaws.com');
  queue.addToResourcePolicy(
    new iam.PolicyStatement({ principals: [principal], actions: ['sqs:SendMessage'], resources: [queue.queueArn], conditions }),
  );
  if (key === undefined) return [queue];
  const statement = new iam.PolicyStatement({ principals: [principal], actions: [...S3_KEY_ACTIONS], resources: ['*'], conditions });
  if (!key.addToResourcePolicy(statement, true).statementAdded) {
    Annotations.of(scope).addWarningV2(
      'cloudfront-invalidation-queue:s3KeyPolicyNotAdded',
      `The queue's key is imported: add this statement to its key policy, or S3 cannot send to the queue: ${JSON.stringify(Stack.of(scope).resolve(statement.toStatementJson()))}`,
    );
  }
  return [queue, key];
}

/**
 * Notify the queue of the bucket's created and removed objects under `keyPrefix` (its S3 filter written as S3 writes
 * keys, see encodeObjectKey).
 */
export function notifyQueue(bucket: s3.IBucket, queue: sqs.IQueue, keyPrefix: string, dependencies: IDependable[]): void {
  const destination: s3.IBucketNotificationDestination = {
    bind: () => ({ arn: queue.queueArn, type: s3.BucketNotificationDestinationType.QUEUE, dependencies }),
  };
  const filters = keyPrefix === '' ? [] : [{ prefix: encodeObjectKey(keyPrefix) }];
  for (const event of S3_SOURCE_EVENT_TYPES) bucket.addEventNotification(event, destination, ...filters);
}

/**
 * Give aws-cdk-lib's bucket notifications function (one per stack) least privilege: a log group of its own, with
 * write access to it alone, instead of the AWS managed policy AWSLambdaBasicExecutionRole (logs on `*`). Done once
 * per stack, and only to the role aws-cdk-lib made for it (a role given with `notificationsHandlerRole` is the
 * caller's). Without it, cdk-nag reports AwsSolutions-IAM4.
 *
 * @param scope - any construct of the stack whose notifications function to change
 */
export function tightenNotificationsHandler(scope: Construct, retention: logs.RetentionDays): void {
  const handler = Stack.of(scope).node.tryFindChild(BUCKET_NOTIFICATIONS_HANDLER_ID);
  const fn = handler?.node.tryFindChild('Resource');
  const role = handler?.node.tryFindChild('Role');
  if (handler === undefined || !(fn instanceof CfnResource) || !(role instanceof iam.Role) || handler.node.tryFindChild('LogGroup') !== undefined) return;
  const logGroup = new logs.LogGroup(handler, 'LogGroup', { retention });
  logGroup.grantWrite(role);
  // The L1 property itself (not a template override), so that checks reading the construct tree, cdk-nag's, see it too.
  (role.node.defaultChild as iam.CfnRole).managedPolicyArns = undefined;
  fn.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
  // Its log permissions in place before it runs.
  fn.node.addDependency(role);
}
