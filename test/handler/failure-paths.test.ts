import { CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { DEADLINE_MARGIN_MS } from '../../lambda/defaults.ts';
import { MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';
import { awsError, MEDIA_DISTRIBUTION_ID as MEDIA, SENT_TIMESTAMP, sqsEvent, sqsRecord, TWO_DISTRIBUTIONS as CONFIG, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { DEAD_LETTER_QUEUE_URL, SOURCE_QUEUE_URL, handlerHarness, metricTotals, entriesTo } from '../helpers/handler-harness.ts';

/**
 * The handler's failure paths: CloudFront's in-progress limits within one batch (deferred requests and remainder
 * messages), the deadline margin, unexpected errors per record, unrecognized CloudFront errors, and the concurrency
 * of the SQS bookkeeping.
 */

/** `count` distinct paths under `/prefix/`, sorted as the planner sorts them. */
function pathsUnder(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `/${prefix}/${String(index).padStart(5, '0')}`);
}

/** The harness: its `logLines` holds the WARN and ERROR lines too. */
const harness = handlerHarness;

function failureLines(logLines: () => Array<Record<string, unknown>>) {
  return logLines().filter((line) => String(line.message).startsWith('invalidation failed'));
}

describe('in-progress limits within one batch', () => {
  it('sends only what fits a distribution’s 3,000 paths, oldest first, and re-sends what a message still owes', async () => {
    // Prepare: 4,000 distinct paths for WWW: the budget takes all of "first" and half of "second"
    const { invoke, cloudfrontMock, sqsMock, logLines } = harness(CONFIG);
    const first = pathsUnder('a', 2_000);
    const second = pathsUnder('b', 2_000);
    const event = sqsEvent(
      sqsRecord({ messageId: 'first', body: { distributionId: WWW, paths: first } }),
      sqsRecord({
        messageId: 'second',
        body: { distributionId: WWW, paths: second, source: 'wagtail', reason: 'bulk publish' },
        messageAttributes: { Source: { dataType: 'String', stringValue: 'wagtail' } },
      }),
      sqsRecord({ messageId: 'innocent', body: { urls: ['https://media.example.com/logo.png'] } }),
    );

    // Act
    const response = await invoke(event);

    // Assess: two calls (WWW's first 3,000 paths, MEDIA's one); WWW's other 1,000 wait, without a call or a failure
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const calls = cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => [input.DistributionId, input.InvalidationBatch!.Paths!.Quantity])).toStrictEqual([
      [MEDIA, 1],
      [WWW, 3_000],
    ]);
    expect(calls[1]!.InvalidationBatch!.Paths!.Items).toStrictEqual([...first, ...second.slice(0, 1_000)]);
    expect(failureLines(logLines)).toStrictEqual([]);

    const [remainder, ...more] = entriesTo(sqsMock, SOURCE_QUEUE_URL);
    expect(more).toStrictEqual([]);
    expect(JSON.parse(remainder!.MessageBody!)).toStrictEqual({ distributionId: WWW, paths: second.slice(1_000), source: 'wagtail', reason: 'bulk publish' });
    // Paced by the invalidation just created: back when it is 60 s old (INVALIDATION_SECONDS), not by backoff.
    expect(remainder!.DelaySeconds).toBe(60);
    expect(remainder!.MessageAttributes).toStrictEqual({
      RemainderOf: { DataType: 'String', StringValue: 'second' },
      OriginalMessageId: { DataType: 'String', StringValue: 'second' },
      FirstEnqueuedAt: { DataType: 'Number', StringValue: String(SENT_TIMESTAMP) },
      Source: { DataType: 'String', StringValue: 'wagtail' },
    });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
    expect(entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL)).toStrictEqual([]);
    expect(logLines()).toContainEqual(expect.objectContaining({ message: 'remainder sent', messageId: 'second', distributionId: WWW, paths: 1_000 }));
    expect(metricTotals(logLines())).toMatchObject({ MessagesWaiting: 1, TransientFailures: 0 });
  });

  it('sends no more than 15 wildcard paths to a distribution', async () => {
    // Prepare: 16 wildcards, 10 paths a request: 10 wildcards, then 5 (15 in all); the 16th waits
    const { invoke, cloudfrontMock, sqsMock, logLines } = harness({ ...CONFIG, maxPathsPerInvalidation: 10 });
    const wildcards = Array.from({ length: MAX_WILDCARDS_IN_PROGRESS + 1 }, (_, index) => `/section-${String(index).padStart(2, '0')}/*`);

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { distributionId: WWW, paths: wildcards } })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items)).toStrictEqual([
      wildcards.slice(0, 10),
      wildcards.slice(10, 15),
    ]);
    expect(failureLines(logLines)).toStrictEqual([]);
    expect(entriesTo(sqsMock, SOURCE_QUEUE_URL).map((entry) => JSON.parse(entry.MessageBody!))).toStrictEqual([
      { distributionId: WWW, paths: wildcards.slice(15) },
    ]);
  });

  it('counts file paths and wildcard paths apart, as CloudFront does', async () => {
    // Prepare: 3,000 files fill the file budget; a request of wildcards alone still fits
    const { invoke, cloudfrontMock } = harness({ ...CONFIG, maxWildcardsPerInvalidation: 1 });
    const files = pathsUnder('a', MAX_PATHS_PER_INVALIDATION);

    // Act: sorted, the files come first ("/a/…"), then each wildcard in a request of its own (one wildcard a request)
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { distributionId: WWW, paths: [...files, '/y/*', '/z/*'] } })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Quantity)).toStrictEqual([
      MAX_PATHS_PER_INVALIDATION,
      1,
      1,
    ]);
  });

  it('spends no receive on a message that waits: on its last receive it is re-sent with a delay, not dead-lettered', async () => {
    // Prepare: "big" fills WWW's file budget; "small" waits. Both are on their last receive.
    const { invoke, cloudfrontMock, sqsMock } = harness(CONFIG);
    const event = sqsEvent(
      sqsRecord({ messageId: 'big', body: { distributionId: WWW, paths: pathsUnder('a', MAX_PATHS_PER_INVALIDATION) }, receiveCount: 5 }),
      sqsRecord({ messageId: 'small', body: { distributionId: WWW, paths: ['/z'] }, receiveCount: 5 }),
    );

    // Act
    const response = await invoke(event);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
    expect(entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL)).toStrictEqual([]);
    const [deferred] = entriesTo(sqsMock, SOURCE_QUEUE_URL);
    expect(JSON.parse(deferred!.MessageBody!)).toStrictEqual({ distributionId: WWW, paths: ['/z'] });
    expect(deferred!.DelaySeconds).toBe(60);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
  });
});

describe('remainders', () => {
  it('owe only the failed distribution of a message that spans two', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock } = harness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand, { DistributionId: MEDIA }).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const record = sqsRecord({
      messageId: 'm1',
      body: { urls: ['https://www.example.com/page', 'https://media.example.com/img/a.png', 'https://media.example.com/img/b.png'] },
      receiveCount: 3,
    });

    // Act
    const response = await invoke(sqsEvent(record));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const [remainder] = entriesTo(sqsMock, SOURCE_QUEUE_URL);
    expect(JSON.parse(remainder!.MessageBody!)).toStrictEqual({ distributionId: MEDIA, paths: ['/img/a.png', '/img/b.png'] });
    // Receive 3: a ceiling of 120 s, half of it.
    expect(remainder!.DelaySeconds).toBe(60);
  });

  it('are sent on the last receive too: a remainder starts its receives again, and is smaller', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock } = harness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand, { DistributionId: MEDIA }).rejects(awsError('TooManyInvalidationsInProgress', 'Your request contains too many invalidations', 400));
    const record = sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/page', 'https://media.example.com/a.png'] }, receiveCount: 5 });

    // Act
    const response = await invoke(sqsEvent(record));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL)).toStrictEqual([]);
    expect(entriesTo(sqsMock, SOURCE_QUEUE_URL).map((entry) => JSON.parse(entry.MessageBody!))).toStrictEqual([{ distributionId: MEDIA, paths: ['/a.png'] }]);
  });

  it('are capped at SQS’s 900 s delay', async () => {
    // Prepare: a backoff of up to 3,600 s (jitter 0.5: 1,800 s) exceeds what DelaySeconds allows
    const { invoke, cloudfrontMock, sqsMock } = harness(CONFIG, { RETRY_BASE_DELAY_SECONDS: '3600', RETRY_MAX_DELAY_SECONDS: '3600' });
    cloudfrontMock.on(CreateInvalidationCommand, { DistributionId: MEDIA }).rejects(awsError('Throttling', 'Rate exceeded', 400));

    // Act
    await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/p', 'https://media.example.com/a.png'] } })));

    // Assess
    expect(entriesTo(sqsMock, SOURCE_QUEUE_URL)[0]!.DelaySeconds).toBe(900);
  });

  it('leave out paths a created wildcard covers, and keep non-ASCII paths exactly (normalizing twice changes nothing)', async () => {
    // Prepare: two paths a request: ["/caf%C3%A9/*", "/news/*"] is created, ["/z", "/z%C3%BC%20ber?q=%C3%A4"] throttled
    const { invoke, cloudfrontMock, sqsMock } = harness({ ...CONFIG, maxPathsPerInvalidation: 2 });
    cloudfrontMock
      .on(CreateInvalidationCommand)
      .resolvesOnce({ Invalidation: { Id: 'I1', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } })
      .rejects(awsError('Throttling', 'Rate exceeded', 400));
    const urls = ['https://www.example.com/café/menu', 'https://www.example.com/news/today', 'https://www.example.com/zü ber?q=ä', 'https://www.example.com/z'];
    const paths = ['/café/*', '/news/*'];

    // Act
    await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls, paths, distributionId: WWW } })));
    const remainderBody = entriesTo(sqsMock, SOURCE_QUEUE_URL)[0]!.MessageBody!;
    const again = harness({ ...CONFIG, maxPathsPerInvalidation: 2 });
    await again.invoke(sqsEvent(sqsRecord({ messageId: 'r1', body: remainderBody })));

    // Assess
    expect(JSON.parse(remainderBody)).toStrictEqual({ distributionId: WWW, paths: ['/z', '/z%C3%BC%20ber?q=%C3%A4'] });
    expect(again.cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items)).toStrictEqual([
      ['/z', '/z%C3%BC%20ber?q=%C3%A4'],
    ]);
  });

  it('fall back to retrying the whole message when the remainder cannot be sent', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock, logLines } = harness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand, { DistributionId: MEDIA }).rejects(awsError('Throttling', 'Rate exceeded', 400));
    sqsMock.on(SendMessageBatchCommand, { QueueUrl: SOURCE_QUEUE_URL }).rejects(awsError('AccessDenied', 'not allowed to send', 403));
    const record = sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/p', 'https://media.example.com/a.png'] }, receiveCount: 2 });

    // Act
    const response = await invoke(sqsEvent(record));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    const changes = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand);
    expect(changes.map((call) => call.args[0].input.Entries)).toStrictEqual([[{ Id: '0', ReceiptHandle: record.receiptHandle, VisibilityTimeout: 30 }]]);
    expect(logLines()).toContainEqual(
      expect.objectContaining({ level: 'WARN', message: 'remainder send failed; the message will be retried whole', sendError: 'AccessDenied: not allowed to send' }),
    );
  });

  it('are not sent for a permanent failure: the whole message is dead-lettered, naming what was invalidated', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock } = harness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand, { DistributionId: MEDIA }).rejects(awsError('NoSuchDistribution', 'The specified distribution does not exist.', 404));
    const body = JSON.stringify({ urls: ['https://www.example.com/p', 'https://media.example.com/a.png'] });

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(entriesTo(sqsMock, SOURCE_QUEUE_URL)).toStrictEqual([]);
    const [letter] = entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL);
    expect(letter!.MessageBody).toBe(body);
    expect(letter!.MessageAttributes!.ErrorMessage!.StringValue).toBe(
      'CloudFront NoSuchDistribution: The specified distribution does not exist. (1 of its 2 paths were invalidated, in I1: /p)',
    );
  });

  it('name the message they come from in RemainderOf and the first one in OriginalMessageId, and keep at most 10 attributes', async () => {
    // Prepare: the message is itself a remainder, with 10 attributes
    const { invoke, cloudfrontMock, sqsMock } = harness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand, { DistributionId: MEDIA }).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const messageAttributes: SQSRecord['messageAttributes'] = {
      RemainderOf: { dataType: 'String', stringValue: 'm0' },
      OriginalMessageId: { dataType: 'String', stringValue: 'm0' },
    };
    for (let index = 0; index < 8; index++) messageAttributes[`A${index}`] = { dataType: 'String', stringValue: String(index) };

    // Act
    await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/p', 'https://media.example.com/a.png'] }, messageAttributes })));

    // Assess
    const attributes = entriesTo(sqsMock, SOURCE_QUEUE_URL)[0]!.MessageAttributes!;
    expect(Object.keys(attributes)).toHaveLength(10);
    expect(attributes.RemainderOf).toStrictEqual({ DataType: 'String', StringValue: 'm1' });
    expect(attributes.OriginalMessageId).toStrictEqual({ DataType: 'String', StringValue: 'm0' });
    expect(attributes.FirstEnqueuedAt).toStrictEqual({ DataType: 'Number', StringValue: String(SENT_TIMESTAMP) });
    // Ours take three of SQS's 10: the first seven of the message's own follow.
    expect(Object.keys(attributes).slice(3)).toStrictEqual(['A0', 'A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
  });
});

describe('the deadline margin', () => {
  it('gives every CreateInvalidation an abort signal', async () => {
    // Prepare
    const { invoke, cloudfrontMock } = harness(CONFIG);

    // Act
    await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/a'] } })));

    // Assess
    // aws-sdk-client-mock types only the command; send's second argument is there all the same.
    const options = (cloudfrontMock.commandCalls(CreateInvalidationCommand)[0]!.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal).toBeInstanceOf(AbortSignal);
    expect(options!.abortSignal!.aborted).toBe(false);
  });

  it('names DeadlineExceeded as ours, not CloudFront’s, when the receives run out', async () => {
    // Prepare
    const { invoke, sqsMock } = harness(CONFIG);
    const record = sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/a'] }, receiveCount: 5 });

    // Act
    await invoke(sqsEvent(record), { getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS - 1_000 });

    // Assess
    const [letter] = entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL);
    expect(letter!.MessageAttributes!.ErrorCode!.StringValue).toBe('RetriesExhausted');
    expect(letter!.MessageAttributes!.ErrorMessage!.StringValue).toBe(`DeadlineExceeded on receive 5 of 5: not started: ${DEADLINE_MARGIN_MS - 1_000} ms left in the invocation`);
  });
});

describe('unexpected errors', () => {
  it('retry only the record that met one, not the whole batch, and log no body', async () => {
    // Prepare: a record whose body cannot even be read
    const { invoke, cloudfrontMock, logLines } = harness(CONFIG);
    const broken = sqsRecord({ messageId: 'broken', body: { urls: ['https://www.example.com/secret-draft'] } });
    Object.defineProperty(broken, 'body', {
      get() {
        throw new TypeError('body unavailable');
      },
    });
    const event = sqsEvent(broken, sqsRecord({ messageId: 'fine', body: { urls: ['https://www.example.com/a'] } }), sqsRecord({ messageId: 'bad', body: '[]' }));

    // Act
    const response = await invoke(event);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'broken' }] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
    const line = logLines().find((entry) => entry.message === 'unexpected error reading a message; it will be received again');
    expect(line).toMatchObject({ level: 'WARN', messageId: 'broken', errorName: 'TypeError', errorMessage: 'body unavailable' });
    expect(JSON.stringify(logLines())).not.toContain('secret-draft');
  });
});

describe('CloudFront error codes', () => {
  it('retry an unrecognized one as transient, with a warning naming it', async () => {
    // Prepare
    const { invoke, cloudfrontMock, logLines } = harness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand).rejects(awsError('BrandNewError', 'something new', 400));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/a'] } })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(logLines()).toContainEqual(
      expect.objectContaining({ level: 'WARN', message: 'unrecognized CloudFront error, treated as transient', errorCode: 'BrandNewError', distributionId: WWW }),
    );
  });

  it('retry a thrown null as an unrecognized transient error, not a crash of the whole batch', async () => {
    // Prepare
    const { invoke, cloudfrontMock, logLines } = harness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand).callsFake(() => Promise.reject(null));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/a'] } }), sqsRecord({ messageId: 'bad', body: '[]' })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(failureLines(logLines)).toStrictEqual([expect.objectContaining({ errorCode: 'UnknownError', errorMessage: 'null' })]);
  });

  it('wait on TooManyInvalidationsInProgress (another writer filled the budget): re-sent with a delay, no receive spent', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock, logLines } = harness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand).rejects(awsError('TooManyInvalidationsInProgress', 'too many in progress', 400));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/a'] }, receiveCount: 5 })));

    // Assess: nothing in progress is known and nothing was created, so it looks again after BACKLOG_RECHECK_SECONDS
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(failureLines(logLines)).toStrictEqual([]);
    expect(logLines()).toContainEqual(expect.objectContaining({ message: 'invalidation waits for the in-progress budget', errorCode: 'TooManyInvalidationsInProgress' }));
    const [deferred] = entriesTo(sqsMock, SOURCE_QUEUE_URL);
    expect(JSON.parse(deferred!.MessageBody!)).toStrictEqual({ distributionId: WWW, paths: ['/a'] });
    expect(deferred!.DelaySeconds).toBe(15);
    expect(entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL)).toStrictEqual([]);
  });

  it.each(['Throttling', 'ServiceUnavailable', 'TimeoutError', 'ECONNRESET'])('retry a known transient %s without that warning', async (code) => {
    // Prepare
    const { invoke, cloudfrontMock, logLines } = harness(CONFIG);
    const error = code === 'ECONNRESET' ? Object.assign(new Error('socket hang up'), { code }) : awsError(code, 'try later', 400);
    cloudfrontMock.on(CreateInvalidationCommand).rejects(error);

    // Act
    await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/a'] } })));

    // Assess
    expect(failureLines(logLines)).toStrictEqual([expect.objectContaining({ errorCode: code })]);
    expect(logLines().filter((line) => line.message === 'unrecognized CloudFront error, treated as transient')).toStrictEqual([]);
  });
});

describe('SQS bookkeeping of a big batch', () => {
  /** Answer every call of a command after a short wait, and record how many ran at once. */
  function overlapping() {
    let running = 0;
    const seen = { max: 0, calls: 0 };
    const answer = <T>(result: T) => async () => {
      running++;
      seen.calls++;
      seen.max = Math.max(seen.max, running);
      await new Promise((resolve) => setTimeout(resolve, 10));
      running--;
      return result;
    };
    return { seen, answer };
  }

  it('dead-letters in calls of 10, at most 5 at a time', async () => {
    // Prepare
    const { invoke, sqsMock } = harness(CONFIG);
    const { seen, answer } = overlapping();
    sqsMock.on(SendMessageBatchCommand).callsFake(async (input: { Entries: Array<{ Id: string }> }) =>
      answer({ Successful: input.Entries.map((entry) => ({ Id: entry.Id, MessageId: 'x', MD5OfMessageBody: '' })), Failed: [] })(),
    );
    const records = Array.from({ length: 120 }, (_, index) => sqsRecord({ messageId: `bad-${index}`, body: 'not json' }));

    // Act
    const response = await invoke(sqsEvent(...records));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(seen.calls).toBe(12);
    expect(seen.max).toBeGreaterThan(1);
    expect(seen.max).toBeLessThanOrEqual(5);
  });

  it('delays retries in calls of 10, at most 5 at a time', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock } = harness({ ...CONFIG, maxPathsPerInvalidation: 1 });
    cloudfrontMock.on(CreateInvalidationCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const { seen, answer } = overlapping();
    sqsMock.on(ChangeMessageVisibilityBatchCommand).callsFake(async (input: { Entries: Array<{ Id: string }> }) =>
      answer({ Successful: input.Entries.map((entry) => ({ Id: entry.Id })), Failed: [] })(),
    );
    const records = Array.from({ length: 60 }, (_, index) => sqsRecord({ messageId: `m-${index}`, body: { distributionId: WWW, paths: [`/p/${index}`] } }));

    // Act
    const response = await invoke(sqsEvent(...records));

    // Assess
    expect(response.batchItemFailures).toHaveLength(60);
    expect(seen.calls).toBe(6);
    expect(seen.max).toBeGreaterThan(1);
    expect(seen.max).toBeLessThanOrEqual(5);
  });
});
