import { CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, type MessageAttributeValue, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { MAX_SQS_MESSAGE_BYTES } from '../../lambda/limits.ts';
import { sqsMessageBytes } from '../../lambda/settle/sqs.ts';
import { remainderMessages } from '../../lambda/settle/remainders.ts';
import { awsError, MEDIA_DISTRIBUTION_ID as MEDIA, MEDIA_HOSTNAMES, sqsEvent, sqsRecord, WWW_DISTRIBUTION_ID as WWW, SENT_TIMESTAMP } from '../helpers/factories.ts';
import { DEAD_LETTER_QUEUE_URL, SOURCE_QUEUE_URL, handlerHarness, entriesTo } from '../helpers/handler-harness.ts';

/**
 * Remainders SQS does not take: one of a message's remainders refused while another was sent (the message is
 * acknowledged, the refused one dead-lettered on its own), and remainders bigger than their message (split by size,
 * copied attributes trimmed).
 */

const CONFIG = {
  distributions: [
    { id: WWW, hostnames: ['www.example.com'] },
    { id: MEDIA, hostnames: [...MEDIA_HOSTNAMES] },
  ],
  maxPathsPerInvalidation: 1,
};

/** SendMessageBatch: the source queue takes the entries for WWW and refuses those for MEDIA; the DLQ as `dlq` says. */
function refuseMediaRemainders(sqsMock: ReturnType<typeof handlerHarness>['sqsMock'], dlq: 'takes' | 'refuses') {
  sqsMock.on(SendMessageBatchCommand).callsFake(async (input: { QueueUrl: string; Entries: SendMessageBatchRequestEntry[] }) => {
    const refused = (entry: SendMessageBatchRequestEntry) => (input.QueueUrl === SOURCE_QUEUE_URL ? entry.MessageBody!.includes(MEDIA) : dlq === 'refuses');
    return {
      Successful: input.Entries.filter((entry) => !refused(entry)).map((entry) => ({ Id: entry.Id, MessageId: `new-${entry.Id}`, MD5OfMessageBody: '' })),
      Failed: input.Entries.filter(refused).map((entry) => ({ Id: entry.Id, Code: 'InternalError', Message: 'try again', SenderFault: false })),
    };
  });
}

describe('a message with one remainder sent and another refused', () => {
  // /a is created; /b (WWW) and /c (MEDIA) are throttled: two remainders, SQS takes WWW's and refuses MEDIA's.
  const body = { urls: ['https://www.example.com/a', 'https://www.example.com/b', 'https://media.example.com/c'] };
  const throttleBAndC = (cloudfrontMock: ReturnType<typeof handlerHarness>['cloudfrontMock']) => {
    cloudfrontMock.on(CreateInvalidationCommand).callsFake(async (input: { InvalidationBatch: { Paths: { Items: string[] } } }) => {
      const [path] = input.InvalidationBatch.Paths.Items;
      if (path !== '/a') throw awsError('Throttling', 'Rate exceeded', 400);
      return { Invalidation: { Id: 'I1', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } };
    });
  };

  for (const receiveCount of [1, 5]) {
    it(`is acknowledged, and the refused remainder dead-lettered on its own (receive ${receiveCount} of 5)`, async () => {
      // Prepare
      const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(CONFIG);
      throttleBAndC(cloudfrontMock);
      refuseMediaRemainders(sqsMock, 'takes');
      const messageAttributes = { Source: { dataType: 'String', stringValue: 'wagtail' } };

      // Act
      const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { ...body, source: 'cms' }, receiveCount, messageAttributes })));

      // Assess: not retried whole (which would create /a again and queue /b twice), nor dead-lettered whole
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
      expect(entriesTo(sqsMock, SOURCE_QUEUE_URL).map((entry) => JSON.parse(entry.MessageBody!))).toStrictEqual([
        { distributionId: WWW, paths: ['/b'], source: 'cms' },
        { distributionId: MEDIA, paths: ['/c'], source: 'cms' },
      ]);
      const letters = entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL);
      expect(letters).toHaveLength(1);
      expect(JSON.parse(letters[0]!.MessageBody!)).toStrictEqual({ distributionId: MEDIA, paths: ['/c'], source: 'cms' });
      const attributes = letters[0]!.MessageAttributes!;
      expect(attributes.ErrorCode).toStrictEqual({ DataType: 'String', StringValue: 'RemainderNotSent' });
      expect(attributes.SourceMessageId).toStrictEqual({ DataType: 'String', StringValue: 'm1' });
      expect(attributes.RemainderOf).toStrictEqual({ DataType: 'String', StringValue: 'm1' });
      expect(attributes.Source).toStrictEqual({ DataType: 'String', StringValue: 'wagtail' });
      expect(attributes.ErrorMessage!.StringValue).toBe(
        `remainder of m1 (1 paths for ${MEDIA}) not sent (InternalError: try again) while 1 other remainder(s) of it were; its last error: CloudFront Throttling: Rate exceeded`,
      );
      expect(logLines()).toContainEqual(expect.objectContaining({ message: 'remainder dead-lettered', messageId: 'm1', distributionId: MEDIA }));
    });
  }

  it('is received again only when the dead-letter queue refuses the remainder too', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(CONFIG);
    throttleBAndC(cloudfrontMock);
    refuseMediaRemainders(sqsMock, 'refuses');

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body, receiveCount: 2 })));

    // Assess: reported, not re-hidden (it made progress), and its lost remainder is not lost
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL).map((entry) => entry.MessageAttributes!.ErrorCode!.StringValue)).toStrictEqual(['RemainderNotSent']);
    expect(logLines()).toContainEqual(
      expect.objectContaining({ level: 'WARN', message: 'remainder dead-letter send failed; the message will be received again', messageId: 'm1', distributionId: MEDIA }),
    );
  });
});

describe('a remainder bigger than its message', () => {
  // 700 paths of 441 CJK characters: 3 bytes each in the body, 9 percent-encoded in a remainder.
  const cjk = '漢'.repeat(441);
  const urls = Array.from({ length: 700 }, (_, index) => `https://www.example.com/${String(index).padStart(3, '0')}${cjk}`);

  it('is split into messages within SQS’s size limit, each with fewer paths, together owing exactly what was not created', async () => {
    // Prepare: the first request is created, every other throttled
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness({ distributions: CONFIG.distributions });
    cloudfrontMock
      .on(CreateInvalidationCommand)
      .resolvesOnce({ Invalidation: { Id: 'I1', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } })
      .rejects(awsError('Throttling', 'Rate exceeded', 400));
    const record = sqsRecord({ messageId: 'big', body: { urls }, messageAttributes: { Source: { dataType: 'String', stringValue: 'wagtail' } } });
    expect(Buffer.byteLength(record.body)).toBeLessThan(MAX_SQS_MESSAGE_BYTES);

    // Act
    const response = await invoke(sqsEvent(record));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const created = cloudfrontMock.commandCalls(CreateInvalidationCommand)[0]!.args[0].input.InvalidationBatch!.Paths!.Items!;
    const remainders = entriesTo(sqsMock, SOURCE_QUEUE_URL);
    expect(remainders.length).toBeGreaterThan(1);
    for (const entry of remainders) {
      expect(sqsMessageBytes(entry.MessageBody!, entry.MessageAttributes!)).toBeLessThanOrEqual(MAX_SQS_MESSAGE_BYTES);
      expect(entry.MessageAttributes!.RemainderOf).toStrictEqual({ DataType: 'String', StringValue: 'big' });
      expect(entry.MessageAttributes!.Source).toStrictEqual({ DataType: 'String', StringValue: 'wagtail' });
    }
    const owed = remainders.map((entry) => (JSON.parse(entry.MessageBody!) as { paths: string[] }).paths);
    for (const paths of owed) expect(paths.length).toBeLessThan(urls.length);
    expect(owed.flat()).toHaveLength(urls.length - created.length);
    expect(new Set([...owed.flat(), ...created]).size).toBe(urls.length);
    expect(entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL)).toStrictEqual([]);
  });

  it('drops the largest copied attributes that leave no room for its body, and keeps RemainderOf', async () => {
    // Prepare: a 100-character CJK path (300 bytes in the body, 900 in the remainder) and an attribute that fills the message
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness(CONFIG);
    cloudfrontMock.on(CreateInvalidationCommand, { DistributionId: MEDIA }).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const body = JSON.stringify({ urls: ['https://www.example.com/p', `https://media.example.com/${'漢'.repeat(100)}`] });
    const small = { dataType: 'String', stringValue: 'wagtail' };
    const room = MAX_SQS_MESSAGE_BYTES - Buffer.byteLength(body) - sqsMessageBytes('', { Small: { DataType: 'String', StringValue: 'wagtail' } });
    const big = { dataType: 'String', stringValue: 'x'.repeat(room - 'Big'.length - 'String'.length) };
    const record = sqsRecord({ messageId: 'm1', body, messageAttributes: { Big: big, Small: small } });

    // Act
    const response = await invoke(sqsEvent(record));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const [remainder, ...more] = entriesTo(sqsMock, SOURCE_QUEUE_URL);
    expect(more).toStrictEqual([]);
    expect(remainder!.MessageAttributes).toStrictEqual({
      RemainderOf: { DataType: 'String', StringValue: 'm1' },
      OriginalMessageId: { DataType: 'String', StringValue: 'm1' },
      FirstEnqueuedAt: { DataType: 'Number', StringValue: String(SENT_TIMESTAMP) },
      Small: { DataType: 'String', StringValue: 'wagtail' },
    });
    expect(JSON.parse(remainder!.MessageBody!)).toStrictEqual({ distributionId: MEDIA, paths: [`/${'%E6%BC%A2'.repeat(100)}`] });
  });
});

describe('remainderMessages', () => {
  const record = sqsRecord({ messageId: 'm1', body: '{}', messageAttributes: { A: { dataType: 'String', stringValue: 'a'.repeat(40) } } });
  const paths = ['/a', '/b', '/c', '/d', '/e'];

  it('is one message when it fits', () => {
    const [only, ...more] = remainderMessages(record, { paths: ['/x'] } as never, WWW, paths, 15);
    expect(more).toStrictEqual([]);
    expect(only).toMatchObject({ distributionId: WWW, paths, delaySeconds: 15, body: JSON.stringify({ distributionId: WWW, paths }) });
  });

  it('splits runs of paths in order, each message within the limit with its attributes', () => {
    const attributes: Record<string, MessageAttributeValue> = {
      RemainderOf: { DataType: 'String', StringValue: 'm1' },
      OriginalMessageId: { DataType: 'String', StringValue: 'm1' },
      FirstEnqueuedAt: { DataType: 'Number', StringValue: String(SENT_TIMESTAMP) },
      A: { DataType: 'String', StringValue: 'a'.repeat(40) },
    };
    // Room for two paths beside the attributes: the body with ["/a","/b"] is 49 bytes.
    const limit = sqsMessageBytes(JSON.stringify({ distributionId: WWW, paths: ['/a', '/b'] }), attributes);
    const messages = remainderMessages(record, { paths: ['/x'] } as never, WWW, paths, 0, limit);
    expect(messages.map((message) => message.paths)).toStrictEqual([['/a', '/b'], ['/c', '/d'], ['/e']]);
    for (const message of messages) {
      expect(message.attributes).toStrictEqual(attributes);
      expect(sqsMessageBytes(message.body, message.attributes)).toBeLessThanOrEqual(limit);
    }
  });

  it('drops a copied attribute that leaves no room for one path, never one of ours', () => {
    const ours: Record<string, MessageAttributeValue> = {
      RemainderOf: { DataType: 'String', StringValue: 'm1' },
      OriginalMessageId: { DataType: 'String', StringValue: 'm1' },
      FirstEnqueuedAt: { DataType: 'Number', StringValue: String(SENT_TIMESTAMP) },
    };
    const limit = sqsMessageBytes(JSON.stringify({ distributionId: WWW, paths: ['/a'] }), ours);
    const messages = remainderMessages(record, { paths: ['/x'] } as never, WWW, paths, 0, limit);
    expect(messages.map((message) => message.paths)).toStrictEqual(paths.map((path) => [path]));
    expect(messages[0]!.attributes).toStrictEqual(ours);
  });
});
