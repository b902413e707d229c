import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini has no messages of its own ("Invalid input"): use the English ones classic zod sets, which the errors
// below are worded with.
z.config(en());

/**
 * Turn zod issues into one line naming each bad field and the value given, e.g.
 * `distributions[0].id: must be uppercase letters and digits (given "abc")`.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map(formatIssue).join('; ');
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = issuePath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => JSON.stringify(key)).join(', ');
    return `${where ? `${where}: ` : ''}unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}`;
  }
  const given = 'input' in issue && issue.input !== undefined ? ` (given ${shortJson(issue.input)})` : '';
  return `${where ? `${where}: ` : ''}${issue.message}${given}`;
}

function issuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
  }
  return text;
}

function shortJson(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Too deeply nested (or cyclic) to print; String() of a deep array overflows the stack too.
    text = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : String(value);
  }
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
