import {
  CreateInvalidationCommand,
  CreateInvalidationForDistributionTenantCommand,
  GetDistributionTenantByDomainCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { awsError, SENT_TIMESTAMP, sqsEvent, sqsRecord } from '../helpers/factories.ts';
import { DEAD_LETTER_QUEUE_URL, entriesTo, handlerHarness } from '../helpers/handler-harness.ts';

/**
 * tenantLookup asks CloudFront which tenant serves a host it does not know. When CloudFront cannot answer (throttled,
 * denied), the message is not at fault: it is retried with backoff, spending a receive, and on its last receive
 * dead-lettered with its reason, TenantLookupFailed, never moved by the redrive policy without one. A message of a
 * tenant it found that waits is re-sent naming the tenant's distribution, so the next batch needs no lookup.
 */
const PLATFORM = 'E2QWRUHEXAMPLE';
const CONFIG = { distributions: [{ id: PLATFORM, tenantLookup: true }] };

describe('a tenant lookup CloudFront does not answer', () => {
  it('retries the message with backoff, and leaves the rest of the batch alone', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness(CONFIG);
    cloudfrontMock.on(GetDistributionTenantByDomainCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', 400));
    const record = sqsRecord({ messageId: 'm1', body: { urls: ['https://shop.customer-a.com/a'] }, receiveCount: 2 });

    // Act
    const response = await invoke(sqsEvent(record, sqsRecord({ messageId: 'm2', body: { distributionId: PLATFORM, paths: ['/b'] } })));

    // Assess: m1 is received again after a backoff (receive 2: ceiling 60 s, the test's jitter draws 0.5); m2 is sent
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    const changes = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(changes).toStrictEqual([{ Id: '0', ReceiptHandle: record.receiptHandle, VisibilityTimeout: 30 }]);
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items)).toStrictEqual([['/b']]);
  });

  it('dead-letters it on its last receive as RetriesExhausted, naming TenantLookupFailed and the host', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness(CONFIG);
    cloudfrontMock.on(GetDistributionTenantByDomainCommand).rejects(awsError('AccessDenied', 'not authorized', 403));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://shop.customer-a.com/a'] }, receiveCount: 5 })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const [letter] = entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL);
    expect(letter!.MessageAttributes!.ErrorCode!.StringValue).toBe('RetriesExhausted');
    expect(letter!.MessageAttributes!.ErrorMessage!.StringValue).toMatch(/^TenantLookupFailed on receive 5 of 5: could not look up the distribution tenant of host "shop\.customer-a\.com": AccessDenied/);
  });
});

describe('a waiting message of a tenant that tenantLookup found', () => {
  it('is re-sent naming the tenant’s distribution, and read again without a lookup', async () => {
    // Prepare: CloudFront names dt_shop for the host; the parent's budget is full (3,000 paths in progress)
    const first = handlerHarness(CONFIG);
    first.cloudfrontMock.on(GetDistributionTenantByDomainCommand).resolves({ DistributionTenant: { Id: 'dt_shop', DistributionId: PLATFORM } });
    first.cloudfrontMock.on(ListInvalidationsCommand, { DistributionId: PLATFORM }).resolves({
      InvalidationList: { Marker: '', MaxItems: 100, IsTruncated: false, Quantity: 1, Items: [{ Id: 'IFULL', CreateTime: new Date(SENT_TIMESTAMP), Status: 'InProgress' }] },
    });
    first.cloudfrontMock.on(GetInvalidationCommand, { DistributionId: PLATFORM }).resolves({
      Invalidation: { Id: 'IFULL', Status: 'InProgress', CreateTime: new Date(SENT_TIMESTAMP), InvalidationBatch: { CallerReference: 'x', Paths: { Quantity: 3000, Items: Array.from({ length: 3000 }, (_, index) => `/p${index}`) } } },
    });

    // Act 1: the message waits
    await first.invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://shop.customer-a.com/a'] } })));

    // Assess 1: re-sent as the tenant's paths, with the tenant's distribution
    const [resent] = first.sqsMock.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(JSON.parse(resent!.MessageBody!)).toStrictEqual({ tenantId: 'dt_shop', paths: ['/a'] });
    expect(resent!.MessageAttributes!.TenantDistributionId).toStrictEqual({ DataType: 'String', StringValue: PLATFORM });

    // Act 2: a later batch (a cold container: nothing cached) receives the re-sent message
    const later = handlerHarness(CONFIG);
    const attributes = Object.fromEntries(Object.entries(resent!.MessageAttributes!).map(([name, value]) => [name, { dataType: value.DataType!, stringValue: value.StringValue! }]));
    const response = await later.invoke(sqsEvent(sqsRecord({ messageId: 'm2', body: resent!.MessageBody!, messageAttributes: attributes })));

    // Assess 2: invalidated on the tenant, not dead-lettered as UnknownTenant
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(later.cloudfrontMock.commandCalls(CreateInvalidationForDistributionTenantCommand).map((call) => call.args[0].input.Id)).toStrictEqual(['dt_shop']);
    expect(entriesTo(later.sqsMock, DEAD_LETTER_QUEUE_URL)).toStrictEqual([]);
  });

  it('ignores a TenantDistributionId that names a distribution without tenantLookup', async () => {
    // Prepare: the attribute claims a distribution the configuration does not let look up tenants
    const { invoke, sqsMock } = handlerHarness({ distributions: [{ id: PLATFORM, tenantLookup: true }, { id: 'EOTHEREXAMPLE', hostnames: ['www.example.org'] }] });
    const record = sqsRecord({
      messageId: 'm1',
      body: { tenantId: 'dt_shop', paths: ['/a'] },
      messageAttributes: { TenantDistributionId: { dataType: 'String', stringValue: 'EOTHEREXAMPLE' } },
    });

    // Act
    await invoke(sqsEvent(record));

    // Assess
    const [letter] = entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL);
    expect(letter!.MessageAttributes!.ErrorCode!.StringValue).toBe('UnknownTenant');
  });
});
