import { describe, expect, it } from 'vitest';
import { awsErrorName } from '../../lambda/errors.ts';
import { awsCall, awsErrorHint, EXIT_CODES, iamActionOf } from '../../local/cli/errors.ts';

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
    await expect(call).rejects.toThrow(/^ReceiveMessage failed: QueueDoesNotExist: The queue does not exist\.\nNo such queue: check --queue-url/);
    await expect(call).rejects.toMatchObject({ exitCode: EXIT_CODES.aws, code: 'QueueDoesNotExist', operation: 'ReceiveMessage' });
  });

  it('survives a thrown value that is not an object', async () => {
    await expect(awsCall('GetQueueUrl', () => Promise.reject(null))).rejects.toMatchObject({
      message: 'GetQueueUrl failed: UnknownError: null',
      code: 'UnknownError',
    });
  });
});

describe('awsErrorHint: every AWS error names what to set', () => {
  it.each([
    ['no credentials', 'ListInvalidations E1', 'CredentialsProviderError', 'Could not load credentials from any providers', /set AWS_PROFILE .*cfiq local/],
    ['no region', 'DescribeStacks', 'UnknownError', 'Region is missing', /set AWS_REGION or pass --region/],
    ['nothing listening', 'SendMessage', 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:4566', /is cfiq local still running\?/],
    ['no network', 'GetMetricData', 'ENOTFOUND', 'getaddrinfo ENOTFOUND monitoring.eu-west-1.amazonaws.com', /check the network/],
    ['access denied', 'GetInvalidation E1 I1', 'AccessDenied', 'User is not authorized', /may not call cloudfront:GetInvalidation/],
    ['a batch call denied', 'ChangeMessageVisibilityBatch', 'AccessDenied', 'denied', /may not call sqs:ChangeMessageVisibility:/],
    ['expired credentials', 'SendMessage', 'ExpiredToken', 'The security token included in the request is expired', /refresh them/],
    ['no such queue', 'ReceiveMessage', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist', /check --queue-url/],
    ['no such distribution', 'ListInvalidations E1', 'NoSuchDistribution', 'The specified distribution does not exist.', /check --distribution/],
  ])('%s', (_what, operation, code, message, expected) => {
    expect(awsErrorHint(operation, code, message)).toMatch(expected);
  });

  it('says nothing it does not know', () => {
    expect(awsErrorHint('SendMessage', 'InvalidParameterValue', 'bad')).toBeUndefined();
  });

  it('iamActionOf names the IAM action of an operation', () => {
    expect([iamActionOf('ListInvalidations E1'), iamActionOf('GetMetricData'), iamActionOf('DescribeStacks'), iamActionOf('SendMessageBatch')]).toStrictEqual([
      'cloudfront:ListInvalidations',
      'cloudwatch:GetMetricData',
      'cloudformation:DescribeStacks',
      'sqs:SendMessage',
    ]);
  });
});
