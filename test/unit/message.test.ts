import { describe, expect, it } from 'vitest';
import { InvalidMessageError } from '../../lambda/errors.ts';
import { parseMessageBody } from '../../lambda/read/message.ts';
import { WWW_DISTRIBUTION_ID } from '../helpers/factories.ts';
import { thrown } from './thrown.ts';

describe('parseMessageBody', () => {
  it.each([
    ['paths only', { paths: ['/a'] }],
    ['urls only', { urls: ['https://www.example.com/a'] }],
    [
      'every field',
      {
        distributionId: WWW_DISTRIBUTION_ID,
        paths: ['/a', '/b/*'],
        urls: ['https://www.example.com/c'],
        source: 'wagtail',
        reason: 'page published',
      },
    ],
    ['a 256-character source', { paths: ['/a'], source: 's'.repeat(256) }],
    ['a 1024-character reason', { paths: ['/a'], reason: 'r'.repeat(1024) }],
  ])('accepts %s', (_name, message) => {
    // Prepare
    const body = JSON.stringify(message);

    // Act
    const parsed = parseMessageBody(body);

    // Assess
    expect(parsed).toStrictEqual(message);
  });

  it('accepts 10,000 paths in one message', () => {
    // Prepare
    const paths = Array.from({ length: 10_000 }, (_, index) => `/page/${index}`);

    // Act
    const parsed = parseMessageBody(JSON.stringify({ paths }));

    // Assess
    expect(parsed.paths).toHaveLength(10_000);
  });

  it('leaves path rules to normalization: any strings pass the contract', () => {
    // Act
    const parsed = parseMessageBody('{"paths":["no-slash"]}');

    // Assess
    expect(parsed).toStrictEqual({ paths: ['no-slash'] });
  });

  describe('an EventBridge event', () => {
    it('carries the message in detail', () => {
      // Prepare
      const event = {
        version: '0',
        id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        'detail-type': 'Page published',
        source: 'cms.example',
        account: '123456789012',
        time: '2024-06-01T12:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { urls: ['https://www.example.com/a'], reason: 'page published' },
      };

      // Act
      const parsed = parseMessageBody(JSON.stringify(event));

      // Assess
      expect(parsed).toStrictEqual({ urls: ['https://www.example.com/a'], reason: 'page published' });
    });

    it('validates detail like a message, saying so', () => {
      // Prepare
      const body = JSON.stringify({ 'detail-type': 'Page published', detail: { path: ['/a'] } });

      // Act
      const error = thrown(() => parseMessageBody(body));

      // Assess
      expect(error).toMatchObject({ code: 'InvalidMessage' });
      expect(error.message).toMatch(/^EventBridge detail is invalid: unknown field "path"/);
    });

    it.each([
      ['null', null, 'null'],
      ['a string', '{"paths":["/a"]}', 'a string'],
      ['an array', [{ paths: ['/a'] }], 'an array'],
    ])('rejects a detail that is %s', (_name, detail, kind) => {
      // Prepare
      const body = JSON.stringify({ 'detail-type': 'Page published', detail });

      // Act
      const error = thrown(() => parseMessageBody(body));

      // Assess
      expect(error).toMatchObject({ code: 'InvalidMessage', message: `EventBridge detail must be a JSON object (given ${kind})` });
    });

    it('needs both detail-type and detail: detail alone is an unknown field', () => {
      // Act
      const error = thrown(() => parseMessageBody(JSON.stringify({ detail: { paths: ['/a'] } })));

      // Assess
      expect(error.message).toContain('unknown field "detail"');
    });
  });

  it.each([
    ['not JSON', 'paths=/a'],
    ['truncated JSON', '{"paths":["/a"'],
    ['empty', ''],
  ])('rejects a body that is %s as InvalidJson', (_name, body) => {
    // Act
    const error = thrown(() => parseMessageBody(body));

    // Assess
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error).toMatchObject({ code: 'InvalidJson' });
    expect(error.message).toMatch(/^body is not valid JSON: /);
  });

  it.each([
    ['null', 'null', 'null'],
    ['an array', '[{"paths":["/a"]}]', 'an array'],
    ['a string', '"/a"', 'a string'],
    ['a number', '42', 'a number'],
    ['a boolean', 'true', 'a boolean'],
  ])('rejects a body that is %s', (_name, body, kind) => {
    // Act
    const error = thrown(() => parseMessageBody(body));

    // Assess
    expect(error).toMatchObject({ code: 'InvalidMessage', message: `message must be a JSON object (given ${kind})` });
  });

  it.each([
    ['the typo "path"', '{"path":["/a"],"urls":["https://www.example.com/"]}', 'unknown field "path"'],
    ['the typo "url"', '{"url":"https://www.example.com/","paths":["/a"]}', 'unknown field "url"'],
    ['"__proto__"', '{"__proto__":{"polluted":true},"paths":["/a"]}', 'unknown field "__proto__"'],
    ['"__proto__": null', '{"__proto__":null,"paths":["/a"]}', 'unknown field "__proto__"'],
    ['"constructor"', '{"constructor":{"prototype":{}},"paths":["/a"]}', 'unknown field "constructor"'],
    ['"toString"', '{"toString":"x","paths":["/a"]}', 'unknown field "toString"'],
    ['an empty key', '{"":1,"paths":["/a"]}', 'unknown field ""'],
    ['two unknown fields', '{"a":1,"b":2,"paths":["/a"]}', 'unknown fields "a", "b"'],
  ])('rejects %s, naming the field', (_name, body, expected) => {
    // Act
    const error = thrown(() => parseMessageBody(body));

    // Assess
    expect(error).toMatchObject({ code: 'InvalidMessage' });
    expect(error.message).toBe(`message is invalid: ${expected}`);
  });

  it('does not pollute Object.prototype', () => {
    // Act
    thrown(() => parseMessageBody('{"__proto__":{"polluted":true},"paths":["/a"]}'));

    // Assess
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports the typo "path" even when nothing else is given', () => {
    // Act
    const error = thrown(() => parseMessageBody('{"path":["/a"]}'));

    // Assess
    expect(error.message).toContain('unknown field "path"');
    expect(error.message).toContain('at least one of "paths", "urls" must be a non-empty array of strings');
  });

  it.each([
    ['an empty object', {}, 'at least one of "paths", "urls" must be a non-empty array of strings'],
    ['only a source', { source: 'wagtail' }, 'at least one of "paths", "urls" must be a non-empty array of strings'],
    ['empty paths', { paths: [] }, 'paths: must be a non-empty array of strings (given [])'],
    ['empty urls', { urls: [] }, 'urls: must be a non-empty array of strings (given [])'],
    ['empty paths beside urls', { paths: [], urls: ['https://www.example.com/'] }, 'paths: must be a non-empty array of strings (given [])'],
    ['paths as a string', { paths: '/a' }, 'paths: Invalid input: expected array, received string (given "/a")'],
    ['a number among paths', { paths: ['/a', 42] }, 'paths[1]: Invalid input: expected string, received number (given 42)'],
    ['null among urls', { urls: [null] }, 'urls[0]: Invalid input: expected string, received null (given null)'],
    ['paths: null', { paths: null }, 'paths: Invalid input: expected array, received null (given null)'],
    ['a lowercase distributionId', { distributionId: 'edfdvbd6example', paths: ['/a'] }, 'distributionId: must be a CloudFront distribution id: 1 to 64 uppercase letters and digits (given "edfdvbd6example")'],
    ['an empty distributionId', { distributionId: '', paths: ['/a'] }, 'distributionId: must be a CloudFront distribution id: 1 to 64 uppercase letters and digits (given "")'],
    ['a numeric distributionId', { distributionId: 42, paths: ['/a'] }, 'distributionId: Invalid input: expected string, received number (given 42)'],
    ['a 257-character source', { paths: ['/a'], source: 's'.repeat(257) }, 'source: Too big: expected string to have <=256 characters'],
    ['a 1025-character reason', { paths: ['/a'], reason: 'r'.repeat(1025) }, 'reason: Too big: expected string to have <=1024 characters'],
  ])('rejects %s, naming the field and value', (_name, message, expected) => {
    // Act
    const error = thrown(() => parseMessageBody(JSON.stringify(message)));

    // Assess
    expect(error).toMatchObject({ code: 'InvalidMessage' });
    expect(error.message).toContain(`message is invalid: ${expected}`);
  });

  it('reports every bad field at once', () => {
    // Act
    const error = thrown(() => parseMessageBody('{"paths":[1],"urls":"x","distributionId":"x"}'));

    // Assess
    expect(error.message).toContain('paths[0]');
    expect(error.message).toContain('urls:');
    expect(error.message).toContain('distributionId:');
  });

  it('keeps URL credentials out of an error about the urls field', () => {
    // Act
    const error = thrown(() => parseMessageBody('{"urls":"https://editor:p@ssw0rd@www.example.com/a"}'));

    // Assess
    expect(error.message).toContain('https://***@www.example.com/a');
    expect(error.message).not.toContain('ssw0rd');
  });

  describe('deeply nested JSON', () => {
    const depth = 100_000;
    const nestedArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const nestedObject = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

    it.each([
      ['an unknown field holding nested arrays', `{"paths":["/a"],"x":${nestedArray}}`, 'unknown field "x"'],
      ['an unknown field holding nested objects', `{"paths":["/a"],"x":${nestedObject}}`, 'unknown field "x"'],
      ['a path that is a nested array', `{"paths":[${nestedArray}]}`, 'paths[0]: Invalid input: expected string, received array (given an array)'],
      ['a source that is a nested array', `{"paths":["/a"],"source":${nestedArray}}`, 'source: Invalid input: expected string, received array (given an array)'],
      ['a distributionId that is a nested object', `{"paths":["/a"],"distributionId":${nestedObject}}`, 'distributionId: Invalid input: expected string, received object (given an object)'],
      ['an EventBridge detail that is a nested array', `{"detail-type":"x","detail":${nestedArray}}`, 'EventBridge detail must be a JSON object (given an array)'],
    ])('rejects %s as an invalid message, not a crash', (_name, body, expected) => {
      // Act
      const error = thrown(() => parseMessageBody(body));

      // Assess
      expect(error).toBeInstanceOf(InvalidMessageError);
      expect(error.message).toContain(expected);
    });
  });
});
