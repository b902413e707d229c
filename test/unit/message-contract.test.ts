import { describe, expect, it } from 'vitest';
import { ConfigurationError, InvalidMessageError } from '../../lambda/errors.ts';
import { createInvalidationMessage, type InvalidationMessage } from '../../lambda/read/message-contract.ts';
import { thrown } from './thrown.ts';

const WWW = { id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org'] };
const MEDIA = { id: 'E2QWRUHEXAMPLE', hostnames: ['media.example.org'] };

describe('createInvalidationMessage', () => {
  it('defaults: checks the message on its own, and returns it as JSON', () => {
    // Prepare
    const message = { urls: ['https://www.example.org/news/'], paths: ['/blog/*'], source: 'my-cms', reason: 'page published' };
    // Act
    const body = createInvalidationMessage(message);
    // Assess
    expect(body).toBe(JSON.stringify(message));
  });

  it('routes with the distributions when given', () => {
    // Act
    const body = createInvalidationMessage({ urls: ['https://MEDIA.example.org/img/a.png'] }, { distributions: [WWW, MEDIA] });
    // Assess
    expect(JSON.parse(body)).toStrictEqual({ urls: ['https://MEDIA.example.org/img/a.png'] });
  });

  describe.each<[string, InvalidationMessage, string, RegExp]>([
    ['an unknown field', { paths: ['/a'], path: ['/b'] } as InvalidationMessage, 'InvalidMessage', /"path"/],
    ['neither paths nor urls', { source: 'my-cms' }, 'InvalidMessage', /at least one of "paths", "urls"/],
    ['a wildcard inside a path', { paths: ['/a*b'] }, 'InvalidPath', /invalid path "\/a\*b"/],
    ['a path without its leading slash', { paths: ['news/'] }, 'InvalidPath', /"news\/"/],
    ['an ftp URL', { urls: ['ftp://www.example.org/a'] }, 'InvalidUrl', /ftp:/],
    ['URL credentials', { urls: ['https://user:secret@www.example.org/a'] }, 'InvalidUrl', /\*\*\*@/],
  ])('refuses %s, as the handler would', (_name, message, code, wording) => {
    it(`with ${code}`, () => {
      // Act
      const error = thrown(() => createInvalidationMessage(message));
      // Assess
      expect(error).toBeInstanceOf(InvalidMessageError);
      expect((error as InvalidMessageError).code).toBe(code);
      expect(error.message).toMatch(wording);
      expect(error.message).not.toContain('secret');
    });
  });

  describe.each<[string, InvalidationMessage, string]>([
    ['a host no distribution serves', { urls: ['https://shop.example.org/'] }, 'UnknownHost'],
    ['paths without a distribution, when there are two', { paths: ['/a'] }, 'AmbiguousDistribution'],
    ['a distribution that is not configured', { distributionId: 'E3OTHEREXAMPLE', paths: ['/a'] }, 'UnknownDistribution'],
  ])('with distributions, refuses %s', (_name, message, code) => {
    it(`with ${code}`, () => {
      // Act
      const error = thrown(() => createInvalidationMessage(message, { distributions: [WWW, MEDIA] }));
      // Assess
      expect((error as InvalidMessageError).code).toBe(code);
    });
  });

  it('refuses distributions the construct would refuse, naming the field', () => {
    // Act
    const error = thrown(() => createInvalidationMessage({ paths: ['/a'] }, { distributions: [{ id: 'not-an-id' }] }));
    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^options\.distributions is invalid: .*distributions\[0\]\.id/);
  });

  it('refuses a message larger than SQS takes (1 MiB), with its size', () => {
    // Prepare: 300 paths of 3,500 characters: 1,050,911 bytes of JSON
    const paths = Array.from({ length: 300 }, (_, index) => `/${String(index).padStart(3, '0')}/${'a'.repeat(3_495)}`);
    // Act
    const error = thrown(() => createInvalidationMessage({ paths }));
    // Assess
    expect((error as InvalidMessageError).code).toBe('InvalidMessage');
    expect(error.message).toBe("the message is 1,050,911 bytes, above SQS's limit of 1,048,576: send the paths in several messages");
  });
});
