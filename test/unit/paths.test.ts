import { describe, expect, it } from 'vitest';
import { InvalidMessageError, InvalidPathError } from '../../lambda/errors.ts';
import { MAX_PATH_LENGTH } from '../../lambda/limits.ts';
import { isWildcard, normalizePath, parsePageUrl, redactUrl } from '../../lambda/resolve/paths.ts';
import { thrown } from './thrown.ts';


describe('normalizePath', () => {
  it.each([
    ['/', '/'],
    ['/index.html', '/index.html'],
    ['/path/to/page?query=value&another=param', '/path/to/page?query=value&another=param'],
    ['/*', '/*'],
    ['/blog/*', '/blog/*'],
    ['/images/logo*', '/images/logo*'],
    ['/a?b=*', '/a?b=*'],
    ["/a'b+c;d=e,f!g$h&i(j)k:l@m", "/a'b+c;d=e,f!g$h&i(j)k:l@m"],
  ])('keeps the valid path %j as is', (raw, expected) => {
    // Act
    const path = normalizePath(raw);

    // Assess
    expect(path).toBe(expected);
  });

  it.each([
    ['a space', '/a b', '/a%20b'],
    ['<>', '/<tag>', '/%3Ctag%3E'],
    ['a double quote', '/say"hi"', '/say%22hi%22'],
    ['#', '/a#b', '/a%23b'],
    ['{}', '/{x}', '/%7Bx%7D'],
    ['|', '/a|b', '/a%7Cb'],
    ['a backslash', '/a\\b', '/a%5Cb'],
    ['^', '/a^b', '/a%5Eb'],
    ['~', '/~user', '/%7Euser'],
    ['[]', '/a[0]', '/a%5B0%5D'],
    ['a backtick', '/a`b', '/a%60b'],
    ['é (two UTF-8 bytes)', '/café', '/caf%C3%A9'],
    ['€ (three UTF-8 bytes)', '/€', '/%E2%82%AC'],
    ['an emoji (a surrogate pair, four UTF-8 bytes)', '/😀', '/%F0%9F%98%80'],
    ['non-ASCII in the query', '/search?q=größe', '/search?q=gr%C3%B6%C3%9Fe'],
    ['non-ASCII before the wildcard', '/ü*', '/%C3%BC*'],
  ])('percent-encodes %s', (_name, raw, expected) => {
    // Act
    const path = normalizePath(raw);

    // Assess
    expect(path).toBe(expected);
  });

  it.each([
    ['an uppercase escape', '/%41', '/%41'],
    ['a lowercase escape', '/caf%c3%a9', '/caf%c3%a9'],
    ['an encoded space', '/already%20encoded', '/already%20encoded'],
    ['an encoded slash', '/a%2Fb', '/a%2Fb'],
    ['an encoded percent', '/100%25', '/100%25'],
  ])('keeps %s (never double-encodes)', (_name, raw, expected) => {
    // Act
    const path = normalizePath(raw);

    // Assess
    expect(path).toBe(expected);
  });

  it.each([
    ['%zz', '/%zz', '/%25zz'],
    ['a trailing %', '/100%', '/100%25'],
    ['% and one hex digit', '/a%4', '/a%254'],
    ['%g0', '/%g0', '/%25g0'],
  ])('encodes a %% that starts no escape: %s', (_name, raw, expected) => {
    // Act
    const path = normalizePath(raw);

    // Assess
    expect(path).toBe(expected);
  });

  it('never encodes the wildcard', () => {
    // Act
    const path = normalizePath('/a b/*');

    // Assess
    expect(path).toBe('/a%20b/*');
  });

  it('is idempotent', () => {
    // Prepare
    const once = normalizePath('/café/a b/%zz/~x?q="1"*');

    // Act
    const twice = normalizePath(once);

    // Assess
    expect(twice).toBe(once);
  });

  it.each([
    ['an empty path', '', 'must start with "/"'],
    ['a relative path', 'index.html', 'must start with "/"'],
    ['a full URL', 'https://www.example.com/a', 'must start with "/"'],
    ['a wildcard alone', '*', 'must start with "/"'],
    ['a wildcard in the middle', '/a*/b', '"*" is allowed only as the last character'],
    ['two wildcards', '/a**', '"*" is allowed only as the last character'],
    ['a wildcard in the query', '/a?b=*&c=d', '"*" is allowed only as the last character'],
    ['NUL', '/a\u0000b', 'contains the control character U+0000'],
    ['a tab', '/a\tb', 'contains the control character U+0009'],
    ['a newline', '/a\nb', 'contains the control character U+000A'],
    ['a carriage return', '/a\r', 'contains the control character U+000D'],
    ['U+001F', '/a\u001f', 'contains the control character U+001F'],
    ['DEL', '/a\u007f', 'contains the control character U+007F'],
    ['a lone high surrogate', '/a\ud83d', 'lone UTF-16 surrogate'],
    ['a lone low surrogate', '/a\ude00b', 'lone UTF-16 surrogate'],
  ])('rejects %s, naming the path', (_name, raw, reason) => {
    // Act
    const error = thrown(() => normalizePath(raw));

    // Assess
    expect(error).toBeInstanceOf(InvalidPathError);
    expect(error).toMatchObject({ code: 'InvalidPath', path: raw });
    expect(error.message).toContain(`invalid path ${JSON.stringify(raw)}`);
    expect(error.message).toContain(reason);
  });

  it(`accepts a path of exactly ${MAX_PATH_LENGTH} characters`, () => {
    // Prepare
    const raw = `/${'a'.repeat(MAX_PATH_LENGTH - 1)}`;

    // Act
    const path = normalizePath(raw);

    // Assess
    expect(path).toHaveLength(MAX_PATH_LENGTH);
  });

  it(`rejects a path of ${MAX_PATH_LENGTH + 1} characters, naming it and its length`, () => {
    // Prepare
    const raw = `/too-long/${'a'.repeat(MAX_PATH_LENGTH - 9)}`;

    // Act
    const error = thrown(() => normalizePath(raw));

    // Assess
    expect(raw).toHaveLength(MAX_PATH_LENGTH + 1);
    expect(error).toMatchObject({ name: 'InvalidPathError', code: 'InvalidPath', path: raw });
    expect(error.message).toMatch(/^invalid path "\/too-long\/a+…\(4001 characters\)": is 4001 characters once encoded; CloudFront allows at most 4000$/);
  });

  it('counts the length once encoded', () => {
    // Prepare: 1,000 characters, 6,000 once encoded
    const raw = `/${'é'.repeat(999)}`;

    // Act
    const error = thrown(() => normalizePath(raw));

    // Assess
    expect(error).toBeInstanceOf(InvalidPathError);
    expect(error.message).toContain('is 5995 characters once encoded');
  });
});

describe('isWildcard', () => {
  it.each([
    ['/*', true],
    ['/blog/*', true],
    ['/a?b=*', true],
    ['/blog/', false],
    ['/', false],
  ])('%j -> %s', (path, expected) => {
    // Act
    const wildcard = isWildcard(path);

    // Assess
    expect(wildcard).toBe(expected);
  });
});

describe('parsePageUrl', () => {
  it.each([
    ['http://www.example.com/path/to/page?query=value&another=param', 'www.example.com', '/path/to/page?query=value&another=param'],
    ['http://www.example.com?query=value', 'www.example.com', '/?query=value'],
    ['http://www.example.com', 'www.example.com', '/'],
    ['https://www.example.com/', 'www.example.com', '/'],
    ['https://www.example.com/a#section', 'www.example.com', '/a'],
    ['https://www.example.com/a?b=1#section', 'www.example.com', '/a?b=1'],
    ['https://www.example.com/a?', 'www.example.com', '/a'],
    ['HTTPS://WWW.Example.COM/Case/Kept', 'www.example.com', '/Case/Kept'],
    ['https://www.example.com:8443/a', 'www.example.com', '/a'],
    ['http://[::1]/a', '[::1]', '/a'],
    ['http://[::1]:8080/a', '[::1]', '/a'],
    ['http://127.0.0.1/a', '127.0.0.1', '/a'],
    ['https://café.example.org/a', 'xn--caf-dma.example.org', '/a'],
  ])('%s -> host %s, path %s', (url, hostname, path) => {
    // Act
    const parsed = parsePageUrl(url);

    // Assess
    expect(parsed).toStrictEqual({ hostname, path });
  });

  it.each([
    ['non-ASCII in the path and query', 'https://www.example.com/café?q=é', '/caf%C3%A9?q=%C3%A9'],
    ['a space', 'https://www.example.com/a b', '/a%20b'],
    ['an existing escape', 'https://www.example.com/%41', '/%41'],
    ['a % that starts no escape', 'https://www.example.com/%zz', '/%25zz'],
    ['a wildcard', 'https://www.example.com/blog/*', '/blog/*'],
    ['~', 'https://www.example.com/~user', '/%7Euser'],
  ])('normalizes the path of a URL with %s', (_name, url, path) => {
    // Act
    const parsed = parsePageUrl(url);

    // Assess
    expect(parsed.path).toBe(path);
  });

  it.each([
    ['a relative URL', '/relative/path', 'not an absolute URL'],
    ['a host without a scheme', 'www.example.com/a', 'not an absolute URL'],
    ['an empty string', '', 'not an absolute URL'],
    ['ftp', 'ftp://www.example.com/a', 'scheme "ftp" is not http or https'],
    ['file', 'file:///etc/passwd', 'scheme "file" is not http or https'],
    ['javascript', 'javascript:alert(1)', 'scheme "javascript" is not http or https'],
    ['NUL', 'https://www.example.com/a\u0000b', 'contains the control character U+0000'],
    ['a newline', 'https://www.example.com/a\nb', 'contains the control character U+000A'],
    ['a trailing newline', 'https://www.example.com/a\n', 'contains the control character U+000A'],
    ['a tab in the host', 'https://www.exa\tmple.com/a', 'contains the control character U+0009'],
  ])('rejects %s as InvalidUrl, naming the URL', (_name, url, reason) => {
    // Act
    const error = thrown(() => parsePageUrl(url));

    // Assess
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error).toMatchObject({ code: 'InvalidUrl' });
    expect(error.message).toBe(`invalid URL ${JSON.stringify(url)}: ${reason}`);
  });

  it('rejects a URL whose path breaks a path rule, naming the path', () => {
    // Act
    const error = thrown(() => parsePageUrl('https://www.example.com/a*/b'));

    // Assess
    expect(error).toBeInstanceOf(InvalidPathError);
    expect(error).toMatchObject({ code: 'InvalidPath', path: '/a*/b' });
  });

  it('rejects a URL whose path is too long', () => {
    // Act
    const error = thrown(() => parsePageUrl(`https://www.example.com/${'a'.repeat(MAX_PATH_LENGTH)}`));

    // Assess
    expect(error).toMatchObject({ code: 'InvalidPath', path: `/${'a'.repeat(MAX_PATH_LENGTH)}` });
  });

  describe.each([
    ['user and password', 'https://editor:s3cretpw@www.example.com/a', 's3cretpw'],
    ['a password only', 'https://:s3cretpw@www.example.com/a', 's3cretpw'],
    ['a password with "@"', 'https://editor:p@ssw0rd@www.example.com/a', 'ssw0rd'],
    ['a password with an encoded "@"', 'https://editor:p%40ssw0rd@www.example.com/a', 'ssw0rd'],
    ['a password with a space', 'https://editor:pass word@www.example.com/a', 'word'],
    ['a password with a quote', 'https://editor:pa"ssword@www.example.com/a', 'ssword'],
    ['a user with "@"', 'https://ed@itor:s3cretpw@www.example.com/a', 's3cretpw'],
    ['an uppercase scheme', 'HTTPS://editor:s3cretpw@www.example.com/a', 's3cretpw'],
    ['leading spaces', '  https://editor:s3cretpw@www.example.com/a', 's3cretpw'],
    ['backslashes', 'https:\\\\editor:s3cretpw@www.example.com/a', 's3cretpw'],
    ['no host', 'https://editor:s3cretpw@', 's3cretpw'],
    ['a scheme other than http', 'ftp://editor:s3cretpw@www.example.com/a', 's3cretpw'],
    ['a control character', 'https://editor:s3cretpw@www.example.com/a\n', 's3cretpw'],
  ])('a URL with credentials: %s', (_name, url, password) => {
    it('is rejected as InvalidUrl without the password', () => {
      // Act
      const error = thrown(() => parsePageUrl(url));

      // Assess
      expect(error).toMatchObject({ code: 'InvalidUrl' });
      expect(error.message).toContain('***@');
      expect(error.message).not.toContain(password);
      expect(error.message).not.toContain('editor');
    });
  });

  it('names the host of a URL with credentials', () => {
    // Act
    const error = thrown(() => parsePageUrl('https://editor:s3cretpw@www.example.com/a'));

    // Assess
    expect(error.message).toBe('invalid URL "https://***@www.example.com/a": credentials are not allowed in a URL');
  });
});

describe('redactUrl', () => {
  it.each([
    ['https://user:pw@www.example.com/a', 'https://***@www.example.com/a'],
    ['https://user:p@w@www.example.com/a', 'https://***@www.example.com/a'],
    ['https://www.example.com/a@b', 'https://www.example.com/a@b'],
    ['https://www.example.com/?mail=a@b', 'https://www.example.com/?mail=a@b'],
    ['https://www.example.com/', 'https://www.example.com/'],
    ['not a url', 'not a url'],
  ])('%s -> %s', (raw, expected) => {
    // Act
    const redacted = redactUrl(raw);

    // Assess
    expect(redacted).toBe(expected);
  });
});
