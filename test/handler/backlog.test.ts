import { CreateInvalidationCommand, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  awsError,
  MEDIA_DISTRIBUTION_ID as MEDIA,
  SENT_TIMESTAMP,
  sqsEvent,
  sqsRecord,
  TWO_DISTRIBUTIONS as CONFIG,
  WWW_DISTRIBUTION_ID as WWW,
} from '../helpers/factories.ts';
import { DEAD_LETTER_QUEUE_URL, handlerHarness, metricTotals, SOURCE_QUEUE_URL, entriesTo } from '../helpers/handler-harness.ts';

/**
 * The handler with a backlog on CloudFront: what is in progress is read first (ListInvalidations, GetInvalidation),
 * only what fits is sent, a waiting message is re-sent with a delay paced by the invalidations in progress (spending
 * no receive) until it has waited maxBacklogAge, then dead-lettered as BacklogExpired. The harness's clock reads a
 * minute after the factories' messages were sent.
 */

const NOW = SENT_TIMESTAMP + 60_000;
const HOUR_MS = 3_600_000;

/** `count` distinct paths under `/prefix/`, sorted as the planner sorts them. */
function pathsUnder(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `/${prefix}/${String(index).padStart(5, '0')}`);
}

type Harness = ReturnType<typeof handlerHarness>;

/** CloudFront shows one invalidation in progress on `distributionId`, created `secondsAgo`, with `paths`. */
function inProgressOn(cloudfrontMock: Harness['cloudfrontMock'], distributionId: string, secondsAgo: number, paths: string[]): void {
  cloudfrontMock.on(ListInvalidationsCommand, { DistributionId: distributionId }).resolves({
    InvalidationList: {
      Marker: '',
      MaxItems: 100,
      IsTruncated: false,
      Quantity: 1,
      Items: [{ Id: 'IBEFORE', CreateTime: new Date(NOW - secondsAgo * 1_000), Status: 'InProgress' }],
    },
  });
  cloudfrontMock.on(GetInvalidationCommand, { DistributionId: distributionId, Id: 'IBEFORE' }).resolves({
    Invalidation: {
      Id: 'IBEFORE',
      Status: 'InProgress',
      CreateTime: new Date(NOW - secondsAgo * 1_000),
      InvalidationBatch: { CallerReference: 'someone-else', Paths: { Quantity: paths.length, Items: paths } },
    },
  });
}

/** A FirstEnqueuedAt attribute, as a remainder carries it. */
function firstEnqueuedAt(epochMs: number) {
  return { FirstEnqueuedAt: { dataType: 'Number', stringValue: String(epochMs) } };
}

/** Each gauge's value per distribution, from the EMF lines (one line per gauge, its DistributionId a dimension). */
function gauges(lines: ReadonlyArray<Record<string, unknown>>): Record<string, Record<string, number>> {
  const byDistribution: Record<string, Record<string, number>> = {};
  for (const line of lines) {
    const aws = line._aws as { CloudWatchMetrics?: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } | undefined;
    for (const directive of aws?.CloudWatchMetrics ?? []) {
      if (!directive.Dimensions.some((dimensions) => dimensions.includes('DistributionId'))) continue;
      for (const { Name, Unit } of directive.Metrics) {
        const id = String(line.DistributionId);
        byDistribution[id] = { ...byDistribution[id], [`${Name} (${Unit})`]: line[Name] as number };
      }
    }
  }
  return byDistribution;
}

describe('a backlog on CloudFront', () => {
  it('sends only the 10 paths that fit beside 2,990 in progress, and re-sends the rest when that invalidation should be done', async () => {
    // Prepare: 2,990 files in progress on WWW, created 20 s ago; a message of 30 paths; one for MEDIA
    const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(CONFIG);
    inProgressOn(cloudfrontMock, WWW, 20, pathsUnder('before', 2_990));
    const paths = pathsUnder('page', 30);
    const event = sqsEvent(
      sqsRecord({ messageId: 'publish', body: { distributionId: WWW, paths }, messageAttributes: { Source: { dataType: 'String', stringValue: 'wagtail' } } }),
      sqsRecord({ messageId: 'logo', body: { urls: ['https://media.example.com/logo.png'] } }),
    );

    // Act
    const response = await invoke(event);

    // Assess: one request of 10 paths to WWW (and MEDIA's), nothing retried
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const calls = cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => [input.DistributionId, input.InvalidationBatch!.Paths!.Items])).toStrictEqual([
      [MEDIA, ['/logo.png']],
      [WWW, paths.slice(0, 10)],
    ]);
    // ... the other 20 re-sent at once, delayed until the invalidation in progress is 60 s old: 40 s from now
    const [remainder, ...more] = entriesTo(sqsMock, SOURCE_QUEUE_URL);
    expect(more).toStrictEqual([]);
    expect(JSON.parse(remainder!.MessageBody!)).toStrictEqual({ distributionId: WWW, paths: paths.slice(10) });
    expect(remainder!.DelaySeconds).toBe(40);
    expect(remainder!.MessageAttributes).toStrictEqual({
      RemainderOf: { DataType: 'String', StringValue: 'publish' },
      OriginalMessageId: { DataType: 'String', StringValue: 'publish' },
      FirstEnqueuedAt: { DataType: 'Number', StringValue: String(SENT_TIMESTAMP) },
      Source: { DataType: 'String', StringValue: 'wagtail' },
    });
    expect(entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL)).toStrictEqual([]);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);

    // ... and the gauges per distribution: 20 paths wait on WWW, its oldest message a minute old, 2 invalidations
    // in progress there (the one before the batch and the batch's); nothing waits on MEDIA
    const lines = logLines();
    expect(gauges(lines)).toStrictEqual({
      [WWW]: { 'PathsWaiting (Count)': 20, 'OldestWaitingAgeSeconds (Seconds)': 60, 'InvalidationsInProgress (Count)': 2 },
      [MEDIA]: { 'PathsWaiting (Count)': 0, 'OldestWaitingAgeSeconds (Seconds)': 0, 'InvalidationsInProgress (Count)': 1 },
    });
    expect(metricTotals(lines)).toMatchObject({ MessagesWaiting: 1, InvalidationsCreated: 2, PathsSubmitted: 11, TransientFailures: 0 });
  });

  it('re-sends a waiting message that is on its last receive: waiting spends no receive', async () => {
    // Prepare: WWW full (3,000 files in progress, created 50 s ago); the message is on receive 5 of 5
    const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(CONFIG);
    inProgressOn(cloudfrontMock, WWW, 50, pathsUnder('before', 3_000));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'patient', receiveCount: 5, body: { distributionId: WWW, paths: ['/a', '/b'] } })));

    // Assess: nothing sent to CloudFront, acknowledged, re-sent after the 15 s recheck (the invalidation in progress
    // is due in 10 s), no dead letter, no retry
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(0);
    const [remainder, ...more] = entriesTo(sqsMock, SOURCE_QUEUE_URL);
    expect(more).toStrictEqual([]);
    expect(JSON.parse(remainder!.MessageBody!)).toStrictEqual({ distributionId: WWW, paths: ['/a', '/b'] });
    expect(remainder!.DelaySeconds).toBe(15);
    expect(entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL)).toStrictEqual([]);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
    expect(metricTotals(logLines())).toMatchObject({ MessagesWaiting: 1, DeadLetteredMessages: 0, TransientFailures: 0 });
  });

  it('dead-letters a waiting message past maxBacklogAge as BacklogExpired, saying how long it waited and what was ahead', async () => {
    // Prepare: WWW full; "stale" was first enqueued 25 hours ago (24 h is the default maxBacklogAge), "fresh" a minute ago
    const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(CONFIG);
    inProgressOn(cloudfrontMock, WWW, 30, pathsUnder('before', 3_000));
    const event = sqsEvent(
      sqsRecord({ messageId: 'stale', body: { distributionId: WWW, paths: ['/x', '/y', '/z'] }, messageAttributes: firstEnqueuedAt(NOW - 25 * HOUR_MS) }),
      sqsRecord({ messageId: 'fresh', body: { distributionId: WWW, paths: ['/fresh'] } }),
    );

    // Act
    const response = await invoke(event);

    // Assess: "stale" in the dead-letter queue with its reason, and not re-sent
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const [letter, ...others] = entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL);
    expect(others).toStrictEqual([]);
    expect(letter!.MessageAttributes!.ErrorCode).toStrictEqual({ DataType: 'String', StringValue: 'BacklogExpired' });
    expect(letter!.MessageAttributes!.SourceMessageId!.StringValue).toBe('stale');
    expect(letter!.MessageAttributes!.ErrorMessage!.StringValue).toBe(
      "waited 25 h 00 min for CloudFront's in-progress budget, past maxBacklogAge; 3 of its 3 paths not invalidated; " +
        `3000 paths were ahead of it on ${WWW} (3000 in progress, 0 waiting in its batch)`,
    );
    // ... "fresh" re-sent: 3 paths of "stale" were ahead of it in the batch (less than a round), so 60 - 30 s
    const resent = entriesTo(sqsMock, SOURCE_QUEUE_URL);
    expect(resent.map((entry) => [JSON.parse(entry.MessageBody!), entry.DelaySeconds])).toStrictEqual([[{ distributionId: WWW, paths: ['/fresh'] }, 30]]);
    expect(metricTotals(logLines())).toMatchObject({ MessagesWaiting: 1, DeadLetteredMessages: 1 });
  });

  it('names what part was invalidated when a message admitted in part expires', async () => {
    // Prepare: 2,998 files in progress: 2 of the message's 4 paths fit; maxBacklogAge a minute, as old as the message
    const { invoke, cloudfrontMock, sqsMock } = handlerHarness(CONFIG, { MAX_BACKLOG_AGE_SECONDS: '60' });
    inProgressOn(cloudfrontMock, WWW, 10, pathsUnder('before', 2_998));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { distributionId: WWW, paths: ['/a', '/b', '/c', '/d'] } })));

    // Assess: /a and /b sent (invalidation I1); the rest dead-lettered, not re-sent
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items)).toStrictEqual([['/a', '/b']]);
    expect(entriesTo(sqsMock, SOURCE_QUEUE_URL)).toStrictEqual([]);
    const [letter] = entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL);
    expect(letter!.MessageAttributes!.ErrorCode!.StringValue).toBe('BacklogExpired');
    expect(letter!.MessageAttributes!.ErrorMessage!.StringValue).toBe(
      "waited 1 min 00 s for CloudFront's in-progress budget, past maxBacklogAge; 2 of its 4 paths not invalidated; " +
        `2998 paths were ahead of it on ${WWW} (2998 in progress, 0 waiting in its batch) (2 of its 4 paths were invalidated, in I1: /a, /b)`,
    );
  });

  it('logs a refused ListInvalidations as a WARN and still sends the batch, as before reading what is in progress', async () => {
    // Prepare: no cloudfront:ListInvalidations permission
    const { invoke, cloudfrontMock, sqsMock, logLines } = handlerHarness(CONFIG);
    cloudfrontMock.on(ListInvalidationsCommand).rejects(awsError('AccessDenied', 'User is not authorized to perform: cloudfront:ListInvalidations', 403));

    // Act
    const response = await invoke(sqsEvent(sqsRecord({ messageId: 'm1', body: { distributionId: WWW, paths: ['/a', '/b'] } })));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items)).toStrictEqual([['/a', '/b']]);
    expect(cloudfrontMock.commandCalls(GetInvalidationCommand)).toHaveLength(0);
    expect(logLines()).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'could not read the invalidations in progress; counting only what this batch sends',
        distributionId: WWW,
        error: 'AccessDenied: User is not authorized to perform: cloudfront:ListInvalidations',
      }),
    );
    expect(entriesTo(sqsMock, SOURCE_QUEUE_URL)).toStrictEqual([]);
    expect(entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL)).toStrictEqual([]);
  });

  it('reads each invalidation in progress once per warm container', async () => {
    // Prepare: WWW has room; two batches through the same handler
    const { invoke, cloudfrontMock } = handlerHarness(CONFIG);
    inProgressOn(cloudfrontMock, WWW, 20, pathsUnder('before', 100));

    // Act
    await invoke(sqsEvent(sqsRecord({ body: { distributionId: WWW, paths: ['/a'] } })));
    await invoke(sqsEvent(sqsRecord({ body: { distributionId: WWW, paths: ['/b'] } })));

    // Assess: ListInvalidations each batch, GetInvalidation of IBEFORE once
    expect(cloudfrontMock.commandCalls(ListInvalidationsCommand)).toHaveLength(2);
    expect(cloudfrontMock.commandCalls(GetInvalidationCommand)).toHaveLength(1);
  });
});
