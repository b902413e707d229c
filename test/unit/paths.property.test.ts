import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidPathError } from '../../lambda/errors.ts';
import { MAX_PATH_LENGTH } from '../../lambda/limits.ts';
import { normalizePath } from '../../lambda/resolve/paths.ts';

/** Characters that make a path interesting: unsafe ASCII, escapes, non-ASCII, controls, lone surrogates. */
const interestingChar = fc.oneof(
  fc.constantFrom('a', 'Z', '0', '/', '?', '=', '&', '.', '-', '%', '4', '1', 'f', 'g', ' ', '"', '#', '<', '>', '{', '}', '|', '\\', '^', '~', '[', ']', '`', "'", '+'),
  fc.constantFrom('é', '€', 'ß', '😀', '中'),
  fc.constantFrom('\u0000', '\t', '\n', '\u007f', '\ud83d', '\ude00'),
);
const rawPathArb = fc.array(interestingChar, { maxLength: 30 }).map((chars) => `/${chars.join('')}`);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('normalizePath (property)', () => {
  it('returns printable ASCII with "*" only last, or throws InvalidPathError naming the path', () => {
    fc.assert(
      fc.property(fc.oneof(rawPathArb, rawPathArb.map((path) => `${path}*`)), (raw) => {
        // Act
        let normalized: string | undefined;
        let error: unknown;
        try {
          normalized = normalizePath(raw);
        } catch (caught) {
          error = caught;
        }

        // Assess
        const shouldFail = CONTROL.test(raw) || LONE_SURROGATE.test(raw) || raw.slice(0, -1).includes('*');
        if (shouldFail) {
          expect(error).toBeInstanceOf(InvalidPathError);
          expect((error as InvalidPathError).path).toBe(raw);
          return;
        }
        expect(error).toBeUndefined();
        expect(normalized).toMatch(/^\/[\x21-\x7e]*$/);
        expect(normalized!.indexOf('*')).toBe(raw.endsWith('*') ? normalized!.length - 1 : -1);
        expect(normalized!.length).toBeLessThanOrEqual(MAX_PATH_LENGTH);
      }),
      { numRuns: 1000 },
    );
  });

  it('is idempotent: an encoded path is never encoded again', () => {
    fc.assert(
      fc.property(rawPathArb, (raw) => {
        // Prepare
        let once: string;
        try {
          once = normalizePath(raw);
        } catch {
          return;
        }

        // Act
        const twice = normalizePath(once);

        // Assess
        expect(twice).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('only encodes: decoding a path that had no "%" gives the original back', () => {
    fc.assert(
      fc.property(rawPathArb.filter((raw) => !raw.includes('%') && !CONTROL.test(raw) && !LONE_SURROGATE.test(raw)), (raw) => {
        // Act
        const normalized = normalizePath(raw);

        // Assess
        expect(decodeURIComponent(normalized)).toBe(raw);
      }),
      { numRuns: 1000 },
    );
  });
});
