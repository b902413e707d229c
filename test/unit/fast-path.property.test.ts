import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invalidationMessageSchema, parseCommonMessage } from '../../lambda/read/message.ts';
import { normalizePath, parseSimplePageUrl } from '../../lambda/resolve/paths.ts';

/**
 * Differential tests of the handler's fast paths: on inputs biased toward the edges of what they accept, each
 * either declines (undefined) or returns exactly what the reference returns, and the reference never rejects what
 * a fast path accepted. The references are the slow paths themselves: WHATWG `new URL` with normalizePath, and zod.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** What parsePageUrl's full path computes for `raw`: the result, or why it rejects it. */
function referenceUrl(raw: string): { hostname: string; path: string } | { rejected: string } {
  if (CONTROL.test(raw) || !raw.isWellFormed()) return { rejected: 'control character or lone surrogate' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { rejected: 'not an absolute URL' };
  }
  if (url.username !== '' || url.password !== '') return { rejected: 'credentials' };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { rejected: 'scheme' };
  try {
    return { hostname: url.hostname, path: normalizePath(url.pathname + url.search) };
  } catch (error) {
    return { rejected: (error as Error).message };
  }
}

const EVERY_ASCII = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));

const schemeArb = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('https://', 'http://') },
  { weight: 1, arbitrary: fc.constantFrom('HTTPS://', 'Http://', 'https:/', 'https:\\\\', 'https:///', 'ftp://', ' https://', 'https:', 'ws://', '') },
);
const labelArb = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('www', 'example', 'org', 'a', 'b-c', 'news', 'com', 'x1', 'ab--cd', '-a', 'a-') },
  { weight: 3, arbitrary: fc.constantFrom('', '0', '1', '255', '0x7f', '0X1', '08', '1e', '1a', 'xn--', 'xn--caf-dma', 'xn--a', 'x', 'n', 'a'.repeat(64)) },
  { weight: 2, arbitrary: fc.constantFrom('A', 'WWW', 'é', 'ß', '_', '%41', '%2e', '@', ':', 'user:pw@', '[::1]', ' ', '\t', '\\', '*', '?', '#', '~') },
);
const hostArb = fc.array(labelArb, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
const portArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.constantFrom(':', ':0', ':80', ':443', ':8080', ':65535', ':65536', ':99999', ':000080', ':123456', ':8a', ': 1') },
);
const pathPieceArb = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom('/', '/', 'a', 'news', 'Z', '0', '-', '_', 'index.html', '=', '&', 'q=1', ':', '@', '!', '$', '(', ')', '+', ',', ';') },
  { weight: 4, arbitrary: fc.constantFrom('.', '..', '/.', '/..', '/./', '/../', '...', '.a', '//', '%2e', '%2E', '%2e%2e', '.%2e', '%41', '%c3%a9', '%', '%z', '%4', '*', '?', '??', '#', '#x') },
  { weight: 3, arbitrary: fc.constantFrom(...EVERY_ASCII) },
  { weight: 3, arbitrary: fc.constantFrom('é', 'ü', '€', '中', '😀', '\u0080', '\u00a0', '\ufeff', '\ud83d', '\ude00', '\u2028') },
);
const pathArb = fc.array(pathPieceArb, { maxLength: 12 }).map((pieces) => pieces.join(''));
const urlArb = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(schemeArb, hostArb, portArb, pathArb).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((rest) => `https://${rest}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

describe('parseSimplePageUrl (differential, against new URL + normalizePath)', () => {
  it('declines, or returns exactly what the full path returns', () => {
    let accepted = 0;
    fc.assert(
      fc.property(urlArb, (raw) => {
        // Act
        const fast = parseSimplePageUrl(raw);

        // Assess
        if (fast === undefined) return;
        accepted++;
        expect(fast).toStrictEqual(referenceUrl(raw));
      }),
      { numRuns: 20_000 },
    );
    // Guard against a fast path that declines everything: the generator makes plenty of simple URLs.
    expect(accepted).toBeGreaterThan(1_000);
  });

  it('declines, or agrees, for every ASCII character and pair of them in the host, port, path and query', () => {
    // Prepare
    const singles = EVERY_ASCII.flatMap((c) => [
      `https://www.exa${c}mple.org/a`,
      `https://www.example.org${c}/a`,
      `https://www.example.org:8${c}/a`,
      `https://www.example.org/a${c}b`,
      `https://www.example.org/${c}`,
      `https://www.example.org${c}`,
      `https://www.example.org/a?b${c}c`,
      `https://www.example.org?${c}`,
    ]);
    const pairs = EVERY_ASCII.flatMap((c) => EVERY_ASCII.map((d) => `http://a.b/x/${c}${d}/y?${d}${c}`));

    // Act
    const accepted = [...singles, ...pairs].filter((raw) => {
      const fast = parseSimplePageUrl(raw);
      if (fast !== undefined) expect({ raw, ...fast }).toStrictEqual({ raw, ...referenceUrl(raw) });
      return fast !== undefined;
    });

    // Assess
    expect(accepted.length).toBeGreaterThan(1_000);
  });

  it.each([
    'https://www.example.org/',
    'https://www.example.org',
    'http://example.org/news/harbour-festival-returns/',
    'https://www.example.org/news/über-café/',
    'https://www.example.org/search?q=größe&page=2',
    'https://www.example.org?utm_source=x',
    'https://www.example.org:8443/a/b.html',
    'https://www.example.org/caf%C3%A9/%41',
    'https://www.example.org/blog/*',
    'https://www.example.org/a@b/c:d;e=f,g!h$i&j(k)l+m',
    'https://www.example.org/😀/',
    'https://a-b.c0.example/x...y/.z/',
  ])('takes the common URL %s', (raw) => {
    // Act
    const fast = parseSimplePageUrl(raw);

    // Assess
    expect(fast).toBeDefined();
    expect(fast).toStrictEqual(referenceUrl(raw));
  });

  it.each([
    ['an uppercase host', 'https://WWW.example.org/'],
    ['an uppercase scheme', 'HTTPS://www.example.org/'],
    ['a dot segment', 'https://www.example.org/a/../b'],
    ['a trailing dot segment', 'https://www.example.org/a/.'],
    ['an encoded dot segment', 'https://www.example.org/a/%2e%2e/b'],
    ['a backslash', 'https://www.example.org/a\\b'],
    ['a fragment', 'https://www.example.org/a#b'],
    ['an empty query', 'https://www.example.org/a?'],
    ['a % that starts no escape', 'https://www.example.org/100%'],
    ['a wildcard before the end', 'https://www.example.org/a*/b'],
    ['credentials', 'https://user:pw@www.example.org/'],
    ['an IPv4 address', 'http://127.0.0.1/'],
    ['a number-like last label', 'http://example.0x7f/'],
    ['a punycode label', 'https://xn--caf-dma.example.org/'],
    ['a trailing dot in the host', 'https://www.example.org./'],
    ['a tab', 'https://www.example.org/a\tb'],
    ['a lone surrogate', 'https://www.example.org/\ud83d'],
    ['a quote', "https://www.example.org/it's"],
    ['a port above 65535', 'https://www.example.org:65536/'],
    ['an empty port', 'https://www.example.org:/'],
  ])('declines %s', (_name, raw) => {
    expect(parseSimplePageUrl(raw)).toBeUndefined();
  });
});

const knownKeyArb = fc.constantFrom('urls', 'paths', 'source', 'reason', 'distributionId');
const keyArb = fc.oneof(
  { weight: 8, arbitrary: knownKeyArb },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'url', 'path', 'detail', 'detail-type', 'Urls', '') },
);
const stringArb = fc.oneof(
  fc.constantFrom('https://www.example.org/', '/a', 'wagtail', '', 'EDFDVBD6EXAMPLE', 'edfdvbd6example', 'E1', 'É1', 'A'.repeat(64), 'A'.repeat(65)),
  fc.constantFrom(255, 256, 257, 1023, 1024, 1025).map((length) => 's'.repeat(length)),
  fc.string({ maxLength: 8 }),
);
const jsonValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: stringArb },
  { weight: 4, arbitrary: fc.array(stringArb, { maxLength: 4 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(stringArb, fc.constant(null), fc.integer(), fc.array(stringArb, { maxLength: 1 })), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, 1.5, {}, { urls: ['/a'] }) },
);
/** A JSON object as JSON.parse builds it (so "__proto__" is an own key), with keys repeated now and then. */
const messageArb = fc
  .array(fc.tuple(keyArb, jsonValueArb), { maxLength: 6 })
  .map((entries) => JSON.parse(`{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`) as object);

describe('parseCommonMessage (differential, against the zod schema)', () => {
  it('declines, or returns exactly what zod returns, fields in the same order', () => {
    let accepted = 0;
    fc.assert(
      fc.property(messageArb, (value) => {
        // Act
        const fast = parseCommonMessage(value);

        // Assess
        if (fast === undefined) return;
        accepted++;
        const reference = invalidationMessageSchema.safeParse(value, { reportInput: true });
        expect(reference.success).toBe(true);
        expect(fast).toStrictEqual(reference.data);
        expect(Object.keys(fast)).toStrictEqual(Object.keys(reference.data!));
      }),
      { numRuns: 20_000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });

  it('takes every message zod accepts, when its values are strings and non-empty string arrays', () => {
    fc.assert(
      fc.property(messageArb, (value) => {
        // Prepare
        const reference = invalidationMessageSchema.safeParse(value);
        fc.pre(reference.success);

        // Act
        const fast = parseCommonMessage(value);

        // Assess
        expect(fast).toStrictEqual(reference.data);
      }),
      { numRuns: 2_000 },
    );
  });
});
