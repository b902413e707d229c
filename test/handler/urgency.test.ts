import { CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { describe, expect, it } from 'vitest';
import { ONE_DISTRIBUTION as CONFIG, sqsEvent, sqsRecord, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { handlerHarness, lambdaContext } from '../helpers/handler-harness.ts';

describe('the order of requests when the in-progress limits defer some', () => {
  it('sends first the request of the message received most often, even when its paths sort last', async () => {
    // Prepare: 3,000 paths of a fresh message fill the distribution's budget; /z belongs to a message on its 4th receive
    const { invoke, cloudfrontMock } = handlerHarness(CONFIG);
    const fresh = sqsRecord({ messageId: 'fresh', body: { distributionId: WWW, paths: Array.from({ length: 3000 }, (_, index) => `/a/${index}`) } });
    const old = sqsRecord({ messageId: 'old', body: { distributionId: WWW, paths: ['/z'] }, receiveCount: 4 });

    // Act
    const response = await invoke(sqsEvent(fresh, old), lambdaContext());

    // Assess: /z is created; the fresh message, with receives to spare, waits for the next batch
    const sent = cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items!);
    expect(sent).toStrictEqual([['/z']]);
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'fresh' }] });
  });

  it('keeps the planned order between requests of equal urgency', async () => {
    // Prepare: a limit of 2 paths per request makes three requests from one message
    const { invoke, cloudfrontMock } = handlerHarness({ ...CONFIG, maxPathsPerInvalidation: 2 });

    // Act
    await invoke(sqsEvent(sqsRecord({ messageId: 'm', body: { distributionId: WWW, paths: ['/c', '/a', '/e', '/b', '/d'] } })), lambdaContext());

    // Assess
    const sent = cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items!);
    expect(sent).toStrictEqual([['/a', '/b'], ['/c', '/d'], ['/e']]);
  });
});
