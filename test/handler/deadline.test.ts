import { ChangeMessageVisibilityBatchCommand, GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEADLINE_MARGIN_MS } from '../../lambda/defaults.ts';
import { CLOUDFRONT_REGION } from '../../lambda/limits.ts';
import { createFunctionClients, createHandler } from '../../lambda/wiring.ts';
import { ONE_DISTRIBUTION, sqsEvent, sqsRecord } from '../helpers/factories.ts';
import { DEAD_LETTER_QUEUE_URL, SOURCE_QUEUE_URL, lambdaContext } from '../helpers/handler-harness.ts';

/**
 * The deadline margin over the wire: the function's own CloudFront client (createFunctionClients) against a server
 * that accepts the request and never answers. Without the abort signal the call would last its 15 s request timeout,
 * times the SDK's 3 attempts.
 */
describe('a CreateInvalidation that outlives the deadline margin', () => {
  const held: ServerResponse[] = [];
  const server = createServer((_request, response) => void held.push(response));
  let endpoint: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function handlerAgainstHungCloudFront() {
    const { cloudfront, sqs } = createFunctionClients({
      cloudfront: { endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } },
      sqs: { region: 'us-east-1' },
    });
    const sqsMock = mockClient(sqs as SQSClient);
    sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: SOURCE_QUEUE_URL });
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }], Failed: [] });
    const handler = createHandler({
      env: {
        INVALIDATOR_CONFIG: JSON.stringify(ONE_DISTRIBUTION),
        DEAD_LETTER_QUEUE_URL,
        MAX_RECEIVE_COUNT: '5',
      },
      cloudfront,
      sqs,
      random: () => 0.5,
    });
    return { handler, sqsMock, cloudfront };
  }

  async function quietly<T>(run: () => Promise<T>): Promise<T> {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      return await run();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  it('is aborted where the margin starts, and its message retried', async () => {
    // Prepare: 500 ms of working time left before the margin
    const { handler, sqsMock, cloudfront } = handlerAgainstHungCloudFront();
    const context = lambdaContext({ getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + 500 });
    const timeouts = vi.spyOn(AbortSignal, 'timeout');

    // Act: a hung call not aborted would outlast the test's timeout (15 s request timeout, 3 attempts)
    const response = (await quietly(() =>
      handler(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/a'] }, receiveCount: 2 })), context),
    )) as SQSBatchResponse;
    const abortsAfterMs = timeouts.mock.calls.map(([ms]) => ms);
    timeouts.mockRestore();

    // Assess: the call reached the server, with a signal that aborts it where the margin starts
    expect(await cloudfront.config.region()).toBe(CLOUDFRONT_REGION);
    expect(held.length).toBeGreaterThan(0);
    expect(abortsAfterMs).toContain(500);
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(1);
  });

  it('is reported as DeadlineExceeded, not as a CloudFront error, on the last receive', async () => {
    // Prepare
    const { handler, sqsMock } = handlerAgainstHungCloudFront();
    const context = lambdaContext({ getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + 300 });

    // Act
    const response = (await quietly(() =>
      handler(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/a'] }, receiveCount: 5 })), context),
    )) as SQSBatchResponse;

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const entry = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry.MessageAttributes!.ErrorCode!.StringValue).toBe('RetriesExhausted');
    expect(entry.MessageAttributes!.ErrorMessage!.StringValue).toMatch(
      /^DeadlineExceeded on receive 5 of 5: stopped at the invocation's deadline margin; CloudFront may or may not have created it/,
    );
  });
});
