import { describe, expect, it } from 'vitest';
import { awsErrorName, describeAwsError } from '../../lambda/errors.ts';

describe('awsErrorName and describeAwsError', () => {
  it.each<[string, unknown, string, string]>([
    ['an SDK error', Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }), 'Throttling', 'Throttling: Rate exceeded'],
    ['a transport error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED', 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1'],
    ['a plain Error', new Error('boom'), 'UnknownError', 'UnknownError: boom'],
    ['a string', 'socket closed', 'UnknownError', 'UnknownError: socket closed'],
    ['undefined', undefined, 'UnknownError', 'UnknownError: undefined'],
    ['null', null, 'UnknownError', 'UnknownError: null'],
  ])('name and describe %s without throwing', (_name, error, code, text) => {
    expect(awsErrorName(error)).toBe(code);
    expect(describeAwsError(error)).toBe(text);
  });
});
