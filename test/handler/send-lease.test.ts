import { CreateInvalidationCommand, CreateInvalidationForDistributionTenantCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { awsError, MEDIA_DISTRIBUTION_ID as MEDIA, sqsEvent, sqsRecord, TWO_DISTRIBUTIONS, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { handlerHarness, metricTotals } from '../helpers/handler-harness.ts';

/**
 * The handler with LEASE_TABLE_NAME (the stack's default): it holds each targeted distribution's send lease from
 * before it reads the in-progress budget until its CreateInvalidation calls return, so a concurrent invocation reads
 * a budget that counts what it sent. Without a lease it still sends: the lease saves refusals, never a purge.
 */

const LEASES = { LEASE_TABLE_NAME: 'cfiq-send-leases' };

describe('send leases in the handler', () => {
  it('takes the lease before reading the budget and gives it back after the last CreateInvalidation', async () => {
    // Prepare: every call, in the order made
    const { invoke, cloudfrontMock, dynamodbMock } = handlerHarness(TWO_DISTRIBUTIONS, LEASES);
    const order: string[] = [];
    dynamodbMock.on(PutItemCommand).callsFake(async (input) => (order.push(`take ${input.Item.distributionId.S}`), {}));
    dynamodbMock.on(DeleteItemCommand).callsFake(async (input) => (order.push(`give ${input.Key.distributionId.S}`), {}));
    cloudfrontMock.on(ListInvalidationsCommand).callsFake(async (input) => (order.push(`list ${input.DistributionId}`), undefined));
    cloudfrontMock.on(CreateInvalidationCommand).callsFake(async (input) => {
      order.push(`create ${input.DistributionId}`);
      return { Invalidation: { Id: 'I1', Status: 'InProgress', CreateTime: new Date() } };
    });

    // Act
    const response = await invoke(
      sqsEvent(
        sqsRecord({ messageId: 'm1', body: { urls: ['https://www.example.com/a', 'https://media.example.com/logo.png'] } }),
      ),
    );

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(order.slice(0, 2)).toStrictEqual([`take ${MEDIA}`, `take ${WWW}`]);
    expect(order.slice(2, 4).sort()).toStrictEqual([`list ${MEDIA}`, `list ${WWW}`]);
    expect(order.slice(4, 6).sort()).toStrictEqual([`create ${MEDIA}`, `create ${WWW}`]);
    expect(order.slice(6).sort()).toStrictEqual([`give ${MEDIA}`, `give ${WWW}`]);
  });

  it('takes a tenant\'s turn on its multi-tenant distribution, whose budget it shares', async () => {
    // Prepare
    const tenant = 'dt_2wjDZi3hD1ivOXf6rpZJO1AB';
    const { invoke, cloudfrontMock, dynamodbMock } = handlerHarness({ distributions: [{ id: 'E2SAASPLATFORM', tenants: [{ id: tenant, hostnames: ['shop.customer-a.com'] }] }] }, LEASES);
    cloudfrontMock.on(CreateInvalidationForDistributionTenantCommand).resolves({ Invalidation: { Id: 'I1', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } });

    // Act
    await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { urls: ['https://shop.customer-a.com/cart'] } })));

    // Assess
    expect(dynamodbMock.commandCalls(PutItemCommand).map((call) => call.args[0].input.Item!.distributionId!.S)).toStrictEqual(['E2SAASPLATFORM']);
    expect(cloudfrontMock.commandCalls(CreateInvalidationForDistributionTenantCommand)).toHaveLength(1);
  });

  it('still invalidates when DynamoDB cannot be written, and counts LeasesNotTaken', async () => {
    // Prepare
    const { invoke, cloudfrontMock, dynamodbMock, logLines } = handlerHarness(TWO_DISTRIBUTIONS, LEASES);
    dynamodbMock.on(PutItemCommand).rejects(awsError('ResourceNotFoundException', 'Requested resource not found', 400));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { distributionId: WWW, paths: ['/a'] } })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
    expect(metricTotals(logLines()).LeasesNotTaken).toBe(1);
    expect(dynamodbMock.commandCalls(DeleteItemCommand)).toHaveLength(0);
  });

  it('takes no lease without LEASE_TABLE_NAME, nor for a batch with nothing to send', async () => {
    // Prepare
    const without = handlerHarness(TWO_DISTRIBUTIONS);
    const invalidOnly = handlerHarness(TWO_DISTRIBUTIONS, LEASES);

    // Act
    await without.invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { distributionId: WWW, paths: ['/a'] } })));
    await invalidOnly.invoke(sqsEvent(sqsRecord({ messageId: 'bad', body: { urls: ['https://unknown.example.net/a'] } })));

    // Assess
    expect(without.cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
    expect(without.dynamodbMock.calls()).toHaveLength(0);
    expect(invalidOnly.dynamodbMock.calls()).toHaveLength(0);
  });
});
