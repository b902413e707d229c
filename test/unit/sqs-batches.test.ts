import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { changeVisibilityTimeouts, deleteMessages, describeFailures } from '../../lambda/settle/sqs-batches.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/invalidations';
const sqs = new SQSClient({ region: 'us-east-1' });
const sqsMock = mockClient(sqs);

const handles = (count: number): string[] => Array.from({ length: count }, (_, index) => `handle-${index}`);

/** Every batch call succeeds for all its entries. */
function allSucceed(): void {
  const succeed = (input: { Entries?: Array<{ Id?: string }> }) => ({ Successful: (input.Entries ?? []).map(({ Id }) => ({ Id })), Failed: [] });
  sqsMock.on(DeleteMessageBatchCommand).callsFake(succeed);
  sqsMock.on(ChangeMessageVisibilityBatchCommand).callsFake(succeed);
}

beforeEach(() => {
  sqsMock.reset();
});

describe('deleteMessages', () => {
  it('deletes 23 handles in calls of 10, 10 and 3, in order, and reports no failure', async () => {
    // Prepare
    allSucceed();

    // Act
    const failures = await deleteMessages(sqs, QUEUE_URL, handles(23));

    // Assess
    expect(failures).toStrictEqual([]);
    const calls = sqsMock.commandCalls(DeleteMessageBatchCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.Entries?.map((entry) => entry.ReceiptHandle))).toStrictEqual([
      handles(10),
      handles(20).slice(10),
      handles(23).slice(20),
    ]);
    expect(calls.every((input) => input.QueueUrl === QUEUE_URL)).toBe(true);
  });

  it("reports the entries SQS failed, by their position in the caller's list, with SQS's code", async () => {
    // Prepare: the second call fails its entry Id 1 (the caller's index 11).
    sqsMock
      .on(DeleteMessageBatchCommand)
      .resolvesOnce({ Successful: handles(10).map((_, id) => ({ Id: String(id) })) })
      .resolvesOnce({
        Successful: [{ Id: '0' }],
        Failed: [{ Id: '1', Code: 'ReceiptHandleIsInvalid', Message: 'expired', SenderFault: true }],
      });

    // Act
    const failures = await deleteMessages(sqs, QUEUE_URL, handles(12));

    // Assess
    expect(failures).toStrictEqual([{ index: 11, receiptHandle: 'handle-11', code: 'ReceiptHandleIsInvalid', message: 'expired' }]);
  });

  it('reports every entry of a call that throws with the error name, and goes on with the next call', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'RequestThrottled' });
    sqsMock
      .on(DeleteMessageBatchCommand)
      .rejectsOnce(throttled)
      .resolves({ Successful: [{ Id: '0' }] });

    // Act
    const failures = await deleteMessages(sqs, QUEUE_URL, handles(11));

    // Assess
    expect(failures.map((failure) => [failure.index, failure.code, failure.message])).toStrictEqual(
      handles(10).map((_, index) => [index, 'RequestThrottled', 'Rate exceeded']),
    );
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toHaveLength(2);
  });

  it('counts an entry SQS names neither successful nor failed as failed', async () => {
    // Prepare
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }] });

    // Act
    const failures = await deleteMessages(sqs, QUEUE_URL, handles(2));

    // Assess
    expect(failures).toStrictEqual([{ index: 1, receiptHandle: 'handle-1', code: 'NotConfirmed', message: 'SQS named the entry neither successful nor failed' }]);
  });

  it('makes no call for no handles', async () => {
    // Act
    const failures = await deleteMessages(sqs, QUEUE_URL, []);

    // Assess
    expect(failures).toStrictEqual([]);
    expect(sqsMock.calls()).toHaveLength(0);
  });
});

describe('changeVisibilityTimeouts', () => {
  it("sends each entry's own timeout, 10 a call, several calls at once when asked", async () => {
    // Prepare
    allSucceed();
    const entries = handles(25).map((receiptHandle, index) => ({ receiptHandle, visibilityTimeoutSeconds: index }));

    // Act
    const failures = await changeVisibilityTimeouts(sqs, QUEUE_URL, entries, { concurrency: 3 });

    // Assess
    expect(failures).toStrictEqual([]);
    const sent = sqsMock
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .map((entry) => [entry.ReceiptHandle, entry.VisibilityTimeout]);
    expect(sent.sort((a, b) => Number(a[1]) - Number(b[1]))).toStrictEqual(entries.map((entry) => [entry.receiptHandle, entry.visibilityTimeoutSeconds]));
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(3);
  });

  it('reports the entries SQS failed', async () => {
    // Prepare
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({
      Successful: [{ Id: '1' }],
      Failed: [{ Id: '0', Code: 'MessageNotInflight', Message: 'not in flight', SenderFault: true }],
    });

    // Act
    const failures = await changeVisibilityTimeouts(sqs, QUEUE_URL, [
      { receiptHandle: 'a', visibilityTimeoutSeconds: 0 },
      { receiptHandle: 'b', visibilityTimeoutSeconds: 0 },
    ]);

    // Assess
    expect(failures).toStrictEqual([{ index: 0, receiptHandle: 'a', code: 'MessageNotInflight', message: 'not in flight' }]);
  });
});

describe('describeFailures', () => {
  it('says how many and which distinct codes', () => {
    // Act
    const text = describeFailures([
      { index: 0, receiptHandle: 'a', code: 'ReceiptHandleIsInvalid', message: '' },
      { index: 3, receiptHandle: 'b', code: 'ReceiptHandleIsInvalid', message: '' },
      { index: 4, receiptHandle: 'c', code: 'RequestThrottled', message: '' },
    ]);

    // Assess
    expect(text).toBe('3 message(s) (ReceiptHandleIsInvalid, RequestThrottled)');
  });
});
