import { CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { ONE_DISTRIBUTION as CONFIG, SENT_TIMESTAMP, sqsEvent, sqsRecord, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { handlerHarness, lambdaContext } from '../helpers/handler-harness.ts';

/** The paths of the messages the batch sent back to wait, by the message they were cut from. */
function waiting(sqsMock: ReturnType<typeof handlerHarness>['sqsMock']): Record<string, string[]> {
  const entries = sqsMock.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
  return Object.fromEntries(entries.map((entry) => [entry.MessageAttributes!.RemainderOf!.StringValue!, JSON.parse(entry.MessageBody!).paths as string[]]));
}

describe('the order in which the in-progress budget is given out', () => {
  it('admits first the message received most often, among messages enqueued at the same time, even when its paths sort last', async () => {
    // Prepare: 3,000 paths of a fresh message would fill the distribution's budget; /z belongs to a message on its 4th receive
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness(CONFIG);
    const paths = Array.from({ length: 3000 }, (_, index) => `/a/${String(index).padStart(4, '0')}`);
    const fresh = sqsRecord({ messageId: 'fresh', body: { distributionId: WWW, paths } });
    const old = sqsRecord({ messageId: 'old', body: { distributionId: WWW, paths: ['/z'] }, receiveCount: 4 });

    // Act
    const response = await invoke(sqsEvent(fresh, old), lambdaContext());

    // Assess: /z is created with 2,999 of the fresh message's paths; its last path waits, spending no receive
    const sent = cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items!);
    expect(sent).toStrictEqual([[...paths.slice(0, 2999), '/z']]);
    expect(waiting(sqsMock)).toStrictEqual({ fresh: [paths[2999]] });
    expect(response).toStrictEqual({ batchItemFailures: [] });
  });

  it('admits first the message enqueued first, a re-sent one by its FirstEnqueuedAt', async () => {
    // Prepare: a message re-sent after waiting, first enqueued an hour before the burst that now fills the budget
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness(CONFIG);
    const burst = Array.from({ length: 3000 }, (_, index) => `/a/${String(index).padStart(4, '0')}`);
    const firstEnqueuedAt = { dataType: 'Number', stringValue: String(SENT_TIMESTAMP - 3_600_000) };
    const early = sqsRecord({ messageId: 'early', body: { distributionId: WWW, paths: ['/z'] }, messageAttributes: { FirstEnqueuedAt: firstEnqueuedAt } });

    // Act
    await invoke(sqsEvent(sqsRecord({ messageId: 'burst', body: { distributionId: WWW, paths: burst } }), early), lambdaContext());

    // Assess
    const sent = cloudfrontMock.commandCalls(CreateInvalidationCommand).flatMap((call) => call.args[0].input.InvalidationBatch!.Paths!.Items!);
    expect(sent).toContain('/z');
    expect(waiting(sqsMock)).toStrictEqual({ burst: [burst[2999]] });
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
