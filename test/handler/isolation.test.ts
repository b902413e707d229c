import { CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { DEADLINE_MARGIN_MS } from '../../lambda/defaults.ts';
import { InProgressBudget } from '../../lambda/submit/in-progress-budget.ts';
import { MAX_ISOLATION_REQUESTS } from '../../lambda/submit/isolation.ts';
import { awsError, ONE_DISTRIBUTION as CONFIG, sqsEvent, sqsRecord, WWW_DISTRIBUTION_ID as WWW } from '../helpers/factories.ts';
import { DEAD_LETTER_QUEUE_URL, SOURCE_QUEUE_URL, entriesTo, handlerHarness, lambdaContext, metricTotals } from '../helpers/handler-harness.ts';

/**
 * Isolation: a request CloudFront refuses for its content (InvalidArgument, BatchTooLarge, InconsistentQuantities)
 * with several contributing messages is bisected by message, so only the messages whose own request is refused are
 * dead-lettered.
 */

/** The harness, with CloudFront refusing (InvalidArgument, or `code`) every request that holds one of `refused`. */
function refusing(refused: readonly string[], code = 'InvalidArgument', config: unknown = CONFIG) {
  const harness = handlerHarness(config);
  let created = 0;
  harness.cloudfrontMock.on(CreateInvalidationCommand).callsFake(async (input: { InvalidationBatch: { Paths: { Items: string[] } } }) => {
    if (input.InvalidationBatch.Paths.Items.some((path) => refused.includes(path))) throw awsError(code, 'Your request contains one or more invalid invalidation paths.', 400);
    return { Invalidation: { Id: `I${++created}`, Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } };
  });
  return harness;
}

const message = (messageId: string, paths: readonly string[], receiveCount = 1) =>
  sqsRecord({ messageId, body: JSON.stringify({ distributionId: WWW, paths }), receiveCount });

function sentItems(cloudfrontMock: ReturnType<typeof handlerHarness>['cloudfrontMock']): string[][] {
  return cloudfrontMock.commandCalls(CreateInvalidationCommand).map((call) => call.args[0].input.InvalidationBatch!.Paths!.Items!);
}

function deadLetters(sqsMock: ReturnType<typeof handlerHarness>['sqsMock']): SendMessageBatchRequestEntry[] {
  return entriesTo(sqsMock, DEAD_LETTER_QUEUE_URL);
}

/** The messages sent back to the source queue: remainders, and the part of a message that waits for the budget. */
function remainders(sqsMock: ReturnType<typeof handlerHarness>['sqsMock']): SendMessageBatchRequestEntry[] {
  return entriesTo(sqsMock, SOURCE_QUEUE_URL);
}

const failedIds = (response: { batchItemFailures: Array<{ itemIdentifier: string }> }) => response.batchItemFailures.map((item) => item.itemIdentifier).sort();

describe('isolating a request refused for its content', () => {
  it.each(['InvalidArgument', 'BatchTooLarge', 'InconsistentQuantities'])(
    'dead-letters only the message whose own request CloudFront refuses (%s); the others are created and acknowledged',
    async (code) => {
      // Prepare: three messages, one request; CloudFront refuses any request holding /bad
      const { invoke, cloudfrontMock, sqsMock } = refusing(['/bad'], code);
      const bad = message('m2', ['/bad']);

      // Act
      const response = await invoke(sqsEvent(message('m1', ['/a']), bad, message('m3', ['/c'])));

      // Assess: the whole, then halves of the contributors (m1 m2 | m3), then m1 | m2
      expect(sentItems(cloudfrontMock)).toStrictEqual([['/a', '/bad', '/c'], ['/a', '/bad'], ['/c'], ['/a'], ['/bad']]);
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
      const letters = deadLetters(sqsMock);
      expect(letters).toHaveLength(1);
      expect(letters[0]!.MessageBody).toBe(bad.body);
      expect(letters[0]!.MessageAttributes!.ErrorCode!.StringValue).toBe(code);
      expect(letters[0]!.MessageAttributes!.ErrorMessage!.StringValue).toBe(`CloudFront ${code}: Your request contains one or more invalid invalidation paths.`);
    },
  );

  it("resubmits each message's own paths, not the paths another message's wildcard covered", async () => {
    // Prepare: /x/* (m1) covers m2's /x/a in the coalesced request; m2 also asks for /bad
    const { invoke, cloudfrontMock, sqsMock } = refusing(['/bad']);

    // Act
    const response = await invoke(sqsEvent(message('m1', ['/x/*']), message('m2', ['/bad', '/x/a'])));

    // Assess: m1's own [/x/*], then m2's own, less /x/a that m1's created /x/* covers
    expect(sentItems(cloudfrontMock)).toStrictEqual([['/bad', '/x/*'], ['/x/*'], ['/bad']]);
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(deadLetters(sqsMock).map((entry) => entry.MessageAttributes!.SourceMessageId!.StringValue)).toStrictEqual(['m2']);
  });

  it('dead-letters every contributor at once after NoSuchDistribution, without isolating', async () => {
    // Prepare
    const { invoke, cloudfrontMock, sqsMock } = refusing(['/bad'], 'NoSuchDistribution');

    // Act
    const response = await invoke(sqsEvent(message('m1', ['/a']), message('m2', ['/bad']), message('m3', ['/c'])));

    // Assess
    expect(sentItems(cloudfrontMock)).toStrictEqual([['/a', '/bad', '/c']]);
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const letters = deadLetters(sqsMock);
    expect(letters.map((entry) => entry.MessageAttributes!.SourceMessageId!.StringValue).sort()).toStrictEqual(['m1', 'm2', 'm3']);
    expect(new Set(letters.map((entry) => entry.MessageAttributes!.ErrorCode!.StringValue))).toStrictEqual(new Set(['NoSuchDistribution']));
  });

  it(`sends at most ${MAX_ISOLATION_REQUESTS} isolation requests per invocation; the messages not isolated are retried`, async () => {
    // Prepare: 40 messages, every one of them refused
    const paths = Array.from({ length: 40 }, (_, index) => `/p${String(index).padStart(2, '0')}`);
    const { invoke, cloudfrontMock, sqsMock } = refusing(paths);

    // Act
    const response = await invoke(sqsEvent(...paths.map((path, index) => message(`m${String(index).padStart(2, '0')}`, [path]))));

    // Assess: the whole, then the cap; the messages isolated to themselves are dead-lettered, the rest retried
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1 + MAX_ISOLATION_REQUESTS);
    const letters = deadLetters(sqsMock);
    expect(letters.length).toBeGreaterThan(0);
    expect(new Set(letters.map((entry) => entry.MessageAttributes!.ErrorCode!.StringValue))).toStrictEqual(new Set(['InvalidArgument']));
    const dead = letters.map((entry) => entry.MessageAttributes!.SourceMessageId!.StringValue!);
    const retried = failedIds(response);
    expect(retried.length).toBeGreaterThan(0);
    expect([...dead, ...retried].sort()).toStrictEqual(paths.map((_, index) => `m${String(index).padStart(2, '0')}`));
    const visibility = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(visibility).toHaveLength(retried.length);
  });

  it('names the cap when a message not isolated runs out of receives', async () => {
    // Prepare: on the last receive, 40 messages all refused
    const paths = Array.from({ length: 40 }, (_, index) => `/p${String(index).padStart(2, '0')}`);
    const { invoke, sqsMock } = refusing(paths);

    // Act
    const response = await invoke(sqsEvent(...paths.map((path, index) => message(`m${String(index).padStart(2, '0')}`, [path], 5))));

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const exhausted = deadLetters(sqsMock).filter((entry) => entry.MessageAttributes!.ErrorCode!.StringValue === 'RetriesExhausted');
    expect(exhausted.length).toBeGreaterThan(0);
    expect(exhausted[0]!.MessageAttributes!.ErrorMessage!.StringValue).toMatch(
      new RegExp(`^CloudFront InvalidArgument on receive 5 of 5: not isolated: the limit of ${MAX_ISOLATION_REQUESTS} isolation requests`),
    );
  });

  it('dead-letters the refused message alone while one the in-progress budget left out waits', async () => {
    // Prepare: 3,000 file paths fill the file budget; [/x/*] (m1; wildcards count apart) fits and is refused; m2's
    // file path /x/y does not fit, so it waits and is in no request.
    const { invoke, cloudfrontMock, sqsMock } = refusing(['/x/*']);
    const big = Array.from({ length: 3000 }, (_, index) => `/a/${String(index).padStart(4, '0')}`);

    // Act
    const response = await invoke(sqsEvent(message('big', big), message('m1', ['/x/*']), message('m2', ['/x/y'])));

    // Assess
    expect(sentItems(cloudfrontMock).slice(1)).toStrictEqual([['/x/*']]);
    expect(failedIds(response)).toStrictEqual([]);
    expect(deadLetters(sqsMock).map((entry) => entry.MessageAttributes!.SourceMessageId!.StringValue)).toStrictEqual(['m1']);
    expect(remainders(sqsMock).map((entry) => JSON.parse(entry.MessageBody!))).toStrictEqual([{ distributionId: WWW, paths: ['/x/y'] }]);
  });

  it('retries, not dead-letters, the messages whose isolation requests the deadline stops', async () => {
    // Prepare: the invocation reaches the deadline margin during the first request
    const { invoke, cloudfrontMock, sqsMock } = refusing(['/bad']);
    const context = lambdaContext({
      getRemainingTimeInMillis: () => (cloudfrontMock.commandCalls(CreateInvalidationCommand).length === 0 ? 60_000 : DEADLINE_MARGIN_MS - 1),
    });

    // Act
    const response = await invoke(sqsEvent(message('m1', ['/a']), message('m2', ['/bad']), message('m3', ['/c'])), context);

    // Assess
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
    expect(failedIds(response)).toStrictEqual(['m1', 'm2', 'm3']);
    expect(deadLetters(sqsMock)).toHaveLength(0);
  });
});

describe('isolation within the invocation', () => {
  const numbered = (prefix: string, count: number, from = 0) => Array.from({ length: count }, (_, index) => `${prefix}${String(from + index).padStart(4, '0')}`);

  it('isolates a refused request before the next planned request takes the budget it released', async () => {
    // Prepare: requests of at most 2,000 paths. The budget admits m1, m2 and m3 (3,000 paths); m4 and m5 wait. R1
    // (m1: /a/bad and 999 paths, m2: 1,000) is refused; R2 (m3: 1,000) follows. Isolating R1 first: m2's own 1,000
    // take what R1 released, and R2 still fits.
    const config = { ...CONFIG, maxPathsPerInvalidation: 2000 };
    const { invoke, cloudfrontMock, sqsMock } = refusing(['/a/bad'], 'InvalidArgument', config);
    const records = [
      message('m1', ['/a/bad', ...numbered('/a/', 999)]),
      message('m2', numbered('/a/', 1000, 1000)),
      message('m3', numbered('/b/', 1000)),
      message('m4', numbered('/b/', 1000, 1000)),
      message('m5', numbered('/c/', 1000)),
    ];

    // Act
    const response = await invoke(sqsEvent(...records));

    // Assess: R1, its halves (m1 | m2), then R2; m4 and m5 wait, re-sent
    expect(sentItems(cloudfrontMock).map((items) => items.length)).toStrictEqual([2000, 1000, 1000, 1000]);
    expect(deadLetters(sqsMock).map((entry) => entry.MessageAttributes!.SourceMessageId!.StringValue)).toStrictEqual(['m1']);
    expect(deadLetters(sqsMock)[0]!.MessageAttributes!.ErrorCode!.StringValue).toBe('InvalidArgument');
    expect(failedIds(response)).toStrictEqual([]);
    expect(remainders(sqsMock).map((entry) => entry.MessageAttributes!.RemainderOf!.StringValue)).toStrictEqual(['m4', 'm5']);
  });

  it('shares one cap of isolation requests among the refused requests of the invocation', async () => {
    // Prepare: requests of at most 40 paths; two requests of 40 messages each, every message refused
    const config = { ...CONFIG, maxPathsPerInvalidation: 40 };
    const paths = numbered('/p', 80);
    const { invoke, cloudfrontMock } = refusing(paths, 'InvalidArgument', config);

    // Act
    await invoke(sqsEvent(...paths.map((path, index) => message(`m${String(index).padStart(2, '0')}`, [path]))));

    // Assess: the two planned requests, and the cap
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(2 + MAX_ISOLATION_REQUESTS);
  });

  it('does not create again the paths an isolation request created for the other half', async () => {
    // Prepare: 16 messages all naming / and /feed.xml, each its own page; m05 also a path CloudFront refuses
    const { invoke, cloudfrontMock, sqsMock } = refusing(['/bad']);
    const ids = Array.from({ length: 16 }, (_, index) => `m${String(index).padStart(2, '0')}`);
    const records = ids.map((id, index) => message(id, ['/', '/feed.xml', `/p${index}`, ...(index === 5 ? ['/bad'] : [])]));

    // Act
    const response = await invoke(sqsEvent(...records));

    // Assess: every path created once, the bad message alone dead-lettered
    const created = sentItems(cloudfrontMock).filter((items) => !items.includes('/bad'));
    const createdPaths = created.flat();
    expect(createdPaths).toHaveLength(new Set(createdPaths).size);
    expect(new Set(createdPaths)).toStrictEqual(new Set(['/', '/feed.xml', ...ids.map((_, index) => `/p${index}`).filter((path) => path !== '/p5')]));
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(deadLetters(sqsMock).map((entry) => entry.MessageAttributes!.SourceMessageId!.StringValue)).toStrictEqual(['m05']);
  });

  it('sends no request for a half whose paths the other half created', async () => {
    // Prepare: m1 (the bad one) and m2 | m3; m3 names only what m2 names
    const { invoke, cloudfrontMock, sqsMock } = refusing(['/bad']);

    // Act
    const response = await invoke(sqsEvent(message('m1', ['/bad']), message('m2', ['/', '/a']), message('m3', ['/', '/a']), message('m4', ['/'])));

    // Assess: the whole, m1 m2 | m3 m4, then m1 | m2 (m2's paths created with m3 m4's: no request)
    expect(sentItems(cloudfrontMock)).toStrictEqual([['/', '/a', '/bad'], ['/', '/a', '/bad'], ['/', '/a'], ['/bad']]);
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(deadLetters(sqsMock).map((entry) => entry.MessageAttributes!.SourceMessageId!.StringValue)).toStrictEqual(['m1']);
  });

  it('counts every request CloudFront refused as a PermanentFailure, once', async () => {
    // Prepare: 16 messages, m05 refused: the whole, then 8, 4, 2 and m05 alone are refused
    const { invoke, cloudfrontMock, logLines } = refusing(['/bad']);
    const records = Array.from({ length: 16 }, (_, index) => message(`m${String(index).padStart(2, '0')}`, [`/p${index}`, ...(index === 5 ? ['/bad'] : [])]));

    // Act
    await invoke(sqsEvent(...records));

    // Assess
    const refusals = sentItems(cloudfrontMock).filter((items) => items.includes('/bad')).length;
    expect(refusals).toBe(5);
    expect(metricTotals(logLines())).toMatchObject({ PermanentFailures: refusals, TransientFailures: 0 });
  });

  it('does not count the requests not sent past the cap as failures', async () => {
    // Prepare: 40 messages, every one refused
    const paths = numbered('/p', 40);
    const { invoke, cloudfrontMock, logLines } = refusing(paths);

    // Act
    await invoke(sqsEvent(...paths.map((path, index) => message(`m${index}`, [path]))));

    // Assess: every request sent was refused; those not sent count nowhere
    expect(cloudfrontMock.commandCalls(CreateInvalidationCommand)).toHaveLength(1 + MAX_ISOLATION_REQUESTS);
    expect(metricTotals(logLines())).toMatchObject({ PermanentFailures: 1 + MAX_ISOLATION_REQUESTS, TransientFailures: 0 });
  });

  it('counts no failure for a message that waits for the in-progress budget', async () => {
    // Prepare: as above, [/x/*] (m1 alone) refused; m2 waits
    const { invoke, logLines } = refusing(['/x/*']);
    const big = Array.from({ length: 3000 }, (_, index) => `/a/${String(index).padStart(4, '0')}`);

    // Act
    await invoke(sqsEvent(message('big', big), message('m1', ['/x/*']), message('m2', ['/x/y'])));

    // Assess
    expect(metricTotals(logLines())).toMatchObject({ PermanentFailures: 1, TransientFailures: 0, MessagesWaiting: 1 });
  });
});

describe('InProgressBudget.release', () => {
  it('gives back what a refused request reserved, and no more', () => {
    // Prepare
    const budget = new InProgressBudget();
    const files = Array.from({ length: 3000 }, (_, index) => `/f${index}`);
    expect(budget.reserve('E1', files)).toBeUndefined();

    // Act
    budget.release('E1', files.slice(0, 10));

    // Assess
    expect(budget.reserve('E1', files.slice(0, 10))).toBeUndefined();
    expect(budget.reserve('E1', ['/one-more'])).toMatch(/^waiting: 3000 file paths and 0 wildcard paths in progress on E1/);
    expect(budget.reserve('E2', ['/other'])).toBeUndefined();
  });

  it('does not release more than was reserved, and a deferred request takes nothing', () => {
    // Prepare: wildcards spent, one file path released (never reserved: nothing to give back)
    const budget = new InProgressBudget();
    expect(budget.reserve('E1', Array.from({ length: 15 }, (_, index) => `/w${index}*`))).toBeUndefined();
    budget.release('E1', ['/f']);

    // Act
    const deferred = budget.reserve('E1', ['/f', '/w*']);

    // Assess
    expect(deferred).toMatch(/^waiting: 0 file paths and 15 wildcard paths/);
    expect(budget.reserve('E1', ['/g'])).toBeUndefined();
  });
});

describe('progress made for a message by another message\'s isolation request', () => {
  it('counts: the message is acknowledged and only what it still owes goes back as a remainder', async () => {
    // Prepare: the combined request is refused for its content; m1's half creates /shared (and /m1); m2's half,
    // left with /m2 alone, is throttled
    const harness = handlerHarness(CONFIG);
    let created = 0;
    harness.cloudfrontMock.on(CreateInvalidationCommand).callsFake(async (input: { InvalidationBatch: { Paths: { Items: string[] } } }) => {
      const items = input.InvalidationBatch.Paths.Items;
      if (items.length === 3) throw awsError('InvalidArgument', 'Your request contains one or more invalid invalidation paths.', 400);
      if (items.includes('/m2')) throw awsError('Throttling', 'Rate exceeded', 400);
      return { Invalidation: { Id: `I${++created}`, Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } };
    });

    // Act
    const response = await harness.invoke(sqsEvent(message('m1', ['/shared', '/m1']), message('m2', ['/shared', '/m2'])), lambdaContext());

    // Assess
    expect(sentItems(harness.cloudfrontMock)).toStrictEqual([['/m1', '/m2', '/shared'], ['/m1', '/shared'], ['/m2']]);
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const remainders = harness.sqsMock
      .commandCalls(SendMessageBatchCommand)
      .filter((call) => call.args[0].input.QueueUrl !== DEAD_LETTER_QUEUE_URL)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    expect(remainders.map((entry) => JSON.parse(entry.MessageBody!))).toStrictEqual([{ distributionId: WWW, paths: ['/m2'] }]);
    expect(remainders[0]!.MessageAttributes!.RemainderOf!.StringValue).toBe('m2');
    expect(harness.sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
  });
});
