import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../lambda/wiring.ts';
import { captureOutput, jsonLines, lambdaContext, metricTotals } from '../helpers/handler-harness.ts';
import { createMotoDistribution, motoSkipReason, startMoto, type MotoServer } from '../helpers/moto.ts';

/**
 * The handler over HTTP through the real AWS SDK against moto_server: the wire format of CreateInvalidation and of
 * the dead-letter SendMessageBatch, read back with GetInvalidation and ReceiveMessage.
 */
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

describe.skipIf(motoSkipReason() !== undefined)('handler against moto_server', () => {
  let moto: MotoServer;
  let cloudfront: CloudFrontClient;
  let sqs: SQSClient;

  const saved = { ...process.env };
  beforeAll(async () => {
    moto = await startMoto();
    // The handler's clients take their endpoints, region and credentials from the SDK's own variables, as in Lambda.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_CLOUDFRONT: moto.endpoint,
      AWS_ENDPOINT_URL_SQS: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    });
    cloudfront = new CloudFrontClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
    sqs = new SQSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
  });
  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
  });

  it('creates the invalidation and dead-letters the poison message, as the wire carries them', async () => {
    // Prepare: a distribution and the two queues, in moto
    const distributionId = await createMotoDistribution(cloudfront, 'handler-test');
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'invalidation-queue' }))).QueueUrl!;
    const deadLetterQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'invalidation-dlq' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const poison = '{"urls": ["https://www.example.com/a"], "priority": "high"}';
    for (const body of [
      JSON.stringify({ urls: ['http://www.example.com/path/to/page?query=value', 'http://www.example.com/another/path'] }),
      JSON.stringify({ urls: ['http://www.example.com?root=query', 'http://www.example.com/another/path'], source: 'wagtail' }),
      poison,
    ]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    }
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    const records = (received.Messages ?? []).map((message) => toRecord(message, queueArn));
    expect(records).toHaveLength(3);

    const handler = createHandler({
      env: {
        INVALIDATOR_CONFIG: JSON.stringify({ distributions: [{ id: distributionId, hostnames: ['www.example.com'] }] }),
        DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
      },
    });

    // Act
    const output: string[] = [];
    const response = await captureOutput(() => handler({ Records: records }, lambdaContext()), output);

    // Assess: one invalidation, read back over the wire
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const list = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
    expect(list.InvalidationList!.Quantity).toBe(1);
    const invalidation = await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: list.InvalidationList!.Items![0]!.Id! }));
    const paths = invalidation.Invalidation!.InvalidationBatch!.Paths!;
    expect(paths.Items).toStrictEqual(['/?root=query', '/another/path', '/path/to/page?query=value']);
    expect(paths.Quantity).toBe(3);
    expect(invalidation.Invalidation!.InvalidationBatch!.CallerReference).toMatch(/^cfiq-[0-9a-f]{64}$/);

    // ... and the poison message in the DLQ, body unchanged, with its reason
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    expect(dead.Messages).toHaveLength(1);
    const letter = dead.Messages![0]!;
    expect(letter.Body).toBe(poison);
    expect(letter.MessageAttributes!.ErrorCode!.StringValue).toBe('InvalidMessage');
    expect(letter.MessageAttributes!.ErrorMessage!.StringValue).toBe('message is invalid: unknown field "priority"');
    expect(letter.MessageAttributes!.SourceMessageId!.StringValue).toBe(records.find((record) => record.body === poison)!.messageId);
    expect(metricTotals(jsonLines(output))).toMatchObject({ MessagesReceived: 3, InvalidMessages: 1, InvalidationsCreated: 1, DeadLetteredMessages: 1 });
  });
  it('dead-letters with CloudFront\'s own error code when the distribution does not exist', async () => {
    // Prepare
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'missing-queue' }))).QueueUrl!;
    const deadLetterQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'missing-dlq' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ paths: ['/gone'] }) }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageSystemAttributeNames: ['All'] }));
    const handler = createHandler({
      env: { INVALIDATOR_CONFIG: JSON.stringify({ distributions: [{ id: 'ENOSUCHDISTRIBUTION' }] }), DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl },
    });

    // Act
    const output: string[] = [];
    const response = await captureOutput(() => handler({ Records: received.Messages!.map((message) => toRecord(message, queueArn)) }, lambdaContext()), output);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageAttributeNames: ['All'] }));
    expect(dead.Messages![0]!.MessageAttributes!.ErrorCode!.StringValue).toBe('NoSuchDistribution');
    expect(jsonLines(output)).toContainEqual(
      expect.objectContaining({ level: 'WARN', message: 'invalidation failed (permanent)', distributionId: 'ENOSUCHDISTRIBUTION', errorCode: 'NoSuchDistribution' }),
    );
  });
});

/** An SQS message as the Lambda event source would deliver it. */
function toRecord(message: Message, queueArn: string): SQSRecord {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: message.Attributes as unknown as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: message.MD5OfBody!,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}
