import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { redactUnparsedUrl } from '../resolve/paths.ts';

// zod/mini has no messages of its own ("Invalid input"): use the English ones classic zod sets, which the errors
// below are worded with.
z.config(en());

/** At most this many characters of a value given, or of a field name, are shown. */
const MAX_SHOWN_LENGTH = 120;
/** A value given nested deeper than this is named by its kind ("an array", "an object"), not printed. */
const MAX_SHOWN_DEPTH = 20;

/**
 * Turn zod issues into one line naming each bad field and the value given, e.g.
 * `distributions[0].id: must be uppercase letters and digits (given "abc")`.
 *
 * The text reaches logs and the dead-letter queue: every string in it that came from the input (a value given, at
 * any depth, a field name, an unknown key) has the credentials of a URL in it redacted (`redactUnparsedUrl`: up to
 * its last "@") while it is raw, before it is quoted and shortened.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map(formatIssue).join('; ');
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = issuePath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => shortened(JSON.stringify(shortenedRaw(redactUnparsedUrl(key))))).join(', ');
    return `${where ? `${where}: ` : ''}unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}`;
  }
  const given = 'input' in issue && issue.input !== undefined ? ` (given ${previewJson(issue.input)})` : '';
  return `${where ? `${where}: ` : ''}${issue.message}${given}`;
}

function issuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${shortenedRaw(redactUnparsedUrl(String(key)))}`;
  }
  return text;
}

/** `text` cut to `maxLength` characters, with "…" when cut. */
function shortened(text: string, maxLength = MAX_SHOWN_LENGTH): string {
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

/** A raw string cut to a little more than shown (quoting makes it longer still, so `shortened` cuts it with "…"). */
function shortenedRaw(text: string, maxLength = MAX_SHOWN_LENGTH): string {
  return text.length > maxLength ? text.slice(0, maxLength + 1) : text;
}

/** Signals that the preview is long enough, or the value too deep to show. */
const FULL = Symbol('full');
const TOO_DEEP = Symbol('too deep');

/**
 * A value as JSON, like `JSON.stringify`, but with the URL credentials of every string and key redacted
 * (`redactUnparsedUrl`), and bounded: it stops after `maxLength` characters (ending in "…"), however big the value,
 * and names a value nested deeper than MAX_SHOWN_DEPTH levels by its kind ("an array", "an object").
 *
 * @example
 * previewJson({ urls: [['https://u:se/cret@x/']] }); // '{"urls":[["https://***@x/"]]}'
 */
export function previewJson(value: unknown, maxLength: number = MAX_SHOWN_LENGTH): string {
  const parts: string[] = [];
  let length = 0;
  const write = (text: string): void => {
    parts.push(text);
    length += text.length;
    if (length > maxLength) throw FULL;
  };
  const visit = (item: unknown, depth: number): void => {
    if (typeof item === 'object' && item !== null && typeof (item as { toJSON?: unknown }).toJSON === 'function') {
      item = (item as { toJSON(): unknown }).toJSON();
    }
    if (typeof item === 'string') {
      write(JSON.stringify(shortenedRaw(redactUnparsedUrl(item), maxLength)));
    } else if (typeof item === 'bigint') {
      write(String(item));
    } else if (typeof item !== 'object' || item === null) {
      write(JSON.stringify(item) ?? 'null');
    } else if (depth >= MAX_SHOWN_DEPTH) {
      throw TOO_DEEP;
    } else if (Array.isArray(item)) {
      write('[');
      for (let index = 0; index < item.length; index++) {
        if (index > 0) write(',');
        visit(isUnprintable(item[index]) ? null : item[index], depth + 1);
      }
      write(']');
    } else {
      write('{');
      let first = true;
      for (const key of Object.keys(item)) {
        const field = (item as Record<string, unknown>)[key];
        if (isUnprintable(field)) continue;
        write(`${first ? '' : ','}${JSON.stringify(shortenedRaw(redactUnparsedUrl(key), maxLength))}:`);
        first = false;
        visit(field, depth + 1);
      }
      write('}');
    }
  };
  try {
    if (isUnprintable(value)) return shortened(String(value), maxLength);
    visit(value, 0);
  } catch (signal) {
    // Too deep, cyclic, or a toJSON that throws: name the kind.
    if (signal !== FULL) return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : String(value);
  }
  return shortened(parts.join(''), maxLength);
}

/** What JSON.stringify leaves out of an object and writes as null in an array. */
function isUnprintable(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
