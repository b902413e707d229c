import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import { LOCAL_DISTRIBUTION } from '../helpers/factories.ts';
import { createMotoDistribution, motoSkipReason, startMoto, type MotoServer } from '../helpers/moto.ts';
import { recordingIo, waitFor } from './support.ts';

/**
 * The CLI against moto: queue URLs from a CloudFormation stack's outputs (--stack), SQS and CloudFront on the
 * reference wire format. moto has no StartMessageMoveTask either, so redrive takes its fallback here too.
 */
const STACK = 'CfiqCliTest';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const TEMPLATE = {
  Resources: {
    DeadLetterQueue: { Type: 'AWS::SQS::Queue' },
    Queue: {
      Type: 'AWS::SQS::Queue',
      Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: 10 } },
    },
  },
  Outputs: {
    QueueUrl: { Value: { Ref: 'Queue' } },
    QueueArn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
    DeadLetterQueueUrl: { Value: { Ref: 'DeadLetterQueue' } },
    DeadLetterQueueArn: { Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
  },
};

const skipReason = motoSkipReason();

describe.skipIf(skipReason !== undefined)('cfiq against moto', () => {
  let moto: MotoServer;
  let sqs: SQSClient;
  let outputs: Record<string, string>;
  let env: Record<string, string>;
  let configFile: string;

  beforeAll(async () => {
    moto = await startMoto();
    const cloudformation = new CloudFormationClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
    await cloudformation.send(new CreateStackCommand({ StackName: STACK, TemplateBody: JSON.stringify(TEMPLATE) }));
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: STACK }));
    outputs = Object.fromEntries(Stacks![0]!.Outputs!.map((output) => [output.OutputKey!, output.OutputValue!]));
    cloudformation.destroy();
    sqs = new SQSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
    env = { AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    configFile = join(mkdtempSync(join(tmpdir(), 'cfiq-moto-')), 'invalidator.json');
    writeFileSync(configFile, JSON.stringify(LOCAL_DISTRIBUTION));
  });

  afterAll(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  it('send --stack sends to the queue named by the stack outputs', async () => {
    // Prepare
    const { io, stdout } = recordingIo(env);

    // Act
    const code = await runCli(['send', '--stack', STACK, '--config', configFile, 'https://www.example.org/news/'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout()).toContain(outputs.QueueUrl);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: outputs.QueueUrl, WaitTimeSeconds: 1 }));
    expect(JSON.parse(Messages[0]!.Body!)).toMatchObject({ urls: ['https://www.example.org/news/'] });
  });

  it('send --stack with an unknown stack fails with the stack named (exit 3)', async () => {
    const { io, stderr } = recordingIo(env);
    expect(await runCli(['send', '--stack', 'NoSuchStack', '--config', configFile, 'https://www.example.org/'], io)).toBe(EXIT_CODES.aws);
    expect(stderr()).toMatch(/DescribeStacks failed: .*NoSuchStack/);
  });

  it('dlq list and dlq redrive --stack: the message goes back to the queue without its reason', async () => {
    // Prepare
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: outputs.DeadLetterQueueUrl,
        MessageBody: '{"paths":["/retry-me/"]}',
        MessageAttributes: { ErrorCode: { DataType: 'String', StringValue: 'RetriesExhausted' } },
      }),
    );
    const list = recordingIo(env);
    const redrive = recordingIo(env);

    // Act
    const listCode = await runCli(['dlq', 'list', '--stack', STACK, '--json'], list.io);
    const redriveCode = await runCli(['dlq', 'redrive', '--stack', STACK], redrive.io);

    // Assess
    expect(listCode).toBe(EXIT_CODES.ok);
    expect(JSON.parse(list.stdout())).toMatchObject([{ errorCode: 'RetriesExhausted', paths: ['/retry-me/'] }]);
    expect(redriveCode).toBe(EXIT_CODES.ok);
    expect(redrive.stderr()).toMatch(/StartMessageMoveTask is not available here/);
    const moved = await waitFor('the redriven message', async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: outputs.QueueUrl, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
      );
      return Messages.find((message) => message.Body === '{"paths":["/retry-me/"]}');
    });
    expect(moved.MessageAttributes).toBeUndefined();
  });

  /** A distribution in moto, and a configuration naming it. */
  async function motoDistribution(name: string): Promise<{ cloudfront: CloudFrontClient; distributionId: string; config: string }> {
    const cloudfront = new CloudFrontClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
    const distributionId = await createMotoDistribution(cloudfront, name);
    const config = join(mkdtempSync(join(tmpdir(), 'cfiq-moto-')), 'invalidator.json');
    writeFileSync(config, JSON.stringify({ distributions: [{ id: distributionId, hostnames: [`${name}.example.org`] }] }));
    return { cloudfront, distributionId, config };
  }

  it('status reads invalidations as CloudFront (moto) answers them, and the backlog gauges from CloudWatch', async () => {
    // Prepare
    const { cloudfront, distributionId } = await motoDistribution('status');
    await cloudfront.send(
      new CreateInvalidationCommand({
        DistributionId: distributionId,
        InvalidationBatch: { CallerReference: 'status-1', Paths: { Quantity: 2, Items: ['/a/', '/b/'] } },
      }),
    );
    cloudfront.destroy();
    const cloudwatch = new CloudWatchClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
    const dimensions = [
      { Name: 'service', Value: 'cloudfront-invalidation-queue' },
      { Name: 'DistributionId', Value: distributionId },
    ];
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'CloudFrontInvalidationQueue',
        MetricData: [
          { MetricName: 'PathsWaiting', Dimensions: dimensions, Value: 1234, Unit: 'Count', Timestamp: new Date(Date.now() - 60_000) },
          { MetricName: 'OldestWaitingAgeSeconds', Dimensions: dimensions, Value: 95, Unit: 'Seconds', Timestamp: new Date(Date.now() - 60_000) },
        ],
      }),
    );
    cloudwatch.destroy();
    const json = recordingIo(env);
    const table = recordingIo(env);

    // Act
    const code = await runCli(['status', '--distribution', distributionId, '--distribution', 'E2NOTHINGEXAMPLE', '--json'], json.io);
    await runCli(['status', '--distribution', distributionId], table.io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    const { distributions } = JSON.parse(json.stdout());
    expect(distributions[0]).toMatchObject({
      distributionId,
      invalidations: [{ distributionId, status: 'COMPLETED', paths: 2, callerReference: 'status-1' }],
      waiting: { paths: 1234, oldestAgeSeconds: 95, source: 'cloudwatch' },
    });
    expect(distributions[1]).toMatchObject({ distributionId: 'E2NOTHINGEXAMPLE', invalidations: [], waiting: { paths: null, oldestAgeSeconds: null } });
    // Reported about a minute ago: CloudWatch answers per period, and a loaded machine takes its time, so the minutes vary.
    expect(table.stdout()).toMatch(new RegExp(`^${distributionId} +\\S.* +1,234 paths +1 min 35 s +\\d+ min \\d\\d s ago$`, 'm'));
  });

  it('wait: live once an invalidation created after the send covers every path (moto completes at once)', async () => {
    // Prepare
    const { cloudfront, distributionId, config } = await motoDistribution('wait');
    const since = new Date(Date.now() - 1_000).toISOString();
    await cloudfront.send(
      new CreateInvalidationCommand({ DistributionId: distributionId, InvalidationBatch: { CallerReference: 'wait-1', Paths: { Quantity: 1, Items: ['/news/*'] } } }),
    );
    cloudfront.destroy();
    const { io, stdout, stderr } = recordingIo(env);

    // Act
    const code = await runCli(['wait', 'some-message-id', '--stack', STACK, '--config', config, '--since', since, '--poll-interval', '0.2', 'https://wait.example.org/news/a'], io);

    // Assess
    expect({ code, stderr: stderr() }).toMatchObject({ code: EXIT_CODES.ok });
    expect(stdout()).toMatch(/^Live after .*: every path of message some-message-id is invalidated/);
  });
});
