import { CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lambda/errors.ts';
import { createHandler } from '../../lambda/wiring.ts';
import { awsError, MEDIA_DISTRIBUTION_ID as MEDIA, sqsEvent, sqsRecord, TWO_DISTRIBUTIONS as CONFIG, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { DEAD_LETTER_QUEUE_URL, SOURCE_QUEUE_URL, handlerHarness, metricTotals } from '../helpers/handler-harness.ts';

describe('handler', () => {
  it('turns three URLs of one host into ONE CreateInvalidation with a sorted Array of paths', async () => {
    // Prepare
    const { invoke, cloudfrontMock } = handlerHarness(CONFIG);
    const event = sqsEvent(
      sqsRecord({ messageId: 'm1', body: JSON.stringify({ urls: ['http://www.example.com/path/to/page?query=value'] }) }),
      sqsRecord({ messageId: 'm2', body: JSON.stringify({ urls: ['http://www.example.com/another/path'] }) }),
      sqsRecord({ messageId: 'm3', body: JSON.stringify({ urls: ['http://www.example.com?root=query'] }) }),
    );

    // Act
    const response = await invoke(event);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const calls = cloudfrontMock.commandCalls(CreateInvalidationCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.DistributionId).toBe(WWW);
    const paths = input.InvalidationBatch!.Paths!;
    expect(Array.isArray(paths.Items)).toBe(true);
    expect(paths.Items).toStrictEqual(['/?root=query', '/another/path', '/path/to/page?query=value']);
    expect(paths.Quantity).toBe(paths.Items!.length);
  });

  it('de-duplicates, drops paths a wildcard covers, and makes one request per distribution', async () => {
    // Prepare
    const { invoke, cloudfrontMock } = handlerHarness(CONFIG);
    const event = sqsEvent(
      sqsRecord({ messageId: 'm1', body: JSON.stringify({ distributionId: WWW, paths: ['/blog/*', '/blog', '/donate/'] }) }),
      sqsRecord({ messageId: 'm2', body: JSON.stringify({ urls: ['https://www.example.com/blog/a', 'https://www.example.com/donate/'] }) }),
      sqsRecord({ messageId: 'm3', body: JSON.stringify({ urls: ['https://media.example.com/img/logo.png'] }) }),
    );

    // Act
    const response = await invoke(event);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const inputs = cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => [input.DistributionId, input.InvalidationBatch!.Paths!.Items])).toStrictEqual([
      [MEDIA, ['/img/logo.png']],
      [WWW, ['/blog', '/blog/*', '/donate/']],
    ]);
  });

  it('gives a retried identical batch the same CallerReference (idempotent at CloudFront)', async () => {
    // Prepare
    const { invoke, cloudfrontMock } = handlerHarness(CONFIG);
    const event = sqsEvent(sqsRecord({ messageId: 'm1', body: JSON.stringify({ urls: ['https://www.example.com/a'] }) }));

    // Act
    await invoke(event);
    await invoke(event);
    await invoke(sqsEvent(sqsRecord({ messageId: 'm2', body: JSON.stringify({ urls: ['https://www.example.com/a'] }) })));

    // Assess
    const references = cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.CallerReference);
    expect(references[0]).toBe(references[1]);
    expect(references[2]).not.toBe(references[0]);
  });

  it('dead-letters an invalid message at once, body unchanged, with ErrorCode, ErrorMessage and SourceMessageId', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness(CONFIG);
    const poison = '{"path": ["/typo"]}';
    const event = sqsEvent(
      sqsRecord({ messageId: 'bad', body: poison, messageAttributes: { Source: { dataType: 'String', stringValue: 'wagtail' } } }),
      sqsRecord({ messageId: 'good', body: JSON.stringify({ urls: ['https://www.example.com/ok'] }) }),
    );

    // Act
    const response = await invoke(event);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
    const sends = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(sends).toHaveLength(1);
    const input = sends[0]!.args[0].input;
    expect(input.QueueUrl).toBe(DEAD_LETTER_QUEUE_URL);
    expect(input.Entries).toHaveLength(1);
    const entry = input.Entries![0]!;
    expect(entry.MessageBody).toBe(poison);
    expect(entry.MessageAttributes!.ErrorCode).toStrictEqual({ DataType: 'String', StringValue: 'InvalidMessage' });
    expect(entry.MessageAttributes!.ErrorMessage!.StringValue).toMatch(/unknown field "path"/);
    expect(entry.MessageAttributes!.SourceMessageId).toStrictEqual({ DataType: 'String', StringValue: 'bad' });
    expect(entry.MessageAttributes!.Source).toStrictEqual({ DataType: 'String', StringValue: 'wagtail' });
  });

  it.each([
    ['not JSON', 'publish /a', 'InvalidJson'],
    ['unknown distribution', JSON.stringify({ distributionId: 'ENOTCONFIGURED', paths: ['/a'] }), 'UnknownDistribution'],
    ['paths without distributionId and two distributions', JSON.stringify({ paths: ['/a'] }), 'AmbiguousDistribution'],
    ['unknown host', JSON.stringify({ urls: ['https://elsewhere.example.net/a'] }), 'UnknownHost'],
    ['ftp URL', JSON.stringify({ urls: ['ftp://www.example.com/a'] }), 'InvalidUrl'],
    ['path with * inside', JSON.stringify({ distributionId: WWW, paths: ['/a*/b'] }), 'InvalidPath'],
  ])('dead-letters %s with ErrorCode %s', async (_name, body, code) => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness(CONFIG);

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
    const entry = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry.MessageAttributes!.ErrorCode!.StringValue).toBe(code);
  });

  it('reports an invalid message as a batch item failure when the dead-letter send fails', async () => {
    // Prepare
    const { invoke, sqsMock, logLines } = handlerHarness(CONFIG);
    sqsMock.on(SendMessageBatchCommand).rejects(awsError('ServiceUnavailable', 'try later', 503, 'server'));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'bad', body: 'nope' })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(logLines()).toContainEqual(
      expect.objectContaining({ level: 'WARN', message: 'dead-letter send failed; the message will be received again', messageId: 'bad', sendError: expect.stringContaining('ServiceUnavailable') }),
    );
  });

  it('reports only the entries SendMessageBatch could not deliver', async () => {
    // Prepare
    const { invoke, sqsMock } = handlerHarness(CONFIG);
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }],
      Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError', Message: 'boom' }],
    });

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'bad1', body: 'x' }), sqsRecord({ messageId: 'bad2', body: 'y' })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'bad2' }] });
  });

  it.each(['Throttling', 'ServiceUnavailable', 'TimeoutError', 'ECONNRESET'])(
    'retries contributing messages after a transient %s, with backoff from ApproximateReceiveCount',
    async (code) => {
      // Prepare
      const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(CONFIG);
      const error = code === 'ECONNRESET' ? Object.assign(new Error('socket hang up'), { code }) : awsError(code, 'Rate exceeded', code === 'ServiceUnavailable' ? 503 : 400);
      cloudfrontMock.on(CreateInvalidationCommand, { DistributionId: WWW }).rejects(error);
      const www = sqsRecord({ messageId: 'www', body: JSON.stringify({ urls: ['https://www.example.com/a'] }), receiveCount: 3 });
      const event = sqsEvent(www, sqsRecord({ messageId: 'media', body: JSON.stringify({ urls: ['https://media.example.com/a'] }) }));

      // Act
      const response = await invoke(event);

      // Assess
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'www' }] });
      const changes = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand);
      expect(changes).toHaveLength(1);
      expect(changes[0]!.args[0].input.QueueUrl).toBe(SOURCE_QUEUE_URL);
      // receive 3: ceiling 30 x 2^2 = 120 s; the test's jitter draws 0.5
      expect(changes[0]!.args[0].input.Entries).toStrictEqual([{ Id: '0', ReceiptHandle: www.receiptHandle, VisibilityTimeout: 60 }]);
      expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
      expect(logLines()).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'invalidation failed (transient)', distributionId: WWW, errorCode: code }));
    },
  );

  it('dead-letters a transiently failing message itself on its last receive, with the reason', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: JSON.stringify({ urls: ['https://www.example.com/a'] }), receiveCount: 5 })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const entry = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry.MessageAttributes!.ErrorCode!.StringValue).toBe('RetriesExhausted');
    expect(entry.MessageAttributes!.ErrorMessage!.StringValue).toBe('CloudFront Throttling on receive 5 of 5: Rate exceeded');
  });

  it.each(['NoSuchDistribution', 'AccessDenied', 'InvalidArgument', 'InconsistentQuantities', 'BatchTooLarge'])(
    'dead-letters contributing messages at once after a permanent %s',
    async (code) => {
      // Prepare
      const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(CONFIG);
      cloudfrontMock.on(CreateInvalidationCommand).rejects(awsError(code, 'CloudFront says no', 400));
      const body = JSON.stringify({ urls: ['https://www.example.com/a'] });

      // Act
      const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body })));

      // Assess
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
      const entry = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!;
      expect(entry.MessageBody).toBe(body);
      expect(entry.MessageAttributes!.ErrorCode!.StringValue).toBe(code);
      expect(entry.MessageAttributes!.ErrorMessage!.StringValue).toBe(`CloudFront ${code}: CloudFront says no`);
      expect(logLines()).toContainEqual(
        expect.objectContaining({ level: 'WARN', message: 'invalidation failed (permanent)', distributionId: WWW, errorCode: code, errorMessage: 'CloudFront says no' }),
      );
    },
  );

  it('retries a message none of whose requests succeeded, and sends on what a partly invalidated one still owes', async () => {
    // Prepare: limit 2 paths per request, so the batch splits into two requests of WWW
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness({ ...CONFIG, maxPathsPerInvalidation: 2 });
    cloudfrontMock
      .on(CreateInvalidationCommand)
      .resolvesOnce({ Invalidation: { Id: 'I1', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } })
      .rejectsOnce(awsError('Throttling', 'Rate exceeded', 400));
    const event = sqsEvent(
      sqsRecord({ messageId: 'first', body: JSON.stringify({ distributionId: WWW, paths: ['/a', '/b'] }) }),
      sqsRecord({ messageId: 'spans-both', body: JSON.stringify({ distributionId: WWW, paths: ['/b', '/c'] }) }),
      sqsRecord({ messageId: 'second', body: JSON.stringify({ distributionId: WWW, paths: ['/d'] }) }),
    );

    // Act
    const response = await invoke(event);

    // Assess: requests ['/a','/b'] (ok) and ['/c','/d'] (throttled)
    const items = cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items);
    expect(items).toStrictEqual([['/a', '/b'], ['/c', '/d']]);
    expect(response.batchItemFailures.map((item) => item.itemIdentifier)).toStrictEqual(['second']);
    // "spans-both" is acknowledged: its /b is invalidated, its /c goes back on the queue as a remainder.
    const remainders = sqsMock.commandCalls(SendMessageBatchCommand).filter((call) => call.args[0].input.QueueUrl === SOURCE_QUEUE_URL);
    expect(remainders.flatMap((call) => call.args[0].input.Entries!.map((entry) => entry.MessageBody))).toStrictEqual([
      JSON.stringify({ distributionId: WWW, paths: ['/c'] }),
    ]);
  });

  it('does not start a request with too little invocation time left, and retries those messages', async () => {
    // Prepare
    const { invoke, cloudfrontMock } = handlerHarness(CONFIG);

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: JSON.stringify({ urls: ['https://www.example.com/a'] }) })), {
      getRemainingTimeInMillis: () => 2_000,
    });

    // Assess
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });

  it('reports the whole batch as failures on an unexpected error instead of throwing', async () => {
    // Prepare: a record without attributes is a bug upstream, not bad input
    const { invoke, cloudfrontMock, logLines } = handlerHarness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const broken = { ...sqsRecord({ messageId: 'm1', body: JSON.stringify({ urls: ['https://www.example.com/a'] }) }), attributes: undefined };

    // Act
    const response = await invoke(sqsEvent(broken as never, sqsRecord({ messageId: 'm2', body: 'x' })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    const errors = logLines().filter((line) => line.level === 'ERROR');
    expect(errors).toStrictEqual([
      expect.objectContaining({
        message: 'unexpected error; the whole batch will be received again',
        error: expect.objectContaining({ name: 'TypeError', stack: expect.any(String) }),
      }),
    ]);
  });

  it('logs one JSON line per CreateInvalidation and per dead-lettered message, and emits the metrics', async () => {
    // Prepare
    const { invoke, logLines } = handlerHarness(CONFIG);
    const event = sqsEvent(
      sqsRecord({ messageId: 'm1', body: JSON.stringify({ urls: ['https://www.example.com/a', 'https://www.example.com/a'] }) }),
      sqsRecord({ messageId: 'm2', body: JSON.stringify({ urls: ['https://www.example.com/a', 'https://www.example.com/b'] }) }),
      sqsRecord({ messageId: 'bad', body: '[]' }),
    );

    // Act
    await invoke(event);

    // Assess
    const lines = logLines();
    const created = lines.filter((line) => line.message === 'invalidation created');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ level: 'INFO', distributionId: WWW, invalidationId: 'I1', paths: 2, messages: 2 });
    const deadLettered = lines.filter((line) => line.message === 'message dead-lettered');
    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0]).toMatchObject({ messageId: 'bad', errorCode: 'InvalidMessage' });
    expect(metricTotals(lines)).toStrictEqual({
      MessagesReceived: 3,
      InvalidMessages: 1,
      PathsRequested: 3,
      PathsSubmitted: 2,
      InvalidationsCreated: 1,
      DeadLetteredMessages: 1,
      TransientFailures: 0,
      PermanentFailures: 0,
      MessagesWaiting: 0,
      // Per distribution the batch targets (here one): nothing waits, and the invalidation it created is in progress.
      PathsWaiting: 0,
      OldestWaitingAgeSeconds: 0,
      InvalidationsInProgress: 1,
    });
    const gauge = lines.find((line) => 'InvalidationsInProgress' in line)!;
    expect(gauge).toMatchObject({ DistributionId: WWW, InvalidationsInProgress: 1 });
  });

  it('never logs the password of a URL with credentials', async () => {
    // Prepare
    const { invoke, logLines, sqsMock } = handlerHarness(CONFIG);

    // Act
    await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: JSON.stringify({ urls: ['https://editor:hunter2secret@www.example.com/a'] }) })));

    // Assess
    expect(JSON.stringify(logLines())).not.toContain('hunter2secret');
    const attributes = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!.MessageAttributes!;
    expect(attributes.ErrorCode!.StringValue).toBe('InvalidUrl');
    expect(attributes.ErrorMessage!.StringValue).not.toContain('hunter2secret');
  });
});

describe('createHandler', () => {
  it.each([
    [{}, /INVALIDATOR_CONFIG is not set/],
    [{ INVALIDATOR_CONFIG: '{"distributions":[]}', DEAD_LETTER_QUEUE_URL }, /distributions: must name at least one distribution/],
    [{ INVALIDATOR_CONFIG: '{"distributions":[{"id":"bad id"}]}', DEAD_LETTER_QUEUE_URL }, /distributions\[0\]\.id: .*\(given "bad id"\)/],
    [{ INVALIDATOR_CONFIG: JSON.stringify(CONFIG) }, /DEAD_LETTER_QUEUE_URL must be the dead-letter queue's URL \(given null\)/],
    [{ INVALIDATOR_CONFIG: JSON.stringify(CONFIG), DEAD_LETTER_QUEUE_URL, MAX_RECEIVE_COUNT: 'ten' }, /MAX_RECEIVE_COUNT must be an integer from 1 to 1000 \(given "ten"\)/],
  ])('fails fast at cold start on a bad environment (%#)', (env, message) => {
    expect(() => createHandler({ env })).toThrow(ConfigurationError);
    expect(() => createHandler({ env })).toThrow(message);
  });
});
