import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatIssues } from '../../lambda/read/issue-format.ts';

const schema = z.strictObject({ name: z.string().min(2, 'too short'), items: z.array(z.object({ id: z.int() })).optional() });

/** The issues zod reports for `value`, formatted. */
function issuesOf(value: unknown): string {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) throw new Error('expected issues');
  return formatIssues(result.error.issues);
}

describe('formatIssues', () => {
  it.each([
    ['a field and the value given', { name: 'a' }, 'name: too short (given "a")'],
    ['a nested path', { name: 'ok', items: [{ id: 1 }, { id: 'x' }] }, 'items[1].id: Invalid input: expected number, received string (given "x")'],
    ['an unknown field', { name: 'ok', extra: 1 }, 'unknown field "extra"'],
    ['several unknown fields', { name: 'ok', a: 1, b: 2 }, 'unknown fields "a", "b"'],
    ['a missing field, without a value', {}, 'name: Invalid input: expected string, received undefined'],
    ['the root', 'nope', 'Invalid input: expected object, received string (given "nope")'],
    ['every issue, joined', { name: 1, extra: true }, 'name: Invalid input: expected string, received number (given 1); unknown field "extra"'],
  ])('names %s', (_name, value, expected) => {
    // Act
    const text = issuesOf(value);

    // Assess
    expect(text).toBe(expected);
  });

  it('shortens a long value to 120 characters', () => {
    // Act
    const text = issuesOf({ name: 1, items: 'x'.repeat(500) });

    // Assess
    expect(text).toContain(`(given "${'x'.repeat(119)}…)`);
  });

  it.each([
    ['in an array', { name: ['https://u:se/cret@www.example.org/'] }, '(given ["https://***@www.example.org/"])'],
    ['with "#" in the password', { name: ['https://u:p#w@x/'] }, '(given ["https://***@x/"])'],
    ['with "?" in the password', { name: ['https://u:p?w@x/'] }, '(given ["https://***@x/"])'],
    ['with a space in the password', { name: ['https://u:se cret@x/'] }, '(given ["https://***@x/"])'],
    ['with a quote in the password', { name: ['https://u:se"cret@x/'] }, '(given ["https://***@x/"])'],
    ['with a backslash in the password', { name: ['https://u:se\\cret@x/'] }, '(given ["https://***@x/"])'],
    ['nested two levels', { name: [[{ a: 'https://u:se/cret@x/' }]] }, '(given [[{"a":"https://***@x/"}]])'],
    ['in an object', { name: { a: 'https://u:p#w@x/' } }, '(given {"a":"https://***@x/"})'],
    ['in a key name', { name: { 'https://u:se cret@x/': 1 } }, '(given {"https://***@x/":1})'],
    ['protocol-relative', { name: ['//u:se/cret@x/'] }, '(given ["//***@x/"])'],
    ['cut by shortening after the "@"', { name: [`https://u:se/cret@x/${'a'.repeat(300)}`] }, `(given ["https://***@x/${'a'.repeat(104)}…)`],
    ['cut by shortening before the "@"', { name: [`https://u:${'p/'.repeat(100)}@x/`] }, '(given ["https://***@x/"])'],
  ])('redacts URL credentials in a value given %s', (_name, value, expected) => {
    // Act
    const text = issuesOf(value);

    // Assess
    expect(text).toContain(expected);
    expect(text).not.toMatch(/se.?cret|p[#?]w|p\//);
  });

  it('redacts URL credentials in an unknown field name, and shortens it', () => {
    // Act
    const text = issuesOf({ name: 'ok', 'https://u:se cret@x/': 1, [`k${'y'.repeat(300)}`]: 2 });

    // Assess
    expect(text).toBe(`unknown fields "https://***@x/", "k${'y'.repeat(118)}…`);
  });

  it('redacts URL credentials in a field name of the path', () => {
    // Prepare: a record schema puts input keys in issue paths
    const record = z.record(z.string(), z.number());

    // Act
    const result = record.safeParse({ 'https://u:se cret@x/': 'one' }, { reportInput: true });

    // Assess
    expect(result.success).toBe(false);
    expect(formatIssues(result.error!.issues)).toBe('https://***@x/: Invalid input: expected number, received string (given "one")');
  });

  it('prints a wide value in bounded length, reading only the first elements, not all million', () => {
    // Prepare: a million elements, each read counted, and a string of a megabyte
    let elementsRead = 0;
    const wide = new Proxy(
      Array.from({ length: 1_000_000 }, (_, index) => index),
      {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) elementsRead++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      },
    );

    // Act
    const text = issuesOf({ name: wide, items: 'x'.repeat(1_000_000) });

    // Assess
    expect(elementsRead).toBeLessThan(1_000);
    expect(text).toContain(`(given [0,1,2,3,4,5,6,7,8,9,10,`);
    expect(text.length).toBeLessThan(400);
  });

  it('prints the first 120 characters of a cyclic value', () => {
    // Prepare
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;

    // Act
    const text = issuesOf({ name: cyclic });

    // Assess
    expect(text).toBe(`name: Invalid input: expected string, received object (given ${'{"self":'.repeat(16).slice(0, 120)}…)`);
  });

  it('prints what JSON.stringify prints for the values JSON has', () => {
    // Act
    const text = issuesOf({ name: { a: [1, 'two', true, null, { b: -0.5 }], c: {} } });

    // Assess
    expect(text).toContain(`(given ${JSON.stringify({ a: [1, 'two', true, null, { b: -0.5 }], c: {} })})`);
  });

  it('names the kind of a value too deep to print', () => {
    // Prepare
    let deep: unknown = [];
    for (let level = 0; level < 100_000; level++) deep = [deep];

    // Act
    const text = issuesOf({ name: deep });

    // Assess
    expect(text).toContain('name: Invalid input: expected string, received array (given an array)');
  });
});
