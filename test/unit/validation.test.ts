import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatIssues } from '../../lambda/validation.ts';

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
