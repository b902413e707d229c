import { CreateInvalidationCommand, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { ONE_DISTRIBUTION, SENT_TIMESTAMP, sqsEvent, sqsRecord, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { handlerHarness, metricTotals } from '../helpers/handler-harness.ts';

/**
 * `wildcardCollapse.whenBacklogRoundsAbove`: under a backlog larger than that many rounds of CloudFront's in-progress
 * limit (estimated from the batch and the queue's depth), directories collapse into wildcards before the budget is
 * given out; otherwise paths go as requested.
 */

/** 400 messages of 10 pages each: 4,000 distinct paths, 10 directories of 400 pages. */
function burst() {
  return sqsEvent(
    ...Array.from({ length: 400 }, (_, index) =>
      sqsRecord({ messageId: `m${index}`, body: { distributionId: WWW, paths: Array.from({ length: 10 }, (_, page) => `/section-${index % 10}/${index}-${page}.html`) } }),
    ),
  );
}

const config = { ...ONE_DISTRIBUTION, wildcardCollapse: { minPathsPerDirectory: 10, whenBacklogRoundsAbove: 3 } };

describe('the wildcard collapse under a backlog', () => {
  it('collapses when the queue holds more than 3 rounds, and logs what each wildcard replaced', async () => {
    // Prepare: 4,000 paths in the batch of 400 messages, 1,200 messages on the queue: 12,000 paths owed (4 rounds)
    const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(config);
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '800', ApproximateNumberOfMessagesNotVisible: '400' } });

    // Act
    const response = await invoke(burst());

    // Assess: one request of the 10 section wildcards; every message acknowledged
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const sent = cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items);
    expect(sent).toStrictEqual([Array.from({ length: 10 }, (_, index) => `/section-${index}/*`)]);
    expect(logLines()).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^paths collapsed into wildcards under a backlog/), owedPaths: 12_000, replacedPaths: 4_000 }));
    expect(metricTotals(logLines())).toMatchObject({ PathsCollapsed: 4_000, PathsSubmitted: 10 });
  });

  it('sends the paths as requested when the backlog is no more than 3 rounds', async () => {
    // Prepare: the queue holds this batch only: 4,000 paths owed
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness(config);
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '400' } });

    // Act
    await invoke(burst());

    // Assess: 3,000 paths sent, none a wildcard
    const sent = cloudfrontMock.commandCalls(CreateInvalidationCommand).flatMap((call) => call.args[0].input.InvalidationBatch!.Paths!.Items!);
    expect(sent).toHaveLength(3_000);
    expect(sent.filter((path) => path.endsWith('*'))).toStrictEqual([]);
  });

  it('does not read the queue depth while everything fits', async () => {
    // Prepare
    const { invoke, sqsMock } = handlerHarness(config);

    // Act
    await invoke(sqsEvent(sqsRecord({ body: { distributionId: WWW, paths: ['/a', '/b'] } })));

    // Assess
    expect(sqsMock.commandCalls(GetQueueAttributesCommand)).toHaveLength(0);
  });
});

describe('the always-on wildcard collapse', () => {
  it('adds no wildcard when none is free in progress: the files go as requested', async () => {
    // Prepare: 15 wildcards in progress on WWW; 40 pages of one directory, worth a wildcard
    const { invoke, cloudfrontMock } = handlerHarness({ ...ONE_DISTRIBUTION, wildcardCollapse: { minPathsPerDirectory: 10 } });
    const wildcards = Array.from({ length: 15 }, (_, index) => `/old-${index}/*`);
    cloudfrontMock.on(ListInvalidationsCommand).resolves({
      InvalidationList: { Marker: '', MaxItems: 100, IsTruncated: false, Quantity: 1, Items: [{ Id: 'IW', CreateTime: new Date(SENT_TIMESTAMP), Status: 'InProgress' }] },
    });
    cloudfrontMock.on(GetInvalidationCommand).resolves({
      Invalidation: { Id: 'IW', Status: 'InProgress', CreateTime: new Date(SENT_TIMESTAMP), InvalidationBatch: { CallerReference: 'x', Paths: { Quantity: 15, Items: wildcards } } },
    });
    const pages = Array.from({ length: 40 }, (_, index) => `/news/${index}.html`);

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ body: { distributionId: WWW, paths: pages } })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const sent = cloudfrontMock.commandCalls(CreateInvalidationCommand).flatMap((call) => call.args[0].input.InvalidationBatch!.Paths!.Items!);
    expect(sent).toHaveLength(40);
    expect(sent.filter((path) => path.endsWith('*'))).toStrictEqual([]);
  });
});
