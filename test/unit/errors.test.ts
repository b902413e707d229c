import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  InvalidMessageError,
  InvalidPathError,
  InvalidatorError,
  MESSAGE_ERROR_CODES,
  PERMANENT_CLOUDFRONT_ERROR_CODES,
  TRANSIENT_CLOUDFRONT_ERROR_CODES,
  displayValue,
  redactCredentials,
} from '../../lambda/errors.ts';

describe('error classes', () => {
  it.each([
    ['InvalidatorError', new InvalidatorError('x'), [Error]],
    ['ConfigurationError', new ConfigurationError('x'), [InvalidatorError]],
    ['InvalidMessageError', new InvalidMessageError('InvalidUrl', 'x'), [InvalidatorError]],
    ['InvalidPathError', new InvalidPathError('/a*b', 'x'), [InvalidMessageError, InvalidatorError]],
  ])('%s is named and extends its base', (name, error, bases) => {
    // Assess
    expect(error.name).toBe(name);
    for (const base of bases) expect(error).toBeInstanceOf(base);
  });

  it('InvalidMessageError carries its code and cause', () => {
    // Prepare
    const cause = new Error('root');

    // Act
    const error = new InvalidMessageError('UnknownHost', 'no distribution', { cause });

    // Assess
    expect(error).toMatchObject({ code: 'UnknownHost', message: 'no distribution', cause });
  });

  it('InvalidMessageError redacts URL credentials from its message', () => {
    // Act
    const error = new InvalidMessageError('InvalidUrl', 'bad "https://editor:p@ssword@www.example.com/a" and ftp://u:pw@h/');

    // Assess
    expect(error.message).toBe('bad "https://***@www.example.com/a" and ftp://***@h/');
  });

  it('InvalidPathError names the path and the rule', () => {
    // Act
    const error = new InvalidPathError('/a\u0000', 'contains a control character');

    // Assess
    expect(error).toMatchObject({ code: 'InvalidPath', path: '/a\u0000', message: 'invalid path "/a\\u0000": contains a control character' });
  });

  it('keeps the code lists apart', () => {
    // Prepare
    const permanent = new Set<string>(PERMANENT_CLOUDFRONT_ERROR_CODES);

    // Assess
    expect(TRANSIENT_CLOUDFRONT_ERROR_CODES.filter((code) => permanent.has(code))).toStrictEqual([]);
    expect(new Set(MESSAGE_ERROR_CODES).size).toBe(MESSAGE_ERROR_CODES.length);
  });
});

describe('displayValue', () => {
  it.each([
    ['a string, JSON-quoted', '/a b', '"/a b"'],
    ['control characters, escaped', '/a\u0000\n', '"/a\\u0000\\n"'],
    ['a number', 42, '"42"'],
    ['200 characters in full', 'x'.repeat(200), `"${'x'.repeat(200)}"`],
    ['201 characters, truncated with the length', 'x'.repeat(201), `"${'x'.repeat(200)}…(201 characters)"`],
  ])('shows %s', (_name, value, expected) => {
    // Act
    const shown = displayValue(value);

    // Assess
    expect(shown).toBe(expected);
  });
});

describe('redactCredentials', () => {
  it.each([
    ['user and password', 'see https://user:pw@host/a', 'see https://***@host/a'],
    ['a password with "@"', 'https://user:p@w@host/a', 'https://***@host/a'],
    ['every URL', 'http://a:b@x/ and https://c:d@y/', 'http://***@x/ and https://***@y/'],
    ['a URL in JSON quotes', '(given "https://user:pw@host/")', '(given "https://***@host/")'],
    ['no credentials', 'https://host/a@b?c=d@e', 'https://host/a@b?c=d@e'],
    ['an email address', 'mail editor@example.org', 'mail editor@example.org'],
  ])('redacts %s', (_name, text, expected) => {
    // Act
    const redacted = redactCredentials(text);

    // Assess
    expect(redacted).toBe(expected);
  });
});
