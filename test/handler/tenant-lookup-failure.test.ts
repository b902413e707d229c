import { CreateInvalidationCommand, GetDistributionTenantByDomainCommand } from '@aws-sdk/client-cloudfront';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { awsError, sqsEvent, sqsRecord } from '../helpers/factories.ts';
import { DEAD_LETTER_QUEUE_URL, handlerHarness } from '../helpers/handler-harness.ts';

/**
 * tenantLookup asks CloudFront which tenant serves a host it does not know. When CloudFront cannot answer (throttled,
 * denied), the message is not at fault: it is retried with backoff, spending a receive, and on its last receive
 * dead-lettered with its reason, TenantLookupFailed, never moved by the redrive policy without one.
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
    const [letter] = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .filter((call) => call.args[0].input.QueueUrl === DEAD_LETTER_QUEUE_URL)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    expect(letter!.MessageAttributes!.ErrorCode!.StringValue).toBe('RetriesExhausted');
    expect(letter!.MessageAttributes!.ErrorMessage!.StringValue).toMatch(/^TenantLookupFailed on receive 5 of 5: could not look up the distribution tenant of host "shop\.customer-a\.com": AccessDenied/);
  });
});
