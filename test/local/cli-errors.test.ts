import { describe, expect, it } from 'vitest';
import { awsErrorName } from '../../lambda/errors.ts';
import { AwsCallError, awsCall, EXIT_CODES } from '../../local/cli/errors.ts';

/** An error shaped like the SDK's, or like the transport error under it. */
function thrown(fields: Record<string, unknown>, message = 'it failed'): Error {
  return Object.assign(new Error(message), fields);
}

describe('awsErrorName', () => {
  it.each([
    ['the SDK error name', thrown({ name: 'Throttling' }), 'Throttling'],
    ['the name over a code', thrown({ name: 'AccessDenied', code: 'EACCES' }), 'AccessDenied'],
    ["Node's code under a plain Error", thrown({ code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    ['an XML Code field', thrown({ Code: 'NoSuchDistribution' }), 'NoSuchDistribution'],
    ['an empty name, then the code', thrown({ name: '', code: 'ETIMEDOUT' }), 'ETIMEDOUT'],
    ['a plain Error', new Error('x'), 'UnknownError'],
    ['a string', 'boom', 'UnknownError'],
    ['null', null, 'UnknownError'],
    ['undefined', undefined, 'UnknownError'],
  ])('%s', (_what, error, expected) => {
    expect(awsErrorName(error)).toBe(expected);
  });
});

describe('awsCall', () => {
  it('names the operation and the error code, and exits 3', async () => {
    // Act
    const call = awsCall('ReceiveMessage', () => Promise.reject(thrown({ name: 'QueueDoesNotExist' }, 'The queue does not exist.')));

    // Assess
    await expect(call).rejects.toThrow(new AwsCallError('ReceiveMessage', 'QueueDoesNotExist', 'The queue does not exist.'));
    await expect(call).rejects.toMatchObject({ exitCode: EXIT_CODES.aws, code: 'QueueDoesNotExist', operation: 'ReceiveMessage' });
  });

  it('survives a thrown value that is not an object', async () => {
    await expect(awsCall('GetQueueUrl', () => Promise.reject(null))).rejects.toMatchObject({
      message: 'GetQueueUrl failed: UnknownError: null',
      code: 'UnknownError',
    });
  });
});
