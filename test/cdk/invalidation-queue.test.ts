import { Duration, Errors, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, test } from 'vitest';
import { ENVIRONMENT, parseInvalidatorConfig } from '../../lambda/config.ts';
import { MIN_FUNCTION_TIMEOUT_SECONDS } from '../../lambda/defaults.ts';
import { MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';
import { METRICS } from '../../lambda/metrics.ts';
import { InvalidationQueue } from '../../lib/invalidation-queue.ts';
import {
  MEDIA_DISTRIBUTION,
  queueStack,
  queueTemplate,
  resourceOf,
  testApp,
  WWW_DISTRIBUTION,
} from './cdk-test-app.ts';

const DAY_SECONDS = 24 * 60 * 60;

/** The function's environment variables. */
function environmentOf(template: Template): Record<string, unknown> {
  return resourceOf(template, 'AWS::Lambda::Function', 'InvalidatorHandler').properties.Environment.Variables;
}

/** The statements of the function role's policy. */
function handlerStatements(template: Template): any[] {
  return resourceOf(template, 'AWS::IAM::Policy', 'InvalidatorHandlerRole').properties.PolicyDocument.Statement;
}

/** Every resource named by a statement, as an array. */
function resourcesOf(statement: { Resource: unknown }): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** What `create` throws. */
function thrownBy(create: () => unknown): unknown {
  try {
    create();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function actionsOf(statement: { Action: unknown }): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action as string];
}

/** The CloudFormation form of a distribution's ARN. */
function tenantArn(id: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, `:distribution-tenant/${id}`]] };
}

function distributionArn(id: string): unknown {
  return {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, `:distribution/${id}`]],
  };
}

describe('InvalidationQueue', () => {
  test('defaults', () => {
    // GIVEN
    const { stack } = queueStack();

    // WHEN
    const template = Template.fromStack(stack);

    // THEN
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    // Dead letters, the queue's oldest message, and one backlog alarm per distribution (one here).
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    // The send leases' table.
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const dlq = resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorDeadLetterQueue');
    const leaseTable = resourceOf(template, 'AWS::DynamoDB::Table', 'InvalidatorLeaseTable');
    expect(resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorQueue').properties).toStrictEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 4 * DAY_SECONDS,
      // 6 x the 60 s function timeout + the 60 s batching window.
      VisibilityTimeout: 420,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlq.id, 'Arn'] },
        maxReceiveCount: 10,
      },
    });
    expect(dlq.properties).toStrictEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * DAY_SECONDS,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 60,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^InvalidatorLogGroup') } },
    });
    expect(environmentOf(template)).toStrictEqual({
      [ENVIRONMENT.config]: JSON.stringify({
        distributions: [WWW_DISTRIBUTION],
        maxPathsPerInvalidation: MAX_PATHS_PER_INVALIDATION,
        maxWildcardsPerInvalidation: MAX_WILDCARDS_IN_PROGRESS,
      }),
      [ENVIRONMENT.deadLetterQueueUrl]: { Ref: dlq.id },
      [ENVIRONMENT.maxReceiveCount]: '10',
      [ENVIRONMENT.retryBaseDelaySeconds]: '30',
      [ENVIRONMENT.retryMaxDelaySeconds]: '900',
      // 24 hours.
      [ENVIRONMENT.maxBacklogAgeSeconds]: '86400',
      [ENVIRONMENT.leaseTableName]: { Ref: leaseTable.id },
      POWERTOOLS_SERVICE_NAME: 'cloudfront-invalidation-queue',
      POWERTOOLS_METRICS_NAMESPACE: 'CloudFrontInvalidationQueue',
      NODE_OPTIONS: '--enable-source-maps',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OldestWaitingAgeSeconds',
      Namespace: 'CloudFrontInvalidationQueue',
      Dimensions: Match.arrayWith([{ Name: 'DistributionId', Value: WWW_DISTRIBUTION.id }]),
      Statistic: 'Maximum',
      // 1 hour.
      Threshold: 3600,
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 60,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvalidatorQueue'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    // No AWS managed policy: the role carries its own, scoped statements only.
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('the visibility timeout is at least 6 times the function timeout', () => {
    // GIVEN
    const timeouts = [MIN_FUNCTION_TIMEOUT_SECONDS, 60, 300, 900];

    for (const seconds of timeouts) {
      // WHEN
      const template = queueTemplate({ timeout: Duration.seconds(seconds) });

      // THEN
      const queue = resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorQueue');
      expect(queue.properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * seconds);
    }
  });

  test('both queues deny access without TLS', () => {
    // GIVEN
    const template = queueTemplate();

    // THEN
    for (const prefix of ['InvalidatorQueue', 'InvalidatorDeadLetterQueue']) {
      const queue = resourceOf(template, 'AWS::SQS::Queue', prefix);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue.id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: { 'Fn::GetAtt': [queue.id, 'Arn'] },
            },
          ]),
        },
      });
    }
  });

  test('the function may only invalidate, and list and read invalidations of, the configured distributions, with no "*" resource', () => {
    // GIVEN
    const distributions = [WWW_DISTRIBUTION, MEDIA_DISTRIBUTION];

    // WHEN
    const template = queueTemplate({ distributions });

    // THEN
    const statements = handlerStatements(template);
    const cloudfront = statements.filter((statement) => actionsOf(statement).some((a) => a.startsWith('cloudfront:')));
    expect(cloudfront).toHaveLength(1);
    expect(actionsOf(cloudfront[0])).toStrictEqual(['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation', 'cloudfront:ListInvalidations']);
    expect(resourcesOf(cloudfront[0])).toStrictEqual(
      expect.arrayContaining(distributions.map((distribution) => distributionArn(distribution.id))),
    );
    expect(resourcesOf(cloudfront[0])).toHaveLength(distributions.length);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(resourcesOf(statement)).not.toContain('*');
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|:\*"/);
    }
  });

  test('tenants: exactly the tenant invalidation actions on the configured tenants\' ARNs, and no lookup action', () => {
    // GIVEN
    const tenants = ['dt_2wjDZi3hD1ivOXf6rpZJO1AB', 'dt_3xkEAj4iE2jwPYg7sqaKP2BC'];
    const distributions = [{ id: 'E2SAASPLATFORM', tenants: tenants.map((id) => ({ id, hostnames: [`${id.slice(3).toLowerCase()}.example.com`] })) }];

    // WHEN
    const template = queueTemplate({ distributions });

    // THEN
    const statements = handlerStatements(template).filter((statement) => actionsOf(statement).some((a) => a.includes('DistributionTenant')));
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0])).toStrictEqual([
      'cloudfront:CreateInvalidationForDistributionTenant',
      'cloudfront:GetInvalidationForDistributionTenant',
      'cloudfront:ListInvalidationsForDistributionTenant',
    ]);
    expect(JSON.stringify(resourcesOf(statements[0]))).toBe(JSON.stringify(tenants.map((id) => tenantArn(id))));
  });

  test('tenantLookup: the lookup action, and the tenant invalidation actions on the account\'s tenants', () => {
    // GIVEN
    const distributions = [{ id: 'E2SAASPLATFORM', tenantLookup: true }];

    // WHEN
    const template = queueTemplate({ distributions });

    // THEN
    const statements = handlerStatements(template).filter((statement) => actionsOf(statement).some((a) => a.includes('DistributionTenant')));
    expect(statements).toHaveLength(1);
    expect([...actionsOf(statements[0])].sort()).toStrictEqual([
      'cloudfront:CreateInvalidationForDistributionTenant',
      'cloudfront:GetDistributionTenantByDomain',
      'cloudfront:GetInvalidationForDistributionTenant',
      'cloudfront:ListInvalidationsForDistributionTenant',
    ]);
    expect(JSON.stringify(resourcesOf(statements[0]))).toBe(JSON.stringify([tenantArn('*')]));
  });

  test('the function consumes the queue, sends remainders back to it and sends to the dead-letter queue, nothing more', () => {
    // GIVEN
    const template = queueTemplate();
    const queue = resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorQueue');
    const dlq = resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorDeadLetterQueue');

    // THEN
    const byResource = new Map<string, string[]>();
    for (const statement of handlerStatements(template)) {
      for (const resource of resourcesOf(statement)) {
        const key = JSON.stringify(resource);
        byResource.set(key, [...(byResource.get(key) ?? []), ...actionsOf(statement)].sort());
      }
    }
    expect(byResource.get(JSON.stringify({ 'Fn::GetAtt': [queue.id, 'Arn'] }))).toStrictEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
    expect(byResource.get(JSON.stringify({ 'Fn::GetAtt': [dlq.id, 'Arn'] }))).toStrictEqual(['sqs:SendMessage']);
    expect(handlerStatements(template).flatMap(actionsOf).filter((action) => action.startsWith('kms:'))).toStrictEqual([]);
  });

  describe('distributions', () => {
    test('are passed to the handler, hostnames lower-cased', () => {
      // GIVEN
      const distributions = [{ id: 'EDFDVBD6EXAMPLE', hostnames: ['WWW.Example.org'] }, { id: 'E2QWRUHEXAMPLE' }];

      // WHEN
      const template = queueTemplate({ distributions });

      // THEN
      expect(JSON.parse(environmentOf(template)[ENVIRONMENT.config] as string).distributions).toStrictEqual([
        { id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org'] },
        { id: 'E2QWRUHEXAMPLE' },
      ]);
    });

    test.each([
      ['an empty list', [], /distributions: must name at least one distribution \(given \[\]\)/],
      [
        'a malformed id',
        [{ id: 'edfdvbd6example' }],
        /distributions\[0\]\.id: must be a CloudFront distribution id.*\(given "edfdvbd6example"\)/,
      ],
      [
        'a duplicate hostname',
        [
          { id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org'] },
          { id: 'E2QWRUHEXAMPLE', hostnames: ['WWW.example.org'] },
        ],
        /distributions\[1\]\.hostnames\[0\]: duplicate hostname "www\.example\.org" \(already mapped to EDFDVBD6EXAMPLE\)/,
      ],
      [
        'a duplicate id',
        [{ id: 'EDFDVBD6EXAMPLE' }, { id: 'EDFDVBD6EXAMPLE' }],
        /distributions\[1\]\.id: duplicate distribution id "EDFDVBD6EXAMPLE"/,
      ],
      [
        'a malformed hostname',
        [{ id: 'EDFDVBD6EXAMPLE', hostnames: ['https://www.example.org'] }],
        /distributions\[0\]\.hostnames\[0\]: must be a hostname .*\(given "https:\/\/www\.example\.org"\)/,
      ],
    ])('%s is a synth-time error naming the value', (_name, distributions, message) => {
      // WHEN
      const create = () => new InvalidationQueue(new Stack(testApp(), 'Stack'), 'Invalidator', { distributions });

      // THEN
      expect(create).toThrow(/^InvalidationQueue Stack\/Invalidator has invalid props:\n- /);
      expect(create).toThrow(message);
      expect(Errors.isValidationError(thrownBy(create))).toBe(true);
    });
  });

  describe('distributions beyond the function environment', () => {
    test("more than fits in Lambda's 4 KB environment is an error", () => {
      // GIVEN
      const distributions = Array.from({ length: 40 }, (_, index) => ({
        id: `E${String(index).padStart(13, '0')}`,
        hostnames: Array.from({ length: 4 }, (__, host) => `site-${index}-${host}.example.org`),
      }));

      // THEN
      expect(() => queueStack({ distributions })).toThrow(
        /distributions do not fit in the function's environment: about \d+ bytes with INVALIDATOR_CONFIG of \d+ bytes, above Lambda's 4096/,
      );
    });
  });

  describe('maxPathsPerInvalidation and maxWildcardsPerInvalidation', () => {
    test('are passed to the handler', () => {
      // WHEN
      const template = queueTemplate({ maxPathsPerInvalidation: 100, maxWildcardsPerInvalidation: 1 });

      // THEN
      expect(JSON.parse(environmentOf(template)[ENVIRONMENT.config] as string)).toMatchObject({
        maxPathsPerInvalidation: 100,
        maxWildcardsPerInvalidation: 1,
      });
    });

    test('out of range is an error', () => {
      expect(() => queueStack({ maxPathsPerInvalidation: MAX_PATHS_PER_INVALIDATION + 1 })).toThrow(
        /maxPathsPerInvalidation: .*\(given 3001\)/,
      );
      expect(() => queueStack({ maxWildcardsPerInvalidation: 16 })).toThrow(/maxWildcardsPerInvalidation: .*\(given 16\)/);
    });
  });

  describe('wildcardCollapse', () => {
    test('is off unless given', () => {
      // WHEN
      const template = queueTemplate();

      // THEN
      expect(JSON.parse(environmentOf(template)[ENVIRONMENT.config] as string)).not.toHaveProperty('wildcardCollapse');
    });

    test('is passed to the handler, its default threshold applied', () => {
      // WHEN
      const given = queueTemplate({ wildcardCollapse: { minPathsPerDirectory: 5 } });
      const defaulted = queueTemplate({ wildcardCollapse: {} });

      // THEN
      expect(JSON.parse(environmentOf(given)[ENVIRONMENT.config] as string).wildcardCollapse).toStrictEqual({
        minPathsPerDirectory: 5,
      });
      expect(JSON.parse(environmentOf(defaulted)[ENVIRONMENT.config] as string).wildcardCollapse).toStrictEqual(
        parseInvalidatorConfig({ distributions: [WWW_DISTRIBUTION], wildcardCollapse: {} }).wildcardCollapse,
      );
    });

    test('a threshold below 2 is an error', () => {
      expect(() => queueStack({ wildcardCollapse: { minPathsPerDirectory: 1 } })).toThrow(
        /wildcardCollapse\.minPathsPerDirectory: .*\(given 1\)/,
      );
    });
  });

  describe('batchSize', () => {
    test('sets the event source batch size', () => {
      // WHEN
      const template = queueTemplate({ batchSize: 10_000 });

      // THEN
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10_000 });
    });

    test.each([0, 10_001, 1.5])('%d is an error', (batchSize) => {
      expect(() => queueStack({ batchSize })).toThrow(
        new RegExp(`^InvalidationQueue Stack/Invalidator has invalid props:\n- batchSize must be an integer between 1 and 10000 inclusive \\(given ${batchSize}\\)$`),
      );
    });

    test('above 10 needs a batching window of at least 1 second', () => {
      // WHEN
      const create = () => queueStack({ batchSize: 11, maxBatchingWindow: Duration.seconds(0) });

      // THEN
      expect(create).toThrow(
        /maxBatchingWindow must be at least 1 second when batchSize is above 10 \(given batchSize 11 and maxBatchingWindow 0 seconds\)/,
      );
    });

    test('10 or less may go without a batching window', () => {
      // WHEN
      const template = queueTemplate({ batchSize: 10, maxBatchingWindow: Duration.seconds(0) });

      // THEN
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 0,
      });
    });
  });

  describe('maxBatchingWindow', () => {
    test('sets the event source window and the visibility timeout', () => {
      // WHEN
      const template = queueTemplate({ maxBatchingWindow: Duration.minutes(5) });

      // THEN
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: 300 });
      template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 60 + 300 });
    });

    test('above 300 seconds is an error', () => {
      expect(() => queueStack({ maxBatchingWindow: Duration.seconds(301) })).toThrow(
        /maxBatchingWindow must be whole seconds between 0 and 300 inclusive \(given 301 seconds\)/,
      );
    });
  });

  describe('maxConcurrency', () => {
    test('sets the event source scaling', () => {
      // WHEN
      const template = queueTemplate({ maxConcurrency: 1000 });

      // THEN
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 1000 } });
    });

    test.each([1, 1001])('%d is an error', (maxConcurrency) => {
      expect(() => queueStack({ maxConcurrency })).toThrow(
        `maxConcurrency must be an integer between 2 and 1000 inclusive (given ${maxConcurrency})`,
      );
    });
  });

  describe('sendLeases', () => {
    test('by default, a table keyed by distribution id: on-demand, with a time to live, deleted with the stack', () => {
      // GIVEN
      const { stack, queue } = queueStack();

      // WHEN
      const template = Template.fromStack(stack);

      // THEN
      const table = resourceOf(template, 'AWS::DynamoDB::Table', 'InvalidatorLeaseTable');
      expect(table.properties).toStrictEqual({
        KeySchema: [{ AttributeName: 'distributionId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'distributionId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        // DynamoDB's AWS owned key: every table is encrypted at rest, with no key to manage or pay for.
        SSESpecification: { SSEEnabled: false },
      });
      expect(template.findResources('AWS::DynamoDB::Table')[table.id]).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
      expect(stack.resolve(queue.leaseTable!.tableName)).toStrictEqual({ Ref: table.id });
    });

    test('the function is told its name and may PutItem and DeleteItem on it, nothing else of DynamoDB', () => {
      // GIVEN
      const template = queueTemplate();
      const table = resourceOf(template, 'AWS::DynamoDB::Table', 'InvalidatorLeaseTable');

      // THEN
      expect(environmentOf(template)[ENVIRONMENT.leaseTableName]).toStrictEqual({ Ref: table.id });
      const naming = handlerStatements(template).filter(
        (statement) => JSON.stringify(statement).includes(table.id) || actionsOf(statement).some((action) => action.startsWith('dynamodb:')),
      );
      expect(naming).toStrictEqual([
        { Effect: 'Allow', Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], Resource: { 'Fn::GetAtt': [table.id, 'Arn'] } },
      ]);
    });

    test('with KMS, the table keeps the AWS owned key: the function gets no KMS action for it', () => {
      // WHEN
      const template = queueTemplate({ encryption: sqs.QueueEncryption.KMS });

      // THEN
      expect(resourceOf(template, 'AWS::DynamoDB::Table', 'InvalidatorLeaseTable').properties.SSESpecification).toStrictEqual({ SSEEnabled: false });
      const kmsActions = handlerStatements(template).flatMap(actionsOf).filter((action) => action.startsWith('kms:'));
      expect(kmsActions.sort()).toStrictEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    });

    test('false: no table, no LEASE_TABLE_NAME, no DynamoDB permission', () => {
      // GIVEN
      const { stack, queue } = queueStack({ sendLeases: false });

      // WHEN
      const template = Template.fromStack(stack);

      // THEN
      expect(queue.leaseTable).toBeUndefined();
      template.resourceCountIs('AWS::DynamoDB::Table', 0);
      expect(environmentOf(template)).not.toHaveProperty(ENVIRONMENT.leaseTableName);
      expect(handlerStatements(template).flatMap(actionsOf).filter((action) => action.startsWith('dynamodb:'))).toStrictEqual([]);
    });

    test('cdk-nag: point-in-time recovery (AwsSolutions-DDB3) is acknowledged on the lease table alone', () => {
      // GIVEN: another table in the same stack, without point-in-time recovery either
      const { stack } = queueStack();
      new dynamodb.Table(stack, 'Other', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });

      // WHEN
      const findings = new AwsSolutionsChecks(stack)
        .validateScope(stack)
        .violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`));

      // THEN: the other table is reported; the lease table, and everything else of the construct, is not
      expect(findings).toStrictEqual(['AwsSolutions-DDB3 at Stack/Other/Resource']);
    });
  });

  describe('maxReceiveCount', () => {
    test('sets the redrive policy and tells the handler', () => {
      // WHEN
      const template = queueTemplate({ maxReceiveCount: 3 });

      // THEN
      template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });
      expect(environmentOf(template)[ENVIRONMENT.maxReceiveCount]).toBe('3');
    });

    test.each([0, 1001])('%d is an error', (maxReceiveCount) => {
      expect(() => queueStack({ maxReceiveCount })).toThrow(
        `maxReceiveCount must be an integer between 1 and 1000 inclusive (given ${maxReceiveCount})`,
      );
    });
  });

  describe('timeout', () => {
    test('sets the function timeout and the visibility timeout', () => {
      // WHEN
      const template = queueTemplate({ timeout: Duration.minutes(2) });

      // THEN
      template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 120 });
      template.hasResourceProperties('AWS::SQS::Queue', {
        VisibilityTimeout: 6 * 120 + 60,
      });
    });

    test('the minimum, 20 seconds, leaves 10 seconds of work beyond the handler\'s 10-second deadline margin', () => {
      // WHEN
      const template = queueTemplate({ timeout: Duration.seconds(20) });

      // THEN
      expect(MIN_FUNCTION_TIMEOUT_SECONDS).toBe(20);
      template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 20 });
    });

    test.each([
      [Duration.seconds(0), '0 seconds'],
      [Duration.seconds(10), '10 seconds'],
      [Duration.seconds(19), '19 seconds'],
      [Duration.seconds(901), '901 seconds'],
      [Duration.millis(20_500), '20.5 seconds'],
    ])('%s is an error', (timeout, given) => {
      expect(() => queueStack({ timeout })).toThrow(
        'timeout must be whole seconds between 20 and 900 inclusive (the handler starts no CloudFront call with ' +
          `less than 10 seconds left) (given ${given})`,
      );
    });
  });

  describe('memorySize', () => {
    test('sets the function memory', () => {
      // WHEN
      const template = queueTemplate({ memorySize: 1024 });

      // THEN
      template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024 });
    });

    test.each([127, 10_241])('%d is an error', (memorySize) => {
      expect(() => queueStack({ memorySize })).toThrow(
        `memorySize must be an integer between 128 and 10240 inclusive (given ${memorySize})`,
      );
    });
  });

  describe('visibilityTimeout', () => {
    test('an explicit one is used as given', () => {
      // WHEN
      const template = queueTemplate({ visibilityTimeout: Duration.minutes(30) });

      // THEN
      template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 1800 });
    });

    test('below the function timeout is an error', () => {
      expect(() => queueStack({ timeout: Duration.seconds(60), visibilityTimeout: Duration.seconds(59) })).toThrow(
        'visibilityTimeout must be at least the function timeout of 60 seconds (given 59 seconds)',
      );
    });

    test('above 12 hours is an error', () => {
      expect(() => queueStack({ visibilityTimeout: Duration.seconds(43_201) })).toThrow(
        'visibilityTimeout must be whole seconds between 0 and 43200 inclusive (given 43201 seconds)',
      );
    });
  });

  describe('retentionPeriod and deadLetterQueueRetentionPeriod', () => {
    test('set both queues', () => {
      // WHEN
      const template = queueTemplate({
        retentionPeriod: Duration.days(1),
        deadLetterQueueRetentionPeriod: Duration.days(7),
      });

      // THEN
      expect(resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorQueue').properties.MessageRetentionPeriod).toBe(
        DAY_SECONDS,
      );
      expect(resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorDeadLetterQueue').properties.MessageRetentionPeriod).toBe(
        7 * DAY_SECONDS,
      );
    });

    test('a dead-letter retention shorter than the queue retention is an error', () => {
      expect(() =>
        queueStack({ retentionPeriod: Duration.days(4), deadLetterQueueRetentionPeriod: Duration.days(3) }),
      ).toThrow(
        'deadLetterQueueRetentionPeriod must be at least retentionPeriod, since a redriven message keeps its original ' +
          'enqueue time (given 259200 seconds, retentionPeriod 345600 seconds)',
      );
    });

    test('beyond 14 days is an error', () => {
      expect(() => queueStack({ deadLetterQueueRetentionPeriod: Duration.days(15) })).toThrow(
        'deadLetterQueueRetentionPeriod must be whole seconds between 60 and 1209600 inclusive (given 1296000 seconds)',
      );
    });
  });

  describe('encryption', () => {
    test('SQS_MANAGED encrypts both queues with SSE-SQS and needs no key grant', () => {
      // WHEN
      const template = queueTemplate({ encryption: sqs.QueueEncryption.SQS_MANAGED });

      // THEN
      template.resourcePropertiesCountIs('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 2);
      template.resourcePropertiesCountIs('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() }, 0);
    });

    test('KMS encrypts both queues with one new rotated key', () => {
      // WHEN
      const template = queueTemplate({ encryption: sqs.QueueEncryption.KMS });

      // THEN
      const key = resourceOf(template, 'AWS::KMS::Key', 'InvalidatorQueueKey');
      expect(key.properties.EnableKeyRotation).toBe(true);
      template.resourcePropertiesCountIs(
        'AWS::SQS::Queue',
        { KmsMasterKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] } },
        2,
      );
      const kmsStatements = handlerStatements(template).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('kms:')),
      );
      expect(kmsStatements.flatMap(actionsOf).sort()).toStrictEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      for (const statement of kmsStatements) {
        expect(resourcesOf(statement)).toStrictEqual([{ 'Fn::GetAtt': [key.id, 'Arn'] }]);
      }
    });

    test('a given key implies KMS', () => {
      // GIVEN
      const stack = new Stack(testApp(), 'Stack');
      const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });

      // WHEN
      const queue = new InvalidationQueue(stack, 'Invalidator', {
        distributions: [WWW_DISTRIBUTION],
        encryptionMasterKey: key,
      });

      // THEN
      const template = Template.fromStack(stack);
      expect(queue.encryptionMasterKey).toBe(key);
      template.resourcePropertiesCountIs(
        'AWS::SQS::Queue',
        { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] } },
        2,
      );
      template.resourcePropertiesCountIs(
        'AWS::KMS::Key',
        { Description: 'Encrypts the CloudFront invalidation queue and its dead-letter queue' },
        0,
      );
    });

    test.each([
      [sqs.QueueEncryption.UNENCRYPTED, 'NONE'],
      [sqs.QueueEncryption.KMS_MANAGED, 'KMS_MANAGED'],
    ])('%s is refused', (encryption, given) => {
      expect(() => queueStack({ encryption })).toThrow(
        `encryption must be QueueEncryption.SQS_MANAGED or QueueEncryption.KMS (given ${given})`,
      );
    });

    test('a key with SQS_MANAGED is an error', () => {
      // GIVEN
      const stack = new Stack(testApp(), 'Stack');
      const key = new kms.Key(stack, 'MyKey');

      // WHEN
      const create = () =>
        new InvalidationQueue(stack, 'Invalidator', {
          distributions: [WWW_DISTRIBUTION],
          encryption: sqs.QueueEncryption.SQS_MANAGED,
          encryptionMasterKey: key,
        });

      // THEN
      expect(create).toThrow('Either give encryptionMasterKey or use encryption SQS_MANAGED, but not both');
    });
  });

  describe('retryBaseDelay and retryMaxDelay', () => {
    test('are passed to the handler', () => {
      // WHEN
      const template = queueTemplate({ retryBaseDelay: Duration.seconds(5), retryMaxDelay: Duration.minutes(10) });

      // THEN
      expect(environmentOf(template)).toMatchObject({
        [ENVIRONMENT.retryBaseDelaySeconds]: '5',
        [ENVIRONMENT.retryMaxDelaySeconds]: '600',
      });
    });

    test('a maximum below the base is an error', () => {
      expect(() => queueStack({ retryBaseDelay: Duration.seconds(60), retryMaxDelay: Duration.seconds(30) })).toThrow(
        'retryMaxDelay must be whole seconds between 60 and 43200 inclusive (given 30 seconds)',
      );
    });
  });

  describe('alarmEmails', () => {
    test('subscribe each address to the alarm topic', () => {
      // WHEN
      const template = queueTemplate({ alarmEmails: ['ops@example.org', 'web@example.org'] });

      // THEN
      template.resourceCountIs('AWS::SNS::Subscription', 2);
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org' });
    });

    test('an address that is not one is an error', () => {
      expect(() => queueStack({ alarmEmails: ['ops.example.org'] })).toThrow(
        'alarmEmails must hold email addresses (given "ops.example.org")',
      );
    });
  });

  describe('alarms', () => {
    test('fire on any dead-lettered message and on an old backlog, notifying an encrypted TLS-only topic', () => {
      // GIVEN
      const template = queueTemplate();
      const topic = resourceOf(template, 'AWS::SNS::Topic', 'InvalidatorAlarmTopic');
      const topicKey = resourceOf(template, 'AWS::KMS::Key', 'InvalidatorAlarmTopicKey');
      const actions = [{ Ref: topic.id }];

      // THEN
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvalidatorDeadLetterQueue'), 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: actions,
        OKActions: actions,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvalidatorQueue'), 'QueueName'] } }],
        Statistic: 'Maximum',
        // 15 minutes.
        Threshold: 900,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: actions,
        OKActions: actions,
      });
      expect(topic.properties.KmsMasterKeyId).toStrictEqual({ 'Fn::GetAtt': [topicKey.id, 'Arn'] });
      expect(topicKey.properties.EnableKeyRotation).toBe(true);
      expect(topicKey.properties.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
      );
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    test("the topic key lets CloudWatch use it only for this account's alarms in this region", () => {
      // GIVEN
      const template = queueTemplate();

      // WHEN
      const topicKey = resourceOf(template, 'AWS::KMS::Key', 'InvalidatorAlarmTopicKey');
      const cloudWatch = topicKey.properties.KeyPolicy.Statement.filter(
        (statement: { Principal?: { Service?: string } }) => statement.Principal?.Service === 'cloudwatch.amazonaws.com',
      );

      // THEN
      expect(cloudWatch).toStrictEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*'],
                ],
              },
            },
          },
        },
      ]);
    });

    test('oldestMessageAlarmThreshold sets the backlog alarm', () => {
      // WHEN
      const template = queueTemplate({ oldestMessageAlarmThreshold: Duration.hours(1) });

      // THEN
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Threshold: 3600,
      });
    });

    test('an oldestMessageAlarmThreshold under a minute is an error', () => {
      expect(() => queueStack({ oldestMessageAlarmThreshold: Duration.seconds(30) })).toThrow(
        'oldestMessageAlarmThreshold must be whole seconds between 60 and 1209600 inclusive (given 30 seconds)',
      );
    });
  });

  describe('logRetention', () => {
    test('sets the log group retention', () => {
      // WHEN
      const template = queueTemplate({ logRetention: logs.RetentionDays.ONE_YEAR });

      // THEN
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    });
  });

  describe('serviceName and metricsNamespace', () => {
    test('name the handler metrics, and the dashboard shows them', () => {
      // WHEN
      const template = queueTemplate({ serviceName: 'blog-invalidator', metricsNamespace: 'Blog' });

      // THEN
      expect(environmentOf(template)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'blog-invalidator',
        POWERTOOLS_METRICS_NAMESPACE: 'Blog',
      });
      const body = JSON.stringify(resourceOf(template, 'AWS::CloudWatch::Dashboard', 'InvalidatorDashboard').properties);
      expect(body).toContain('\\"Blog\\",\\"MessagesReceived\\",\\"service\\",\\"blog-invalidator\\"');
    });
  });

  describe('dashboard', () => {
    test("shows the handler's metrics and both queues", () => {
      // GIVEN
      const template = queueTemplate();

      // THEN
      const body = JSON.stringify(resourceOf(template, 'AWS::CloudWatch::Dashboard', 'InvalidatorDashboard').properties);
      for (const name of Object.values(METRICS)) {
        expect(body).toContain(`\\"CloudFrontInvalidationQueue\\",\\"${name}\\",\\"service\\",\\"cloudfront-invalidation-queue\\"`);
      }
      expect(body).toContain('ApproximateNumberOfMessagesVisible');
      expect(body).toContain('ApproximateAgeOfOldestMessage');
    });

    test('without send leases, shows no sends without one', () => {
      // GIVEN
      const template = queueTemplate({ sendLeases: false });

      // THEN
      const body = JSON.stringify(resourceOf(template, 'AWS::CloudWatch::Dashboard', 'InvalidatorDashboard').properties);
      expect(body).not.toContain('LeasesNotTaken');
      expect(body).toContain('S3KeysIgnored');
    });

    test('shows the backlog of each distribution: paths waiting, the oldest waiting message, invalidations in progress', () => {
      // GIVEN
      const template = queueTemplate({ distributions: [WWW_DISTRIBUTION, MEDIA_DISTRIBUTION] });

      // THEN
      const body = JSON.stringify(resourceOf(template, 'AWS::CloudWatch::Dashboard', 'InvalidatorDashboard').properties);
      for (const name of ['PathsWaiting', 'OldestWaitingAgeSeconds', 'InvalidationsInProgress']) {
        for (const { id } of [WWW_DISTRIBUTION, MEDIA_DISTRIBUTION]) {
          expect(body).toContain(`\\"${name}\\",\\"DistributionId\\",\\"${id}\\",\\"service\\",\\"cloudfront-invalidation-queue\\"`);
        }
      }
    });
  });

  describe('backlog', () => {
    test('maxBacklogAge and backlogAgeAlarmThreshold reach the handler and one alarm per distribution', () => {
      // GIVEN
      const props = { distributions: [WWW_DISTRIBUTION, MEDIA_DISTRIBUTION], maxBacklogAge: Duration.hours(6), backlogAgeAlarmThreshold: Duration.minutes(30) };

      // WHEN
      const template = queueTemplate(props);

      // THEN
      expect(environmentOf(template)[ENVIRONMENT.maxBacklogAgeSeconds]).toBe('21600');
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'OldestWaitingAgeSeconds' } }));
      expect(alarms.map((alarm) => [alarm.Properties.Threshold, alarm.Properties.Dimensions])).toStrictEqual([
        [1800, [{ Name: 'DistributionId', Value: WWW_DISTRIBUTION.id }, { Name: 'service', Value: 'cloudfront-invalidation-queue' }]],
        [1800, [{ Name: 'DistributionId', Value: MEDIA_DISTRIBUTION.id }, { Name: 'service', Value: 'cloudfront-invalidation-queue' }]],
      ]);
    });

    test.each([
      ['under a minute', { maxBacklogAge: Duration.seconds(59) }, /maxBacklogAge must be whole seconds between 60 and 1209600 inclusive \(given 59 seconds\)/],
      ['over 14 days', { maxBacklogAge: Duration.days(15) }, /maxBacklogAge must be whole seconds between 60 and 1209600 inclusive \(given 1296000 seconds\)/],
    ])('rejects a maxBacklogAge %s, naming the limit and the value', (_name, props, expected) => {
      expect(() => queueTemplate(props)).toThrow(expected);
    });
  });

  describe('grantSendMessages', () => {
    test('grants sqs:SendMessage and sqs:GetQueueUrl on the queue only', () => {
      // GIVEN
      const { stack, queue } = queueStack();
      const role = new iam.Role(stack, 'Cms', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      queue.grantSendMessages(role);

      // THEN
      const template = Template.fromStack(stack);
      const queueId = resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorQueue').id;
      expect(resourceOf(template, 'AWS::IAM::Policy', 'CmsDefaultPolicy').properties.PolicyDocument.Statement).toStrictEqual([
        {
          Effect: 'Allow',
          Action: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
          Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        },
      ]);
    });

    test('adds kms:GenerateDataKey and kms:Decrypt on the key with KMS', () => {
      // GIVEN
      const { stack, queue } = queueStack({ encryption: sqs.QueueEncryption.KMS });
      const role = new iam.Role(stack, 'Cms', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      queue.grantSendMessages(role);

      // THEN
      const template = Template.fromStack(stack);
      const key = resourceOf(template, 'AWS::KMS::Key', 'InvalidatorQueueKey');
      expect(resourceOf(template, 'AWS::IAM::Policy', 'CmsDefaultPolicy').properties.PolicyDocument.Statement).toContainEqual({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [key.id, 'Arn'] },
      });
    });

    test('grants a principal of another account through the queue policy', () => {
      // GIVEN
      const { stack, queue } = queueStack();

      // WHEN
      queue.grantSendMessages(new iam.AccountPrincipal('111122223333'));

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
              Principal: { AWS: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':iam::111122223333:root'])]) }) },
            }),
          ]),
        },
      });
    });
  });

  describe('grantDeadLetterQueueAccess', () => {
    test('grants what cfiq dlq list and redrive need on the dead-letter queue, and sending to the queue, nothing more', () => {
      // GIVEN
      const { stack, queue } = queueStack();
      const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      const grant = queue.grantDeadLetterQueueAccess(role);

      // THEN
      expect(grant.success).toBe(true);
      const template = Template.fromStack(stack);
      const queueId = resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorQueue').id;
      const dlqId = resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorDeadLetterQueue').id;
      expect(resourceOf(template, 'AWS::IAM::Policy', 'OperatorDefaultPolicy').properties.PolicyDocument.Statement).toStrictEqual([
        {
          Effect: 'Allow',
          Action: [
            'sqs:CancelMessageMoveTask',
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:ListMessageMoveTasks',
            'sqs:ReceiveMessage',
            'sqs:StartMessageMoveTask',
          ],
          Resource: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      ]);
    });

    test('adds kms:GenerateDataKey and kms:Decrypt on the key with KMS', () => {
      // GIVEN
      const { stack, queue } = queueStack({ encryption: sqs.QueueEncryption.KMS });
      const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      queue.grantDeadLetterQueueAccess(role);

      // THEN
      const template = Template.fromStack(stack);
      const key = resourceOf(template, 'AWS::KMS::Key', 'InvalidatorQueueKey');
      expect(resourceOf(template, 'AWS::IAM::Policy', 'OperatorDefaultPolicy').properties.PolicyDocument.Statement).toContainEqual({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [key.id, 'Arn'] },
      });
    });
  });

  describe('grantWaitForInvalidations', () => {
    test('grants reading the distributions\' invalidations, peeking at the dead-letter queue and reading metrics, nothing more', () => {
      // GIVEN
      const { stack, queue } = queueStack({ distributions: [WWW_DISTRIBUTION, MEDIA_DISTRIBUTION] });
      const role = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      const grant = queue.grantWaitForInvalidations(role);

      // THEN
      expect(grant.success).toBe(true);
      const template = Template.fromStack(stack);
      const dlqId = resourceOf(template, 'AWS::SQS::Queue', 'InvalidatorDeadLetterQueue').id;
      const distributionArn = (id: string) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, `:distribution/${id}`]],
      });
      expect(resourceOf(template, 'AWS::IAM::Policy', 'CiDefaultPolicy').properties.PolicyDocument.Statement).toStrictEqual([
        {
          Effect: 'Allow',
          Action: ['cloudfront:GetInvalidation', 'cloudfront:ListInvalidations'],
          Resource: [distributionArn('E2QWRUHEXAMPLE'), distributionArn('EDFDVBD6EXAMPLE')],
        },
        { Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
        { Effect: 'Allow', Action: ['sqs:ChangeMessageVisibility', 'sqs:ReceiveMessage'], Resource: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      ]);
    });

    test('adds kms:Decrypt on the key with KMS', () => {
      // GIVEN
      const { stack, queue } = queueStack({ encryption: sqs.QueueEncryption.KMS });
      const role = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      queue.grantWaitForInvalidations(role);

      // THEN
      const template = Template.fromStack(stack);
      const key = resourceOf(template, 'AWS::KMS::Key', 'InvalidatorQueueKey');
      expect(resourceOf(template, 'AWS::IAM::Policy', 'CiDefaultPolicy').properties.PolicyDocument.Statement).toContainEqual({
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [key.id, 'Arn'] },
      });
    });

    test("cdk-nag finds only the `*` CloudWatch's GetMetricData needs, as the doc says", () => {
      // GIVEN
      const { stack, queue } = queueStack();
      const role = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      queue.grantWaitForInvalidations(role);

      // THEN
      const findings = new AwsSolutionsChecks(stack)
        .validateScope(stack)
        .violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`));
      expect(findings).toStrictEqual(['AwsSolutions-IAM5[Resource::*] at Stack/Ci/DefaultPolicy/Resource']);
    });

    test('a role of another account gets the dead-letter queue through its resource policy', () => {
      // GIVEN
      const { stack, queue } = queueStack();
      const role = iam.Role.fromRoleArn(stack, 'Other', 'arn:aws:iam::111122223333:role/ci', { mutable: false });

      // WHEN
      queue.grantWaitForInvalidations(role);

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Action: ['sqs:ChangeMessageVisibility', 'sqs:ReceiveMessage'] }),
          ]),
        },
      });
    });
  });

  describe('addEventBridgeSource', () => {
    test('delivers matching events to the queue, undeliverable ones to the dead-letter queue', () => {
      // GIVEN
      const { stack, queue } = queueStack();
      const bus = new events.EventBus(stack, 'Bus');

      // WHEN
      queue.addEventBridgeSource(bus, { source: ['wagtail'], detailType: ['page.published'] });

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: Match.stringLikeRegexp('^Bus') },
        EventPattern: { source: ['wagtail'], 'detail-type': ['page.published'] },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvalidatorQueue'), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvalidatorDeadLetterQueue'), 'Arn'] } },
          }),
        ],
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: Match.stringLikeRegexp('^InvalidatorQueue') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['sqs:SendMessage']),
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvalidatorEventBridgeSource'), 'Arn'] } } },
            }),
          ]),
        },
      });
    });

    test('an empty pattern is an error', () => {
      // GIVEN
      const { stack, queue } = queueStack();

      // THEN
      expect(() => queue.addEventBridgeSource(new events.EventBus(stack, 'Bus'), {})).toThrow(
        'addEventBridgeSource needs a non-empty event pattern (given {})',
      );
    });
  });
});
