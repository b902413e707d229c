import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnParameter, Duration, Errors, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, test } from 'vitest';
import { withDefaults } from '../../lib/invalidation-queue-defaults.ts';
import type { InvalidationQueueProps } from '../../lib/invalidation-queue-props.ts';
import { invalidationQueuePropViolations } from '../../lib/validate-invalidation-queue-props.ts';
import { queueStack, testApp, WWW_DISTRIBUTION } from './cdk-test-app.ts';

const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

/** The violations of `props` over one valid distribution. */
function violationsOf(props: Partial<InvalidationQueueProps>): string[] {
  return invalidationQueuePropViolations(withDefaults({ distributions: [WWW_DISTRIBUTION], ...props }));
}

/** What `create` throws. */
function thrownBy(create: () => unknown): Error {
  try {
    create();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('validate-invalidation-queue-props', () => {
  test('defaults: one distribution and nothing else breaks no rule', () => {
    // WHEN
    const violations = violationsOf({});

    // THEN
    expect(violations).toStrictEqual([]);
  });

  // Each rule alone: the prop, the limit and the value given, in one line.
  test.each<[string, Partial<InvalidationQueueProps>, string]>([
    ['distributions', { distributions: [] }, 'distributions: must name at least one distribution (given [])'],
    ['batchSize', { batchSize: 0 }, 'batchSize must be an integer between 1 and 10000 inclusive (given 0)'],
    [
      'maxBatchingWindow',
      { maxBatchingWindow: Duration.seconds(301) },
      'maxBatchingWindow must be whole seconds between 0 and 300 inclusive (given 301 seconds)',
    ],
    [
      'batchSize with maxBatchingWindow',
      { batchSize: 11, maxBatchingWindow: Duration.seconds(0) },
      'maxBatchingWindow must be at least 1 second when batchSize is above 10 (given batchSize 11 and maxBatchingWindow 0 seconds)',
    ],
    ['maxConcurrency', { maxConcurrency: 1 }, 'maxConcurrency must be an integer between 2 and 1000 inclusive (given 1)'],
    ['maxReceiveCount', { maxReceiveCount: 1001 }, 'maxReceiveCount must be an integer between 1 and 1000 inclusive (given 1001)'],
    [
      'timeout',
      { timeout: Duration.seconds(19) },
      'timeout must be whole seconds between 20 and 900 inclusive (the handler starts no CloudFront call with less than 10 seconds left) (given 19 seconds)',
    ],
    ['memorySize', { memorySize: 127 }, 'memorySize must be an integer between 128 and 10240 inclusive (given 127)'],
    [
      'visibilityTimeout above 12 hours',
      { visibilityTimeout: Duration.seconds(43_201) },
      'visibilityTimeout must be whole seconds between 0 and 43200 inclusive (given 43201 seconds)',
    ],
    [
      'visibilityTimeout below the timeout',
      { visibilityTimeout: Duration.seconds(59) },
      'visibilityTimeout must be at least the function timeout of 60 seconds (given 59 seconds)',
    ],
    [
      'retentionPeriod',
      { retentionPeriod: Duration.seconds(59) },
      'retentionPeriod must be whole seconds between 60 and 1209600 inclusive (given 59 seconds)',
    ],
    [
      'deadLetterQueueRetentionPeriod',
      { deadLetterQueueRetentionPeriod: Duration.days(15) },
      'deadLetterQueueRetentionPeriod must be whole seconds between 60 and 1209600 inclusive (given 1296000 seconds)',
    ],
    [
      'deadLetterQueueRetentionPeriod below retentionPeriod',
      { retentionPeriod: Duration.days(4), deadLetterQueueRetentionPeriod: Duration.days(3) },
      'deadLetterQueueRetentionPeriod must be at least retentionPeriod, since a redriven message keeps its original enqueue time (given 259200 seconds, retentionPeriod 345600 seconds)',
    ],
    [
      'encryption',
      { encryption: sqs.QueueEncryption.UNENCRYPTED },
      'encryption must be QueueEncryption.SQS_MANAGED or QueueEncryption.KMS (given NONE)',
    ],
    [
      'retryBaseDelay',
      { retryBaseDelay: Duration.millis(1500) },
      'retryBaseDelay must be whole seconds between 0 and 43200 inclusive (given 1.5 seconds)',
    ],
    [
      'retryMaxDelay below retryBaseDelay',
      { retryBaseDelay: Duration.seconds(60), retryMaxDelay: Duration.seconds(30) },
      'retryMaxDelay must be whole seconds between 60 and 43200 inclusive (given 30 seconds)',
    ],
    ['alarmEmails', { alarmEmails: ['ops.example.org'] }, 'alarmEmails must hold email addresses (given "ops.example.org")'],
    [
      'oldestMessageAlarmThreshold',
      { oldestMessageAlarmThreshold: Duration.seconds(30) },
      'oldestMessageAlarmThreshold must be whole seconds between 60 and 1209600 inclusive (given 30 seconds)',
    ],
  ])('%s alone is one violation', (_rule, props, violation) => {
    // WHEN
    const violations = violationsOf(props);

    // THEN
    expect(violations).toStrictEqual([violation]);
  });

  test('a key with an encryption other than KMS is a violation', () => {
    // GIVEN
    const stack = new Stack(testApp(), 'Stack');
    const encryptionMasterKey = new kms.Key(stack, 'Key');

    // WHEN
    const violations = violationsOf({ encryption: sqs.QueueEncryption.SQS_MANAGED, encryptionMasterKey });

    // THEN
    expect(violations).toStrictEqual(['Either give encryptionMasterKey or use encryption SQS_MANAGED, but not both']);
  });

  test('two violations are reported together, one line each, in one ValidationError', () => {
    // WHEN
    const error = thrownBy(() => queueStack({ batchSize: 20_000, memorySize: 64 }));

    // THEN
    expect(Errors.isValidationError(error)).toBe(true);
    expect(error.message).toBe(
      'InvalidationQueue Stack/Invalidator has invalid props:\n' +
        '- batchSize must be an integer between 1 and 10000 inclusive (given 20000)\n' +
        '- memorySize must be an integer between 128 and 10240 inclusive (given 64)',
    );
  });

  test('values only known at deploy time are left to CloudFormation', () => {
    // GIVEN
    const stack = new Stack(testApp(), 'Stack');
    const number = (id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;

    // WHEN
    const violations = violationsOf({
      batchSize: number('BatchSize'),
      maxBatchingWindow: Duration.seconds(number('Window')),
      memorySize: number('Memory'),
      retentionPeriod: Duration.seconds(number('Retention')),
      visibilityTimeout: Duration.seconds(number('Visibility')),
    });

    // THEN
    expect(violations).toStrictEqual([]);
  });

  test('a timeout only known at deploy time needs an explicit visibilityTimeout', () => {
    // GIVEN
    const stack = new Stack(testApp(), 'Stack');

    // WHEN
    const violations = violationsOf({ timeout: Duration.seconds(new CfnParameter(stack, 'Timeout', { type: 'Number' }).valueAsNumber) });

    // THEN
    expect(violations).toStrictEqual(['visibilityTimeout must be given when timeout or maxBatchingWindow is only known at deploy time']);
  });

  test('cdk synth with two bad -c context values prints both and fails', () => {
    // GIVEN: the context as `cdk synth -c invalidator=...` hands it to the app in bin/.
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    outdirs.push(outdir);
    const invalidator = JSON.stringify({ distributions: [{ id: 'E3EXAMPLE' }], batchSize: 20_000, maxConcurrency: 1 });

    // WHEN
    const synth = spawnSync(process.execPath, ['bin/app.ts'], {
      cwd: REPOSITORY,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ invalidator, 'aws:cdk:bundling-stacks': [] }),
      },
    });

    // THEN
    expect(synth.status).toBe(1);
    expect(synth.stderr).toContain('batchSize: Too big: expected number to be <=10000 (given 20000)');
    expect(synth.stderr).toContain('maxConcurrency: Too small: expected number to be >=2 (given 1)');
    expect(synth.stderr).not.toMatch(/\n\s+at /);
  });
});
