import * as z from 'zod/mini';
import { distributionIdSchema, tenantIdSchema } from '../config.ts';
import { InvalidMessageError } from '../errors.ts';
import { formatIssues } from './issue-format.ts';

/** The limits on the free-text fields. */
const MAX_SOURCE_LENGTH = 256;
const MAX_REASON_LENGTH = 1024;

/**
 * The message contract, version 1: the single source of truth for the handler, the CLI and the exported JSON
 * Schema (`schema/invalidation-message.schema.json`).
 */
export const invalidationMessageSchema = z
  .strictObject({
    distributionId: described(
      z.optional(distributionIdSchema),
      'The distribution all "paths" go to; required for "paths" when several distributions are configured.',
    ),
    paths: described(
      z.optional(z.array(z.string()).check(z.minLength(1, 'must be a non-empty array of strings'))),
      'Invalidation paths, each starting with "/"; "*" only as the last character.',
    ),
    urls: described(
      z.optional(z.array(z.string()).check(z.minLength(1, 'must be a non-empty array of strings'))),
      'Absolute http(s) page URLs; each is routed to a distribution by its hostname.',
    ),
    source: described(z.optional(z.string().check(z.maxLength(MAX_SOURCE_LENGTH))), 'Who sent the message, kept for logs (e.g. "wagtail").'),
    reason: described(z.optional(z.string().check(z.maxLength(MAX_REASON_LENGTH))), 'Why, kept for logs (e.g. "page published").'),
    tenantId: described(
      z.optional(tenantIdSchema),
      'The distribution tenant (CloudFront SaaS Manager, "dt_...") all "paths" go to, instead of "distributionId".',
    ),
  })
  .check(
    z.refine((message) => message.paths !== undefined || message.urls !== undefined, {
      message: 'at least one of "paths", "urls" must be a non-empty array of strings',
    }),
    z.refine((message) => message.distributionId === undefined || message.tenantId === undefined, {
      message: 'give at most one of "distributionId", "tenantId"',
    }),
  )
  .register(z.globalRegistry, {
    description: 'A request to invalidate CloudFront paths (cloudfront-invalidation-queue message contract v1).',
  });

/** Give a schema the description the JSON Schema shows (classic zod's `.describe()`, without a parse-time check). */
function described<T extends z.ZodMiniType>(schema: T, description: string): T {
  z.globalRegistry.add(schema, { description });
  return schema;
}

/** A message of the contract, version 1: what {@link invalidationMessageSchema} accepts. */
export type InvalidationMessage = z.output<typeof invalidationMessageSchema>;

/** An EventBridge event delivered to SQS by a rule: the message is its `detail`. */
function isEventBridgeEnvelope(value: unknown): value is { 'detail-type': unknown; detail: unknown } {
  return typeof value === 'object' && value !== null && 'detail-type' in value && 'detail' in value;
}

/**
 * Parse and validate an SQS message body (a message, or an EventBridge event carrying one in `detail`).
 *
 * @example
 * parseMessageBody('{"paths":["/donate/"],"source":"wagtail"}'); // { paths: ['/donate/'], source: 'wagtail' }
 * @throws {InvalidMessageError} `InvalidJson` when the body is not JSON, `InvalidMessage` naming each bad field
 */
export function parseMessageBody(body: string): InvalidationMessage {
  return parseMessageValue(parseJsonBody(body));
}

/**
 * An SQS message body's JSON value (any JSON: what it must be is for the reader of each kind of body to say).
 *
 * @throws {InvalidMessageError} `InvalidJson` when the body is not JSON
 */
export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new InvalidMessageError('InvalidJson', `body is not valid JSON: ${withoutSourceExcerpt((error as Error).message)}`);
  }
}

/**
 * Validate a body's JSON value as a message (or an EventBridge event carrying one in `detail`): parseMessageBody
 * after JSON.parse.
 *
 * @throws {InvalidMessageError} `InvalidMessage` naming each bad field
 */
export function parseMessageValue(value: unknown): InvalidationMessage {
  let where = 'message';
  if (isEventBridgeEnvelope(value)) {
    value = value.detail;
    where = 'EventBridge detail';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new InvalidMessageError('InvalidMessage', `${where} must be a JSON object (given ${kind})`);
  }
  const common = parseCommonMessage(value);
  if (common !== undefined) return common;
  const result = invalidationMessageSchema.safeParse(value, { reportInput: true });
  if (!result.success) {
    // formatIssues redacts every string of the input it shows (values at any depth, field names) while it is raw:
    // once quoted and shortened, a URL password holding a quote, a space, "#" or "/", or cut before its "@", would
    // no longer be recognised.
    throw new InvalidMessageError('InvalidMessage', `${where} is invalid: ${formatIssues(result.error.issues)}`);
  }
  return result.data;
}

/**
 * A JSON.parse error message without the excerpt of the text V8 quotes in it (`Unexpected token 'h', "https://ed"...
 * is not valid JSON`): up to about 10 characters either side of the error, which may be part of a URL password whose
 * scheme or "@" is outside the excerpt, where no redaction could recognise it.
 *
 * @example
 * withoutSourceExcerpt(`Unexpected token 'h', "https://ed"... is not valid JSON`); // "Unexpected token 'h'"
 */
function withoutSourceExcerpt(message: string): string {
  const excerpt = message.search(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/);
  return excerpt === -1 ? message : message.slice(0, excerpt);
}

/**
 * parseMessageBody's fast path: a JSON object that the schema accepts, checked by hand, and the same output zod
 * gives (the known fields in the schema's order): `value` itself when its keys already come in that order, as
 * producers write them, else a copy in that order. Returns undefined for anything it does not accept, valid or not:
 * the schema then decides and words every error.
 *
 * @example
 * parseCommonMessage({ urls: ['https://www.example.org/'], source: 'wagtail' }); // the same object's fields
 * parseCommonMessage({ urls: [] }); // undefined: zod reports the error
 * @param value - a parsed JSON object (not null, not an array)
 */
export function parseCommonMessage(value: object): InvalidationMessage | undefined {
  const fields = value as Record<string, unknown>;
  // Whether the keys come in the schema's order (as producers write them): the value is then already zod's output.
  // Each key's rank in that order is set in its case: a lookup table indexed by key costs a megamorphic load.
  let lastRank = -1;
  let inOrder = true;
  for (const key in fields) {
    const field = fields[key];
    let rank: number;
    switch (key) {
      case 'distributionId':
        if (!distributionIdSchema.safeParse(field).success) return undefined;
        rank = 0;
        break;
      case 'paths':
        if (!isNonEmptyStringArray(field)) return undefined;
        rank = 1;
        break;
      case 'urls':
        if (!isNonEmptyStringArray(field)) return undefined;
        rank = 2;
        break;
      case 'source':
        if (typeof field !== 'string' || field.length > MAX_SOURCE_LENGTH) return undefined;
        rank = 3;
        break;
      case 'reason':
        if (typeof field !== 'string' || field.length > MAX_REASON_LENGTH) return undefined;
        rank = 4;
        break;
      default:
        return undefined;
    }
    if (rank < lastRank) inOrder = false;
    lastRank = rank;
  }
  const { distributionId, paths, urls, source, reason } = fields as InvalidationMessage;
  if (paths === undefined && urls === undefined) return undefined;
  // A plain JSON object with only the known fields, of the right types, in order: no copy needed.
  if (inOrder && Object.getPrototypeOf(value) === Object.prototype) return value as InvalidationMessage;
  const message: { -readonly [K in keyof InvalidationMessage]: InvalidationMessage[K] } = {};
  if (distributionId !== undefined) message.distributionId = distributionId;
  if (paths !== undefined) message.paths = paths;
  if (urls !== undefined) message.urls = urls;
  if (source !== undefined) message.source = source;
  if (reason !== undefined) message.reason = reason;
  return message;
}

function isNonEmptyStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}
