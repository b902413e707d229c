import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { ENVIRONMENT } from '../../lambda/config.ts';
import { DEFAULT_STACK_NAME } from '../../lambda/defaults.ts';
import { loadCdkJsonInvalidatorContext } from '../../lib/app-config.ts';
import { addInvalidationQueueStack } from '../../lib/app.ts';
import { InvalidationQueue, S3Delivery } from '../../lib/invalidation-queue.ts';
import { CDK_JSON_PATH, cdkJson, resourceOf, testApp, WWW_DISTRIBUTION } from './cdk-test-app.ts';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function tempOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  outdirs.push(dir);
  return dir;
}

/** The app `cdk synth` builds from cdk.json, with bundling skipped unless asked for. */
function cdkJsonApp(context: Record<string, unknown> = {}, bundle = false): App {
  return new App({
    outdir: tempOutdir(),
    context: { ...cdkJson.context, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
}

/** Every finding of cdk-nag's AwsSolutions pack under `scope`, errors and warnings alike. */
function nagFindings(app: App): string[] {
  return new AwsSolutionsChecks(app)
    .validateScope(app)
    .violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
    );
}

describe('app', () => {
  test('defaults: cdk.json synthesizes the default stack, checked by cdk-nag and the CloudFormation schema', () => {
    // GIVEN
    const app = cdkJsonApp();

    // WHEN
    const stack = addInvalidationQueueStack(app);
    const assembly = app.synth();

    // THEN
    expect(stack.stackName).toBe(DEFAULT_STACK_NAME);
    expect(cdkJson.app).toBe('node bin/app.ts');
    expect(cdkJson.context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((plugin: { violations?: unknown[] }) => plugin.violations ?? [])).toStrictEqual([]);
  });

  test('a CloudFormation schema violation fails synth', () => {
    // GIVEN
    const app = cdkJsonApp();
    const stack = addInvalidationQueueStack(app);

    // WHEN
    (stack.invalidationQueue.queue.node.defaultChild as sqs.CfnQueue).addPropertyOverride('NoSuchProperty', 1);

    // THEN
    expect(() => app.synth()).toThrow(/NoSuchProperty/);
  });

  test('a cdk-nag AwsSolutions finding fails synth', () => {
    // GIVEN
    const app = cdkJsonApp();
    const stack = addInvalidationQueueStack(app);

    // WHEN
    new sqs.Queue(stack, 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });

    // THEN
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  test('cdk-nag AwsSolutions finds nothing unacknowledged in the app', () => {
    // GIVEN
    const app = cdkJsonApp();

    // WHEN
    addInvalidationQueueStack(app);

    // THEN
    expect(nagFindings(app)).toStrictEqual([]);
  });

  test('cdk-nag AwsSolutions finds nothing with KMS, an EventBridge source and a producer grant', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Stack');
    const queue = new InvalidationQueue(stack, 'Invalidator', {
      distributions: [WWW_DISTRIBUTION],
      encryption: sqs.QueueEncryption.KMS,
      alarmEmails: ['ops@example.org'],
    });

    // WHEN
    queue.addEventBridgeSource(new events.EventBus(stack, 'Bus'), { source: ['wagtail'] });
    queue.grantSendMessages(new iam.Role(stack, 'Cms', { assumedBy: new iam.AccountRootPrincipal() }));

    // THEN
    expect(nagFindings(app)).toStrictEqual([]);
  });

  test('buckets from the context: looked up by name, checked by cdk-nag (no acknowledgement) and the CloudFormation schema', () => {
    // GIVEN
    const invalidator = {
      ...(cdkJson.context.invalidator as Record<string, unknown>),
      buckets: [{ name: 'example-site', distributionId: WWW_DISTRIBUTION.id, keyPrefix: 'public/', pathPrefix: '/', indexDocument: 'index.html' }],
    };
    const app = cdkJsonApp({ invalidator });

    // WHEN
    const stack = addInvalidationQueueStack(app);
    const assembly = app.synth();

    // THEN
    expect(nagFindings(app)).toStrictEqual([]);
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((plugin: { violations?: unknown[] }) => plugin.violations ?? [])).toStrictEqual([]);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::S3BucketNotifications', { BucketName: 'example-site' });
    const fn = resourceOf(template, 'AWS::Lambda::Function', 'InvalidationQueueHandler');
    expect(JSON.parse(fn.properties.Environment.Variables[ENVIRONMENT.config]).buckets).toStrictEqual(invalidator.buckets);
  });

  test('cdk-nag AwsSolutions finds nothing with KMS and S3 sources: a bucket of the stack, one looked up, one through EventBridge', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Stack');
    const queue = new InvalidationQueue(stack, 'Invalidator', { distributions: [WWW_DISTRIBUTION], encryption: sqs.QueueEncryption.KMS });
    const owned = new s3.Bucket(stack, 'Site', {
      enforceSSL: true,
      serverAccessLogsBucket: new s3.Bucket(stack, 'AccessLogs', { enforceSSL: true }),
    });

    // WHEN
    queue.addS3Source(owned, { distributionId: WWW_DISTRIBUTION.id, indexDocument: 'index.html' });
    queue.addS3Source(s3.Bucket.fromBucketName(stack, 'Legacy', 'legacy-site'), { distributionId: WWW_DISTRIBUTION.id, keyPrefix: 'public/' });
    queue.addS3Source(s3.Bucket.fromBucketName(stack, 'Busy', 'busy-site'), { distributionId: WWW_DISTRIBUTION.id, delivery: S3Delivery.EVENTBRIDGE });

    // THEN (the test's own access-log bucket has no access log of its own: not the construct's finding)
    expect(nagFindings(app).filter((finding) => !finding.includes('/AccessLogs/'))).toStrictEqual([]);
  });

  test("cdk.json's invalidator settings reach the function and the event source in full", () => {
    // GIVEN
    const settings = loadCdkJsonInvalidatorContext(CDK_JSON_PATH);

    // WHEN
    const template = Template.fromStack(addInvalidationQueueStack(cdkJsonApp()));

    // THEN
    const fn = resourceOf(template, 'AWS::Lambda::Function', 'InvalidationQueueHandler');
    expect(JSON.parse(fn.properties.Environment.Variables[ENVIRONMENT.config])).toStrictEqual(settings.config);
    expect(fn.properties.Environment.Variables[ENVIRONMENT.maxReceiveCount]).toBe(String(settings.maxReceiveCount));
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: settings.batchSize,
      MaximumBatchingWindowInSeconds: settings.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: settings.maxConcurrency },
    });
  });

  test('sendLeases: the stack has the send lease table unless the context turns it off', () => {
    // GIVEN
    const invalidator = cdkJson.context.invalidator as Record<string, unknown>;

    // WHEN
    const on = Template.fromStack(addInvalidationQueueStack(cdkJsonApp()));
    const off = Template.fromStack(addInvalidationQueueStack(cdkJsonApp({ invalidator: { ...invalidator, sendLeases: false } })));

    // THEN
    on.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(resourceOf(on, 'AWS::Lambda::Function', 'InvalidationQueueHandler').properties.Environment.Variables).toHaveProperty(ENVIRONMENT.leaseTableName);
    off.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(resourceOf(off, 'AWS::Lambda::Function', 'InvalidationQueueHandler').properties.Environment.Variables).not.toHaveProperty(ENVIRONMENT.leaseTableName);
  });

  test('the invalidator context may be JSON text, and stackName names the stack', () => {
    // GIVEN
    const app = cdkJsonApp({
      invalidator: '{"distributions":[{"id":"E3EXAMPLE"}],"alarmEmails":["ops@example.org"]}',
      stackName: 'BlogInvalidations',
    });

    // WHEN
    const stack = addInvalidationQueueStack(app);

    // THEN
    expect(stack.stackName).toBe('BlogInvalidations');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org' });
    const fn = resourceOf(template, 'AWS::Lambda::Function', 'InvalidationQueueHandler');
    expect(JSON.parse(fn.properties.Environment.Variables[ENVIRONMENT.config]).distributions).toStrictEqual([{ id: 'E3EXAMPLE' }]);
  });

  test('without a distribution, synth fails saying how to set one', () => {
    // GIVEN
    const app = new App({ outdir: tempOutdir(), context: { 'aws:cdk:bundling-stacks': [] } });

    // THEN
    expect(() => addInvalidationQueueStack(app)).toThrow(
      /^No CloudFront distribution configured \(context "invalidator" is not set\): set "invalidator": .* in the "context" of cdk\.json, or pass -c invalidator=/,
    );
  });

  test('bundles the handler with local esbuild into an ES module that loads', async () => {
    // GIVEN
    const app = cdkJsonApp({}, true);

    // WHEN: the CDK says on stderr that it bundles; captured here, so a passing run prints nothing
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    let stack: ReturnType<typeof addInvalidationQueueStack>;
    let assembly: ReturnType<typeof app.synth>;
    try {
      stack = addInvalidationQueueStack(app);
      assembly = app.synth();
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toMatch(/Bundling asset \S*Handler\S*\.\.\./);

    // THEN
    const artifact = assembly.getStackByName(stack.stackName);
    const fn = resourceOf(Template.fromJSON(artifact.template), 'AWS::Lambda::Function', 'InvalidationQueueHandler');
    // The code's S3 key is the asset hash: the bundle is staged in asset.<hash>.
    const assetHash = String(fn.properties.Code.S3Key).replace(/\.zip$/, '');
    const dir = join(assembly.directory, `asset.${assetHash}`);
    expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    // The handler validates its settings at import (cold start): give it a valid environment.
    const saved = { ...process.env };
    Object.assign(process.env, {
      [ENVIRONMENT.config]: JSON.stringify({ distributions: [WWW_DISTRIBUTION] }),
      [ENVIRONMENT.deadLetterQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/dead-letters',
      [ENVIRONMENT.maxReceiveCount]: '10',
      AWS_REGION: 'us-east-1',
    });
    try {
      const bundle = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler?: unknown };
      expect(typeof bundle.handler).toBe('function');
    } finally {
      process.env = saved;
    }
  });
});
