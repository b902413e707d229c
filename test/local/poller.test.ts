import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readBatchResponse, startPoller, type InvocationReport, type Poller, type PollerOptions } from '../../local/poller.ts';
import { createQueue, depth, startSqs, waitFor } from './support.ts';

let fauxqs: Awaited<ReturnType<typeof startSqs>>;
let sqs: SQSClient;
const pollers: Poller[] = [];

beforeAll(async () => {
  fauxqs = await startSqs();
  sqs = fauxqs.sqs;
});
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});
afterAll(() => fauxqs?.close());

/** A queue, a poller on it with a recording handler, and the invocations it saw. */
async function setUp(
  options: Partial<PollerOptions> & { queueAttributes?: Record<string, string> },
  handle: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void> = async () => undefined,
) {
  const queue = await createQueue(sqs, options.queueAttributes);
  const events: SQSEvent[] = [];
  const reports: InvocationReport[] = [];
  const poller = startPoller({
    sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    region: 'us-east-1',
    waitTimeSeconds: 1,
    handler: async (event, context) => {
      events.push(event);
      return handle(event, context);
    },
    onInvocation: (report) => reports.push(report),
    ...options,
  });
  pollers.push(poller);
  const send = async (...bodies: string[]) => {
    await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })) }),
    );
  };
  return { queue, poller, events, reports, send };
}

describe('startPoller', () => {
  it('defaults: gathers what arrives within the window into one invocation and deletes it all', async () => {
    // Prepare
    const { queue, events, reports, send } = await setUp({ batchSize: 100, maxBatchingWindowMs: 1_000 });

    // Act
    await send('a', 'b');
    await sleep(200);
    await send('c');
    await waitFor('an invocation', () => reports[0]);

    // Assess
    expect(events).toHaveLength(1);
    expect(events[0]!.Records.map((record) => record.body).sort()).toStrictEqual(['a', 'b', 'c']);
    expect(reports[0]).toMatchObject({ outcome: 'success', records: 3, deleted: 3, failedMessageIds: [] });
    expect(await depth(sqs, queue.url)).toStrictEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('invokes as soon as the batch is full, before the window ends', async () => {
    // Prepare: a window of 5 minutes, longer than the test may run, so an invocation seen came from a full batch
    const { reports, events, send } = await setUp({ batchSize: 2, maxBatchingWindowMs: 300_000 });

    // Act
    await send('a', 'b', 'c');
    await waitFor('the first invocation', () => reports[0]);

    // Assess: two records handed over, the third still waiting for a batch of its own
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ outcome: 'success', records: 2, deleted: 2 });
    expect(events).toHaveLength(1);
    expect(events[0]!.Records).toHaveLength(2);
  });

  it('delivers records as Lambda does: ARN, region, receive count, message attributes', async () => {
    // Prepare
    const { queue, events } = await setUp({ batchSize: 1, maxBatchingWindowMs: 0 });

    // Act
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"paths":["/x"]}',
        MessageAttributes: { tenant: { DataType: 'String', StringValue: 'blog' } },
      }),
    );
    const event = await waitFor('an invocation', () => events[0]);

    // Assess
    const record = event.Records[0]!;
    expect(record).toMatchObject({
      body: '{"paths":["/x"]}',
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      messageAttributes: { tenant: { stringValue: 'blog', stringListValues: [], binaryListValues: [], dataType: 'String' } },
    });
    expect(record.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(record.attributes.SenderId).not.toBe('');
    expect(record.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
  });

  it('passes a Lambda-like context whose remaining time counts down from the function timeout', async () => {
    // Prepare
    const contexts: Context[] = [];
    const { send } = await setUp({ batchSize: 1, maxBatchingWindowMs: 0, functionTimeoutMs: 20_000 }, async (_, context) => {
      contexts.push(context);
    });

    // Act
    await send('a');
    const context = await waitFor('an invocation', () => contexts[0]);

    // Assess
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(15_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(20_000);
    expect(context.functionName).toBe('cfiq-local-invalidator');
  });

  it('deletes the records not reported as failures and leaves the failures for their visibility timeout', async () => {
    // Prepare
    const { queue, events, reports, send } = await setUp(
      { batchSize: 10, maxBatchingWindowMs: 300, queueAttributes: { VisibilityTimeout: '1' } },
      async (event) => ({
        batchItemFailures: event.Records.filter((record) => record.body === 'bad').map((record) => ({ itemIdentifier: record.messageId })),
      }),
    );

    // Act
    await send('good', 'bad');
    await waitFor('the first invocation', () => reports[0]);
    const second = await waitFor('the failure received again', () => events.find((event, index) => index > 0 && event.Records.length > 0));

    // Assess
    expect(reports[0]).toMatchObject({ outcome: 'partial', records: 2, deleted: 1 });
    expect(second.Records.map((record) => [record.body, record.attributes.ApproximateReceiveCount])).toStrictEqual([['bad', '2']]);
    await pollers[0]!.stop();
    expect((await depth(sqs, queue.url)).visible + (await depth(sqs, queue.url)).inFlight).toBe(1);
  });

  it.each([
    ['error', async () => Promise.reject(new Error('boom'))],
    ['invalid-response', async () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] })],
    ['timeout', async () => sleep(2_000)],
  ] as const)('deletes nothing when the invocation ends in %s', async (outcome, handle) => {
    // Prepare
    const { queue, reports, send } = await setUp(
      { batchSize: 10, maxBatchingWindowMs: 0, functionTimeoutMs: 300, queueAttributes: { VisibilityTimeout: '30' } },
      handle as () => Promise<SQSBatchResponse | void>,
    );

    // Act
    await send('a', 'b');
    const report = await waitFor('an invocation', () => reports[0]);

    // Assess
    expect(report).toMatchObject({ outcome, deleted: 0 });
    expect(report.failedMessageIds).toHaveLength(report.records);
    expect(report.error).toBeInstanceOf(Error);
    const { visible, inFlight } = await depth(sqs, queue.url);
    expect(visible + inFlight).toBe(2);
  });

  it("reports an error thrown by onInvocation as 'Invoke', not as a receive error, and goes on polling", async () => {
    // Prepare
    const errors: Array<{ error: unknown; operation: string }> = [];
    const invocations: InvocationReport[] = [];
    const failure = new Error('the callback failed');
    const { queue, events, send } = await setUp({
      batchSize: 10,
      maxBatchingWindowMs: 0,
      onInvocation: (report) => {
        invocations.push(report);
        throw failure;
      },
      onError: (error, operation) => errors.push({ error, operation }),
    });

    // Act
    await send('a');
    await waitFor('the first error', () => errors[0]);
    await send('b');
    await waitFor('a second invocation', () => invocations[1]);

    // Assess
    expect(errors.slice(0, 2)).toStrictEqual([
      { error: failure, operation: 'Invoke' },
      { error: failure, operation: 'Invoke' },
    ]);
    expect(events.map((event) => event.Records.map((record) => record.body))).toStrictEqual([['a'], ['b']]);
    expect(invocations.map((report) => [report.outcome, report.deleted])).toStrictEqual([
      ['success', 1],
      ['success', 1],
    ]);
    expect(await depth(sqs, queue.url)).toStrictEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("reports a failed receive as 'ReceiveMessage'", async () => {
    // Prepare
    const errors: Array<{ error: unknown; operation: string }> = [];
    const failure = Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' });
    const failing = { send: async () => Promise.reject(failure) } as unknown as SQSClient;

    // Act
    const { poller } = await setUp({ sqs: failing, onError: (error, operation) => errors.push({ error, operation }) });
    await waitFor('an error', () => errors[0]);
    await poller.stop();

    // Assess
    expect(errors[0]).toStrictEqual({ error: failure, operation: 'ReceiveMessage' });
  });

  it('stops while long polling: the idle long poll is aborted, not waited out', async () => {
    // Prepare: a queue that answers a receive only by its abort signal
    const receives: Array<{ waitTimeSeconds: number | undefined; signal: AbortSignal | undefined }> = [];
    const idle = {
      send: (command: { input: { WaitTimeSeconds?: number } }, options?: { abortSignal?: AbortSignal }) => {
        receives.push({ waitTimeSeconds: command.input.WaitTimeSeconds, signal: options?.abortSignal });
        return new Promise((_resolve, reject) => options?.abortSignal?.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    } as unknown as SQSClient;
    const { poller } = await setUp({ sqs: idle, waitTimeSeconds: 20 });
    await waitFor('a long poll', () => receives[0]);

    // Act: resolves only if the long poll is aborted
    await poller.stop();

    // Assess
    expect(receives).toHaveLength(1);
    expect(receives[0]!.waitTimeSeconds).toBe(20);
    expect(receives[0]!.signal?.aborted).toBe(true);
  });

  it('stops when its signal is aborted, and releases records gathered but not handed over', async () => {
    // Prepare
    const controller = new AbortController();
    const { queue, poller, events, send } = await setUp({
      batchSize: 100,
      maxBatchingWindowMs: 10_000,
      signal: controller.signal,
      queueAttributes: { VisibilityTimeout: '60' },
    });
    await send('a');
    await waitFor('the batch to start', () => (poller.busy ? true : undefined));

    // Act
    controller.abort();
    await poller.done;

    // Assess
    expect(events).toHaveLength(0);
    expect(await depth(sqs, queue.url)).toMatchObject({ visible: 1, inFlight: 0 });
  });

  it.each([
    [{ batchSize: 0 }, /batchSize must be an integer from 1 to 10000 \(given 0\)/],
    [{ batchSize: 11, maxBatchingWindowMs: 0 }, /a batchSize above 10 needs maxBatchingWindowMs of at least 1000/],
    [{ maxBatchingWindowMs: 300_001 }, /maxBatchingWindowMs must be from 0 to 300000 \(given 300001\)/],
    [{ waitTimeSeconds: 21 }, /waitTimeSeconds must be an integer from 0 to 20 \(given 21\)/],
    [{ concurrency: 0 }, /concurrency must be a positive integer \(given 0\)/],
  ])('rejects %o', (options, message) => {
    expect(() =>
      startPoller({ sqs, queueUrl: 'http://x', queueArn: 'arn', region: 'us-east-1', handler: async () => undefined, ...options }),
    ).toThrow(message);
  });
});

describe('readBatchResponse', () => {
  const records = [{ messageId: 'a' }, { messageId: 'b' }] as unknown as Parameters<typeof readBatchResponse>[1];

  it.each([
    ['undefined', undefined, []],
    ['null', null, []],
    ['an empty list', { batchItemFailures: [] }, []],
    ['no list', {}, []],
    ['one failure', { batchItemFailures: [{ itemIdentifier: 'b' }] }, ['b']],
    ['a repeated failure', { batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'b' }] }, ['b']],
  ])('reads %s as valid', (_, response, failed) => {
    expect(readBatchResponse(response, records)).toStrictEqual({ valid: true, failedMessageIds: failed });
  });

  it.each([
    ['an unknown id', { batchItemFailures: [{ itemIdentifier: 'c' }] }, /"c", which is not a message id/],
    ['an empty id', { batchItemFailures: [{ itemIdentifier: '' }] }, /"", which is not a message id/],
    ['a missing id', { batchItemFailures: [{}] }, /null, which is not a message id/],
    ['a list that is not one', { batchItemFailures: 'b' }, /not an array/],
    ['a string', 'ok', /returned a string/],
  ])('fails the whole batch for %s', (_, response, reason) => {
    const result = readBatchResponse(response, records);
    expect(result.valid).toBe(false);
    expect(result.valid === false && result.reason).toMatch(reason);
  });
});
