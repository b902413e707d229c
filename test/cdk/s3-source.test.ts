import { Errors, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, test } from 'vitest';
import { ENVIRONMENT } from '../../lambda/config.ts';
import { InvalidationQueue, S3Delivery } from '../../lib/invalidation-queue.ts';
import { BUCKET_NOTIFICATIONS_HANDLER_ID } from '../../lib/s3-source.ts';
import { MEDIA_DISTRIBUTION, queueStack, resourceOf, testApp, WWW_DISTRIBUTION } from './cdk-test-app.ts';

const WWW = WWW_DISTRIBUTION.id;
const MEDIA = MEDIA_DISTRIBUTION.id;

/** The handler's configuration, as the function's environment holds it. */
function configOf(template: Template): any {
  const value = resourceOf(template, 'AWS::Lambda::Function', 'InvalidatorHandler').properties.Environment.Variables[ENVIRONMENT.config];
  return JSON.parse(typeof value === 'string' ? value : JSON.stringify(value));
}

/** The notification configuration aws-cdk-lib puts on a bucket (a custom resource, one per bucket). */
function notificationsOf(template: Template): any[] {
  return Object.values(template.findResources('Custom::S3BucketNotifications')).map((resource: any) => resource.Properties);
}

/** `arn:<partition>:s3:::<name>`, as CloudFormation joins it. */
const bucketArn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}`]] });
const QUEUE_ARN = { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvalidatorQueue'), 'Arn'] };
const queueConfiguration = (event: string, prefix?: string) => ({
  Events: [event],
  QueueArn: QUEUE_ARN,
  ...(prefix === undefined ? {} : { Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } } }),
});

/** A stack with an InvalidationQueue over two distributions and the bucket `example-site`, looked up by name. */
function withSite(props: Partial<ConstructorParameters<typeof InvalidationQueue>[2]> = {}) {
  const { stack, queue } = queueStack({ distributions: [WWW_DISTRIBUTION, MEDIA_DISTRIBUTION], ...props });
  return { stack, queue, site: s3.Bucket.fromBucketName(stack, 'Site', 'example-site') };
}

describe('InvalidationQueue.addS3Source', () => {
  test('defaults', () => {
    // GIVEN
    const { stack, queue, site } = withSite();

    // WHEN
    queue.addS3Source(site, { distributionId: WWW });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::S3BucketNotifications', 1);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'example-site',
      NotificationConfiguration: { QueueConfigurations: [queueConfiguration('s3:ObjectCreated:*'), queueConfiguration('s3:ObjectRemoved:*')] },
      // An imported bucket: its other notifications are kept.
      Managed: false,
    });
    expect(configOf(template).buckets).toStrictEqual([{ name: 'example-site', distributionId: WWW, keyPrefix: '', pathPrefix: '/' }]);
    expect(queue.config.buckets).toStrictEqual([{ name: 'example-site', distributionId: WWW, keyPrefix: '', pathPrefix: '/' }]);
  });

  test('lets S3 send for that bucket and account only (aws:SourceArn, aws:SourceAccount), nothing but SendMessage', () => {
    // GIVEN
    const { stack, queue, site } = withSite();

    // WHEN
    queue.addS3Source(site, { distributionId: WWW });

    // THEN
    const policy = resourceOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy', 'InvalidatorQueuePolicy').properties;
    const allows = policy.PolicyDocument.Statement.filter((statement: any) => statement.Effect === 'Allow');
    expect(allows).toStrictEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^InvalidatorQueue/), 'Arn'] },
        Condition: { ArnLike: { 'aws:SourceArn': bucketArn('example-site') }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  test('keyPrefix: only keys under it (its filter written as S3 writes keys), stripped from the key', () => {
    // GIVEN
    const { stack, queue, site } = withSite();

    // WHEN
    queue.addS3Source(site, { distributionId: WWW, keyPrefix: 'public site/' });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [queueConfiguration('s3:ObjectCreated:*', 'public+site/'), queueConfiguration('s3:ObjectRemoved:*', 'public+site/')],
      },
    });
    expect(configOf(template).buckets[0]).toMatchObject({ keyPrefix: 'public site/' });
  });

  test('pathPrefix and indexDocument go to the configuration', () => {
    // GIVEN
    const { stack, queue, site } = withSite();

    // WHEN
    queue.addS3Source(site, { distributionId: MEDIA, pathPrefix: '/static/', indexDocument: 'index.html' });

    // THEN
    expect(configOf(Template.fromStack(stack)).buckets).toStrictEqual([
      { name: 'example-site', distributionId: MEDIA, keyPrefix: '', pathPrefix: '/static/', indexDocument: 'index.html' },
    ]);
  });

  test('with QueueEncryption.KMS, S3 may use the key for that bucket and account only, before the notifications are put', () => {
    // GIVEN
    const { stack, queue, site } = withSite({ encryption: sqs.QueueEncryption.KMS });

    // WHEN
    queue.addS3Source(site, { distributionId: WWW });

    // THEN
    const template = Template.fromStack(stack);
    const key = resourceOf(template, 'AWS::KMS::Key', 'InvalidatorQueueKey');
    expect(key.properties.KeyPolicy.Statement).toContainEqual({
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { ArnLike: { 'aws:SourceArn': bucketArn('example-site') }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications')) as any[];
    expect(notifications.DependsOn).toEqual(expect.arrayContaining([key.id, expect.stringMatching(/^InvalidatorQueuePolicy/)]));
  });

  test('with an imported key, warns with the statement to add to its key policy', () => {
    // GIVEN
    const stack = new Stack(testApp(), 'Stack');
    const queue = new InvalidationQueue(stack, 'Invalidator', {
      distributions: [WWW_DISTRIBUTION],
      encryptionMasterKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    });
    const site = s3.Bucket.fromBucketName(stack, 'Site', 'example-site');

    // WHEN
    queue.addS3Source(site, { distributionId: WWW });

    // THEN
    Annotations.fromStack(stack).hasWarning('/Stack/Invalidator', Match.stringLikeRegexp('add this statement to its key policy.*kms:GenerateDataKey.*s3\\.amazonaws\\.com'));
  });

  test("gives aws-cdk-lib's notifications function a log group of its own, and no AWS managed policy", () => {
    // GIVEN
    const { stack, queue, site } = withSite();

    // WHEN
    queue.addS3Source(site, { distributionId: WWW });

    // THEN
    const template = Template.fromStack(stack);
    const role = resourceOf(template, 'AWS::IAM::Role', BUCKET_NOTIFICATIONS_HANDLER_ID);
    expect(role.properties.ManagedPolicyArns).toBeUndefined();
    const fn = resourceOf(template, 'AWS::Lambda::Function', BUCKET_NOTIFICATIONS_HANDLER_ID);
    const logGroup = resourceOf(template, 'AWS::Logs::LogGroup', `${BUCKET_NOTIFICATIONS_HANDLER_ID}LogGroup`);
    expect(fn.properties.LoggingConfig).toStrictEqual({ LogGroup: { Ref: logGroup.id } });
    expect(logGroup.properties.RetentionInDays).toBe(30);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy: any) => JSON.stringify(policy.Properties.Roles).includes(role.id))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toStrictEqual([
      expect.objectContaining({ Action: ['s3:GetBucketNotification', 's3:PutBucketNotification'], Resource: bucketArn('example-site') }),
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroup.id, 'Arn'] } }),
    ]);
  });

  test('several sources of one bucket share its notifications; a shorter keyPrefix covers a longer one', () => {
    // GIVEN
    const { stack, queue, site } = withSite();

    // WHEN
    queue.addS3Source(site, { distributionId: WWW, keyPrefix: 'public/' });
    queue.addS3Source(site, { distributionId: MEDIA, keyPrefix: 'public/' });
    queue.addS3Source(s3.Bucket.fromBucketName(stack, 'SameSite', 'example-site'), { distributionId: MEDIA, keyPrefix: 'public/img/', pathPrefix: '/img/' });
    queue.addS3Source(site, { distributionId: MEDIA, keyPrefix: 'assets/' });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::S3BucketNotifications', 1);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          queueConfiguration('s3:ObjectCreated:*', 'public/'),
          queueConfiguration('s3:ObjectRemoved:*', 'public/'),
          queueConfiguration('s3:ObjectCreated:*', 'assets/'),
          queueConfiguration('s3:ObjectRemoved:*', 'assets/'),
        ],
      },
    });
    expect(configOf(template).buckets.map((bucket: any) => `${bucket.distributionId} ${bucket.keyPrefix}`)).toStrictEqual([
      `${WWW} public/`,
      `${MEDIA} public/`,
      `${MEDIA} public/img/`,
      `${MEDIA} assets/`,
    ]);
    const allows = resourceOf(template, 'AWS::SQS::QueuePolicy', 'InvalidatorQueuePolicy').properties.PolicyDocument.Statement.filter(
      (statement: any) => statement.Effect === 'Allow',
    );
    expect(allows).toHaveLength(1);
  });

  test('a keyPrefix covering one already notified is an error (S3 refuses overlapping notifications)', () => {
    // GIVEN
    const { queue, site } = withSite();
    queue.addS3Source(site, { distributionId: WWW, keyPrefix: 'public/blog/' });

    // THEN
    expect(() => queue.addS3Source(site, { distributionId: MEDIA, keyPrefix: 'public/' })).toThrow(
      /addS3Source: bucket example-site already notifies the queue of keys under "public\/blog\/", which keyPrefix "public\/" overlaps/,
    );
  });

  test('options the configuration refuses are errors naming the field and value', () => {
    // GIVEN
    const { queue, site } = withSite();

    // WHEN
    const error = (() => {
      try {
        queue.addS3Source(site, { distributionId: 'E9NOTCONFIGURED', pathPrefix: 'static' });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected an error');
    })();

    // THEN
    expect(Errors.isValidationError(error)).toBe(true);
    expect(error.message).toContain(`buckets[0].distributionId: must be a configured distribution (configured: ${WWW}, ${MEDIA}) (given "E9NOTCONFIGURED")`);
    expect(error.message).toContain('buckets[0].pathPrefix: must be an invalidation path starting and ending with "/"');
  });

  test('a bucket of this stack: its name known only at deploy time', () => {
    // GIVEN
    const { stack, queue } = withSite();
    const bucket = new s3.Bucket(stack, 'Owned', { enforceSSL: true });

    // WHEN
    queue.addS3Source(bucket, { distributionId: WWW });

    // THEN
    const template = Template.fromStack(stack);
    const value = resourceOf(template, 'AWS::Lambda::Function', 'InvalidatorHandler').properties.Environment.Variables[ENVIRONMENT.config];
    expect(JSON.stringify(value)).toMatch(/"Ref":"Owned/);
    template.hasResourceProperties('Custom::S3BucketNotifications', { BucketName: { Ref: Match.stringLikeRegexp('^Owned') }, Managed: true });
  });

  test('delivery EVENTBRIDGE: the bucket sends to EventBridge, a rule per bucket delivers its content events, no S3 statement', () => {
    // GIVEN
    const { stack, queue, site } = withSite();

    // WHEN
    queue.addS3Source(site, { distributionId: WWW, keyPrefix: 'public/', delivery: S3Delivery.EVENTBRIDGE });
    queue.addS3Source(site, { distributionId: MEDIA, keyPrefix: 'media/', delivery: S3Delivery.EVENTBRIDGE });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::S3BucketNotifications', { BucketName: 'example-site', NotificationConfiguration: { EventBridgeConfiguration: {} } });
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created', 'Object Deleted'], detail: { bucket: { name: ['example-site'] } } },
      Targets: [Match.objectLike({ Arn: QUEUE_ARN })],
    });
    expect(JSON.stringify(template.findResources('AWS::SQS::QueuePolicy'))).not.toContain('s3.amazonaws.com');
    expect(configOf(template).buckets.map((bucket: any) => bucket.keyPrefix)).toStrictEqual(['public/', 'media/']);
  });

  test('all the sources of a bucket use one delivery', () => {
    // GIVEN
    const { queue, site } = withSite();
    queue.addS3Source(site, { distributionId: WWW });

    // THEN
    expect(() => queue.addS3Source(site, { distributionId: MEDIA, delivery: S3Delivery.EVENTBRIDGE })).toThrow(
      /addS3Source: bucket example-site already delivers its events by notification: all its sources use one delivery \(given eventbridge\)/,
    );
  });

  test('a bucket of another account: aws:SourceAccount is its account', () => {
    // GIVEN
    const { stack, queue } = withSite();
    const bucket = s3.Bucket.fromBucketAttributes(stack, 'Shared', { bucketName: 'shared-site', account: '111122223333' });

    // WHEN
    queue.addS3Source(bucket, { distributionId: WWW });

    // THEN
    const policy = resourceOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy', 'InvalidatorQueuePolicy').properties;
    expect(JSON.stringify(policy)).toContain('"aws:SourceAccount":"111122223333"');
  });
});

describe('InvalidationQueue buckets', () => {
  test('looks each bucket up by name and adds it, shorter key prefixes notifying first', () => {
    // GIVEN
    const { stack } = queueStack({
      distributions: [WWW_DISTRIBUTION, MEDIA_DISTRIBUTION],
      buckets: [
        { name: 'example-site', distributionId: MEDIA, keyPrefix: 'public/img/', pathPrefix: '/img/' },
        { name: 'example-site', distributionId: WWW, keyPrefix: 'public/', indexDocument: 'index.html' },
        { name: 'other-site', distributionId: MEDIA },
      ],
    });

    // WHEN
    const template = Template.fromStack(stack);

    // THEN
    expect(notificationsOf(template).map((properties) => [properties.BucketName, properties.NotificationConfiguration.QueueConfigurations.length])).toStrictEqual([
      ['example-site', 2],
      ['other-site', 2],
    ]);
    expect(configOf(template).buckets).toStrictEqual([
      { name: 'example-site', distributionId: MEDIA, keyPrefix: 'public/img/', pathPrefix: '/img/' },
      { name: 'example-site', distributionId: WWW, keyPrefix: 'public/', pathPrefix: '/', indexDocument: 'index.html' },
      { name: 'other-site', distributionId: MEDIA, keyPrefix: '', pathPrefix: '/' },
    ]);
  });

  test('are validated with the other props, all violations together', () => {
    expect(() =>
      queueStack({ buckets: [{ name: 'x', distributionId: 'E9NOTCONFIGURED' }], batchSize: 0 }),
    ).toThrow(/buckets\[0\]\.name: must be an S3 bucket name[\s\S]*buckets\[0\]\.distributionId: must be a configured distribution[\s\S]*batchSize must be an integer/);
  });
});
