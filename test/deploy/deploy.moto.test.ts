import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../lambda/config.ts';
import { SendLeases } from '../../lambda/submit/lease-writes.ts';
import { motoSkipReason, startMoto, type MotoServer } from '../helpers/moto.ts';
import { deployEnvironment, describeLogGroups, disableEventSourceMapping, eventSourceMappings, functionEnvironment, run, ROOT } from './support.ts';

/**
 * The stack as a user deploys it: `cdk bootstrap` and `cdk deploy` of the app in cdk.json into moto_server, the
 * deployed queues checked through the stack's outputs (with the SDK and with `cfiq`), then `cdk destroy`.
 * docs/testing-the-deploy.md says what this proves and what it does not: the function and IAM are recorded by moto,
 * not run or enforced.
 *
 * moto_launcher.py is moto_server plus the three resource types of the stack that moto 5.2.1's CloudFormation
 * lacks. The test turns the function's event source mapping off before it sends anything: on each SendMessage,
 * moto's mapping would try to run the function in Docker (absent here, or pulling an image where present), and
 * without Docker it leaves every visible message with its receive count raised by one.
 */
const LAUNCHER = join(ROOT, 'test/deploy/moto_launcher.py');
const STACK = 'CloudFrontInvalidationQueue'; // bin/app.ts's default: cfiq finds it with no --stack
const CDK_TIMEOUT_MS = 90_000;
const invalidator = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context.invalidator as { batchSize: number; maxReceiveCount: number };

// The launcher runs moto_server itself (with the python3 on PATH): probe it, not moto_server.
const skipReason = motoSkipReason(LAUNCHER);

describe.skipIf(skipReason !== undefined)('cdk deploy into moto', () => {
  let moto: MotoServer;
  let scratch: string;
  let env: Record<string, string>;
  let assembly: string;
  let cloudformation: CloudFormationClient;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;
  let deployedOutputs: Record<string, string> | undefined;
  /** One of the stack's outputs: the tests after the first need the stack it deploys. */
  const output = (name: string): string => {
    if (deployedOutputs === undefined) throw new Error('the stack was not deployed: see the first test');
    return deployedOutputs[name]!;
  };

  beforeAll(async () => {
    moto = await startMoto({ command: LAUNCHER });
    scratch = mkdtempSync(join(tmpdir(), 'cfiq-deploy-'));
    assembly = join(scratch, 'cdk.out');
    env = deployEnvironment(moto, scratch);
    const client = { region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    cloudformation = new CloudFormationClient(client);
    sqs = new SQSClient(client);
    dynamodb = new DynamoDBClient(client);
  });

  afterAll(async () => {
    cloudformation?.destroy();
    sqs?.destroy();
    dynamodb?.destroy();
    await moto?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it(
    'cdk bootstrap and cdk deploy create the stack with the outputs docs/deploying.md lists',
    async () => {
      // Act: bootstrap the account while the app synthesizes, then deploy without a change set
      // (moto gives a stack created from a change set no outputs).
      await Promise.all([
        run('cdk', ['bootstrap', 'aws://123456789012/us-east-1'], env),
        run('cdk', ['synth', '--quiet', '--output', assembly], env),
      ]);
      await run('cdk', ['deploy', '--app', assembly, '--method=direct', '--require-approval=never'], env);

      // Assess
      const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: STACK }));
      expect(Stacks[0]?.StackStatus).toBe('CREATE_COMPLETE');
      deployedOutputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((entry) => [entry.OutputKey!, entry.OutputValue!]));
      expect(Object.keys(deployedOutputs).sort()).toStrictEqual(
        ['AlarmTopicArn', 'DashboardName', 'DeadLetterQueueArn', 'DeadLetterQueueUrl', 'MetricsNamespace', 'ProducerPolicyArn', 'QueueArn', 'QueueUrl', 'ServiceName'],
      );
    },
    CDK_TIMEOUT_MS,
  );

  it(`the function reads the queue: an event source mapping with cdk.json's batch size (${invalidator.batchSize})`, async () => {
    // Act
    const mappings = await eventSourceMappings(moto, output('QueueArn'));

    // Assess
    expect(mappings).toMatchObject([{ EventSourceArn: output('QueueArn'), BatchSize: invalidator.batchSize, State: 'Enabled' }]);
    expect(mappings[0]!.FunctionArn).toMatch(new RegExp(`^arn:aws:lambda:us-east-1:123456789012:function:${STACK}-`));
  });

  it('the function is told the lease table, on which a lease can be taken once and given back', async () => {
    // Prepare
    const { StackResources = [] } = await cloudformation.send(new DescribeStackResourcesCommand({ StackName: STACK }));
    const tableName = StackResources.find((resource) => resource.ResourceType === 'AWS::DynamoDB::Table')?.PhysicalResourceId;
    const [mapping] = await eventSourceMappings(moto, output('QueueArn'));
    const leases = new SendLeases(dynamodb, tableName!);
    const now = Date.now();

    // Act: two holders ask for one distribution's lease, the first gives it back, the second asks again
    const first = await leases.take('EDFDVBD6EXAMPLE', 'first', now, now + 60_000);
    const second = await leases.take('EDFDVBD6EXAMPLE', 'second', now, now + 60_000);
    await leases.giveBack('EDFDVBD6EXAMPLE', 'first');
    const secondAfterwards = await leases.take('EDFDVBD6EXAMPLE', 'second', now, now + 60_000);

    // Assess
    expect((await functionEnvironment(moto, mapping!.FunctionArn))[ENVIRONMENT.leaseTableName]).toBe(tableName);
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table).toMatchObject({ KeySchema: [{ AttributeName: 'distributionId', KeyType: 'HASH' }], BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' } });
    expect([first, second, secondAfterwards]).toStrictEqual([true, false, true]);
  });

  it(`a message received maxReceiveCount (${invalidator.maxReceiveCount}) times moves to the dead-letter queue, where cfiq dlq list finds it`, async () => {
    // Prepare: pause the function (moto cannot run it), then send.
    for (const mapping of await eventSourceMappings(moto, output('QueueArn'))) {
      expect(await disableEventSourceMapping(moto, mapping.UUID)).toMatchObject({ State: 'Disabled' });
    }
    const body = JSON.stringify({ urls: ['https://www.example.org/dead-letter/'], source: 'deploy-test' });
    await sqs.send(new SendMessageCommand({ QueueUrl: output('QueueUrl'), MessageBody: body }));

    // Act: receive it again and again, as a failing consumer would, until SQS stops handing it out.
    const receiveCounts: number[] = [];
    for (let attempt = 0; attempt <= invalidator.maxReceiveCount; attempt++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: output('QueueUrl'), VisibilityTimeout: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
      );
      const message = Messages.find((m) => m.Body === body);
      if (message === undefined) break;
      receiveCounts.push(Number(message.Attributes?.ApproximateReceiveCount));
    }
    const list = await run('cfiq', ['dlq', 'list', '--json'], env);

    // Assess: SQS handed it out maxReceiveCount times, then moved it.
    expect(receiveCounts).toStrictEqual(Array.from({ length: invalidator.maxReceiveCount }, (_, index) => index + 1));
    expect(JSON.parse(list.stdout)).toMatchObject([{ urls: ['https://www.example.org/dead-letter/'], body }]);
  });

  it('cfiq send finds the queue from the stack outputs', async () => {
    // Act
    const sent = await run('cfiq', ['send', '--json', '--reason', 'deploy test', 'https://www.example.org/news/'], env);

    // Assess
    const { messageId, queueUrl } = JSON.parse(sent.stdout) as { messageId: string; queueUrl: string };
    expect(queueUrl).toBe(output('QueueUrl'));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: output('QueueUrl'), MaxNumberOfMessages: 10 }));
    expect(Messages.map((message) => ({ id: message.MessageId, body: JSON.parse(message.Body!) }))).toMatchObject([
      { id: messageId, body: { urls: ['https://www.example.org/news/'], reason: 'deploy test' } },
    ]);
  });

  it(
    'cdk destroy deletes the stack, its queues and the lease table, and keeps the log group',
    async () => {
      // Prepare
      const { StackResources = [] } = await cloudformation.send(new DescribeStackResourcesCommand({ StackName: STACK }));
      const logGroup = StackResources.find((resource) => resource.ResourceType === 'AWS::Logs::LogGroup')!.PhysicalResourceId!;

      // Act
      await run('cdk', ['destroy', '--app', assembly, '--force'], env);

      // Assess
      await expect(cloudformation.send(new DescribeStacksCommand({ StackName: STACK }))).rejects.toThrow(/does not exist/);
      const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
      expect(QueueUrls).toStrictEqual([]);
      const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
      expect(TableNames).toStrictEqual([]);
      expect(await describeLogGroups(moto, logGroup)).toStrictEqual([logGroup]);
    },
    CDK_TIMEOUT_MS,
  );
});
