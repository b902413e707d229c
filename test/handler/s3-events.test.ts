import { CreateInvalidationCommand, CreateInvalidationForDistributionTenantCommand } from '@aws-sdk/client-cloudfront';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { encodeObjectKey } from '../../lambda/read/s3-events.ts';
import {
  EVENTBRIDGE_OBJECT_CREATED_EXAMPLE,
  EVENTBRIDGE_OBJECT_DELETED_EXAMPLE,
  EVENTBRIDGE_RESTORE_COMPLETED_EXAMPLE,
  NOTIFICATION_PUT_EXAMPLE,
  TEST_EVENT_EXAMPLE,
  notificationOf,
  withObject,
} from '../fixtures/s3-events.ts';
import { MEDIA_DISTRIBUTION_ID as MEDIA, sqsEvent, sqsRecord, TWO_DISTRIBUTIONS, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { DEAD_LETTER_QUEUE_URL, handlerHarness, metricTotals } from '../helpers/handler-harness.ts';

/** Two distributions; a site bucket for the first, and the documented examples' buckets for the second. */
const CONFIG = {
  ...TWO_DISTRIBUTIONS,
  buckets: [
    { name: 'example-site', distributionId: WWW, keyPrefix: 'public/', pathPrefix: '/', indexDocument: 'index.html' },
    { name: 'mybucket', distributionId: MEDIA },
    { name: 'DOC-EXAMPLE-BUCKET1', distributionId: MEDIA, pathPrefix: '/media/' },
  ],
};

/** A notification of one change per key in `example-site`, keys written as S3 writes them. */
const siteNotification = (keys: readonly string[], event?: string) =>
  JSON.stringify(notificationOf('example-site', keys.map(encodeObjectKey), event));

/** The paths of each CreateInvalidation, by distribution. */
function invalidated(cloudfrontMock: ReturnType<typeof handlerHarness>['cloudfrontMock']): Array<[string, string[]]> {
  return cloudfrontMock
    .commandCalls(CreateInvalidationCommand)
    .map((call) => [call.args[0].input.DistributionId!, call.args[0].input.InvalidationBatch!.Paths!.Items!]);
}

describe('handler: S3 events', () => {
  it('invalidates the keys of S3 notifications, several records a body, coalesced with other messages', async () => {
    // Prepare
    const { invoke, cloudfrontMock } = handlerHarness(CONFIG);
    const event = sqsEvent(
      sqsRecord({ messageId: 's1', body: siteNotification(['public/blog/index.html', 'public/images/café menu.png']) }),
      sqsRecord({ messageId: 's2', body: siteNotification(['public/index.html', 'public/blog/index.html'], 'ObjectRemoved:Delete') }),
      sqsRecord({ messageId: 'm1', body: JSON.stringify({ urls: ['https://www.example.com/blog/'] }) }),
    );

    // Act
    const response = await invoke(event);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(invalidated(cloudfrontMock)).toStrictEqual([
      [WWW, ['/', '/blog/', '/blog/index.html', '/images/caf%C3%A9%20menu.png', '/index.html']],
    ]);
  });

  it('invalidates the documented Put notification and EventBridge Object Created / Deleted events', async () => {
    // Prepare
    const { invoke, cloudfrontMock } = handlerHarness(CONFIG);
    const event = sqsEvent(
      sqsRecord({ body: NOTIFICATION_PUT_EXAMPLE }),
      sqsRecord({ body: EVENTBRIDGE_OBJECT_CREATED_EXAMPLE }),
      sqsRecord({ body: EVENTBRIDGE_OBJECT_DELETED_EXAMPLE }),
    );

    // Act
    const response = await invoke(event);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(invalidated(cloudfrontMock)).toStrictEqual([[MEDIA, ['/HappyFace.jpg', '/media/example-key']]]);
  });

  it.each([
    ['URL-encoded (as notifications)', 'docs/red+flower%281%29.html', '/media/docs/red%20flower(1).html'],
    ['as is', 'docs/flower.html', '/media/docs/flower.html'],
  ])('reads an EventBridge key written %s', async (_name, key, path) => {
    // Prepare
    const { invoke, cloudfrontMock } = handlerHarness(CONFIG);

    // Act
    await invoke(sqsEvent(sqsRecord({ body: withObject(EVENTBRIDGE_OBJECT_CREATED_EXAMPLE, { key }) })));

    // Assess
    expect(invalidated(cloudfrontMock)).toStrictEqual([[MEDIA, [path]]]);
  });

  it('acknowledges and counts the test message and ignored keys, and neither invalidates nor dead-letters them', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(CONFIG);
    const event = sqsEvent(
      sqsRecord({ messageId: 'test', body: TEST_EVENT_EXAMPLE }),
      sqsRecord({ messageId: 'ignored', body: siteNotification(['private/draft.html', 'public/blog/']) }),
      sqsRecord({ messageId: 'restored', body: withObject(EVENTBRIDGE_RESTORE_COMPLETED_EXAMPLE, {}) }),
      sqsRecord({ messageId: 'tagged', body: withObject(NOTIFICATION_PUT_EXAMPLE, { event: 'ObjectTagging:Put' }) }),
    );

    // Act
    const response = await invoke(event);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect(metricTotals(logLines())).toMatchObject({ MessagesReceived: 4, InvalidMessages: 0, S3TestEvents: 1, S3KeysIgnored: 4, PathsRequested: 0 });
  });

  it("invalidates a tenant's bucket with CreateInvalidationForDistributionTenant on the tenant", async () => {
    // Prepare
    const tenant = 'dt_2wjDZi3hD1ivOXf6rpZJO1AB';
    const { invoke, cloudfrontMock } = handlerHarness({
      distributions: [{ id: WWW, hostnames: ['www.example.com'] }, { id: 'E2SAASPLATFORM', tenants: [{ id: tenant }] }],
      buckets: [{ name: 'customer-a-site', tenantId: tenant, indexDocument: 'index.html' }],
    });
    cloudfrontMock.on(CreateInvalidationForDistributionTenantCommand).resolves({
      Invalidation: { Id: 'IT1', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined },
    });

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ body: JSON.stringify(notificationOf('customer-a-site', ['blog/index.html'])) })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
    const calls = cloudfrontMock.commandCalls(CreateInvalidationForDistributionTenantCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => [input.Id, input.InvalidationBatch?.Paths?.Items])).toStrictEqual([[tenant, ['/blog/', '/blog/index.html']]]);
  });

  it('publishes no S3 metric in a batch without S3 events', async () => {
    // Prepare
    const { invoke, logLines } = handlerHarness(CONFIG);

    // Act
    await invoke(sqsEvent(sqsRecord({ body: JSON.stringify({ urls: ['https://www.example.com/a'] }) })));

    // Assess
    expect(Object.keys(metricTotals(logLines())).filter((name) => name.startsWith('S3'))).toStrictEqual([]);
  });

  it('dead-letters an event of a bucket not configured with UnknownBucket, body unchanged', async () => {
    // Prepare
    const { invoke, sqsMock } = handlerHarness(CONFIG);
    const body = JSON.stringify(withObject(NOTIFICATION_PUT_EXAMPLE, { bucket: 'other-site' }));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'stranger', body })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const [send] = sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
    expect(send!.QueueUrl).toBe(DEAD_LETTER_QUEUE_URL);
    expect(send!.Entries).toHaveLength(1);
    expect(send!.Entries![0]!.MessageBody).toBe(body);
    expect(send!.Entries![0]!.MessageAttributes).toMatchObject({
      ErrorCode: { DataType: 'String', StringValue: 'UnknownBucket' },
      ErrorMessage: {
        DataType: 'String',
        StringValue: 'Records[0]: bucket "other-site" is not a configured bucket (configured: example-site, mybucket, DOC-EXAMPLE-BUCKET1)',
      },
      SourceMessageId: { DataType: 'String', StringValue: 'stranger' },
    });
  });

  it('invalidates the valid records of a body with a bad one, and logs and counts the bad one', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(CONFIG);
    const good = notificationOf('example-site', ['public/a.html']).Records;
    const stranger = notificationOf('other-site', ['b.html']).Records;
    const body = JSON.stringify({ Records: [...stranger, ...good] });

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'partial', body })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(invalidated(cloudfrontMock)).toStrictEqual([[WWW, ['/a.html']]]);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    const lines = logLines();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'S3 event records rejected; the other records of the message were invalidated',
        messageId: 'partial',
        rejectedCount: 1,
        rejected: [{ record: 'Records[0]', errorCode: 'UnknownBucket', errorMessage: expect.stringContaining('"other-site"') }],
      }),
    );
    expect(metricTotals(lines)).toMatchObject({ S3RecordsRejected: 1, InvalidMessages: 0, PathsRequested: 1 });
  });

  it('puts what a partly invalidated S3 message still owes back on the queue as a v1 remainder', async () => {
    // Prepare: 3,001 keys, one past CloudFront's 3,000 paths in progress.
    const { invoke, sqsMock } = handlerHarness(CONFIG);
    const keys = Array.from({ length: 3001 }, (_, index) => `public/p/${String(index).padStart(4, '0')}.html`);

    // Act
    await invoke(sqsEvent(sqsRecord({ messageId: 'sync', body: siteNotification(keys) })));

    // Assess
    const remainders = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .map((entry) => JSON.parse(entry.MessageBody!));
    expect(remainders).toStrictEqual([{ distributionId: WWW, paths: ['/p/3000.html'], source: 'aws:s3', reason: '3001 object changes in s3://example-site' }]);
  });
});
