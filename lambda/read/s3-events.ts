import { InvalidMessageError, displayValue, type MessageErrorCode } from '../errors.ts';

/**
 * S3 events as SQS message bodies, as AWS documents them (S3 User Guide, "Event message structure" and "EventBridge
 * event message structure"):
 * - an event notification S3 sends to the queue itself: `{"Records": [...]}`, records of `eventSource` "aws:s3",
 *   `eventVersion` 2.x, object keys URL-encoded with "+" for a space;
 * - the test message S3 sends once a notification is configured: `{"Service": "Amazon S3", "Event": "s3:TestEvent"}`;
 * - an S3 event an EventBridge rule delivers: `source` "aws.s3", `detail.bucket.name`, `detail.object.key`. AWS does
 *   not say how that key is written; it is read as URL-encoded too (see docs/message-contract.md, "S3 events").
 */

/** The notification's `eventSource`, and EventBridge's `source`, of S3 events. */
export const S3_EVENT_SOURCE = 'aws:s3';
export const S3_EVENTBRIDGE_SOURCE = 'aws.s3';
/** The `Event` of the message S3 sends when a notification is configured. */
export const S3_TEST_EVENT = 's3:TestEvent';

/**
 * Event name prefixes (notifications, without "s3:") of the changes that change what an object's URL serves:
 * created or overwritten (Put, Post, Copy, CompleteMultipartUpload), deleted, or expired by a lifecycle rule.
 * Restores, replication, tagging, ACL and storage class events serve the same bytes: ignored.
 */
const CONTENT_EVENT_PREFIXES = ['ObjectCreated:', 'ObjectRemoved:', 'LifecycleExpiration:'] as const;
/** The EventBridge detail-types that change what an object's URL serves. */
const CONTENT_DETAIL_TYPES: ReadonlySet<string> = new Set(['Object Created', 'Object Deleted']);

/** An S3 body: the test message, or records of object changes. */
export type S3Body =
  | { readonly kind: 'test'; readonly bucket?: string }
  | { readonly kind: 'changes'; readonly source: typeof S3_EVENT_SOURCE | typeof S3_EVENTBRIDGE_SOURCE; readonly records: readonly S3Record[] };

/** One record of an S3 body: an object change, or why it cannot be read. */
export type S3Record = ObjectChange | RejectedRecord;

/** A change to one object. */
export interface ObjectChange {
  /** Where in the body the record is, for messages: `Records[2]`, or `detail` (EventBridge). */
  readonly where: string;
  readonly bucket: string;
  /** The object key, decoded. */
  readonly key: string;
  /** The event as S3 names it: `ObjectCreated:Put`, or EventBridge's detail-type `Object Created`. */
  readonly event: string;
  /** Whether the event changes what the object's URL serves; the others are acknowledged and counted. */
  readonly changesContent: boolean;
}

/** A record that cannot be read, with the code and the message it is reported with. */
export interface RejectedRecord {
  readonly where: string;
  readonly rejected: { readonly code: MessageErrorCode; readonly message: string };
}

/**
 * Read a body's JSON value as an S3 body, or undefined when it is none (a v1 message, or another EventBridge event).
 * A body is an S3 body when it has `Records`, is S3's test message, or is an EventBridge event from `aws.s3`; a
 * record that cannot be read is returned as a RejectedRecord, so that the other records of its body still count.
 *
 * @example
 * parseS3Body({ Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put',
 *   s3: { bucket: { name: 'example-site' }, object: { key: 'blog/caf%C3%A9+menu.html' } } }] });
 * // { kind: 'changes', source: 'aws:s3', records: [{ where: 'Records[0]', bucket: 'example-site',
 * //   key: 'blog/café menu.html', event: 'ObjectCreated:Put', changesContent: true }] }
 * @throws {InvalidMessageError} `InvalidMessage` when the body itself is malformed: `Records` not a non-empty array,
 * an S3 notification without `Records`, an S3 EventBridge event without a `detail` object
 */
export function parseS3Body(value: unknown): S3Body | undefined {
  if (!isObject(value)) return undefined;
  if ('Records' in value) return { kind: 'changes', source: S3_EVENT_SOURCE, records: notificationRecords(value.Records) };
  if (value.Event === S3_TEST_EVENT) return typeof value.Bucket === 'string' ? { kind: 'test', bucket: value.Bucket } : { kind: 'test' };
  if (value.source === S3_EVENTBRIDGE_SOURCE && 'detail-type' in value) {
    return { kind: 'changes', source: S3_EVENTBRIDGE_SOURCE, records: [eventBridgeRecord(value['detail-type'], value.detail)] };
  }
  if (value.Service === 'Amazon S3' || value.eventSource === S3_EVENT_SOURCE || 's3' in value) {
    throw new InvalidMessageError(
      'InvalidMessage',
      'S3 event notification without "Records": S3 sends {"Records": [...]} (an unwrapped record, or a message of S3 other than s3:TestEvent?)',
    );
  }
  return undefined;
}

function notificationRecords(records: unknown): S3Record[] {
  if (!Array.isArray(records) || records.length === 0) {
    throw new InvalidMessageError('InvalidMessage', `S3 event notification: "Records" must be a non-empty array (given ${kindOf(records)})`);
  }
  const read: S3Record[] = new Array(records.length);
  for (let index = 0; index < records.length; index++) read[index] = notificationRecord(records[index], `Records[${index}]`);
  return read;
}

function notificationRecord(record: unknown, where: string): S3Record {
  if (!isObject(record)) return rejected(where, `must be an object (given ${kindOf(record)})`);
  const { eventSource, eventVersion, eventName, s3 } = record;
  if (eventSource !== S3_EVENT_SOURCE) return rejected(where, `eventSource must be "${S3_EVENT_SOURCE}" (given ${shown(eventSource)})`);
  // S3 bumps the major version only for changes that are not backward compatible: read 2.x, whatever its minor.
  if (typeof eventVersion !== 'string' || !/^2\.\d+$/.test(eventVersion)) return rejected(where, `eventVersion must be 2.x (given ${shown(eventVersion)})`);
  if (typeof eventName !== 'string' || eventName === '') return rejected(where, `eventName must be a non-empty string (given ${shown(eventName)})`);
  const bucket = isObject(s3) && isObject(s3.bucket) ? s3.bucket.name : undefined;
  const key = isObject(s3) && isObject(s3.object) ? s3.object.key : undefined;
  return objectChange(where, `${where}.s3`, bucket, key, eventName, CONTENT_EVENT_PREFIXES.some((prefix) => eventName.startsWith(prefix)));
}

function eventBridgeRecord(detailType: unknown, detail: unknown): S3Record {
  if (typeof detailType !== 'string') {
    throw new InvalidMessageError('InvalidMessage', `S3 EventBridge event: "detail-type" must be a string (given ${kindOf(detailType)})`);
  }
  if (!isObject(detail)) throw new InvalidMessageError('InvalidMessage', `S3 EventBridge event: "detail" must be an object (given ${kindOf(detail)})`);
  const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
  const key = isObject(detail.object) ? detail.object.key : undefined;
  return objectChange('detail', 'detail', bucket, key, detailType, CONTENT_DETAIL_TYPES.has(detailType));
}

function objectChange(where: string, field: string, bucket: unknown, key: unknown, event: string, changesContent: boolean): S3Record {
  if (typeof bucket !== 'string' || bucket === '') return rejected(where, `${field}.bucket.name must be a non-empty string (given ${shown(bucket)})`, field);
  if (typeof key !== 'string' || key === '') return rejected(where, `${field}.object.key must be a non-empty string (given ${shown(key)})`, field);
  const decoded = decodeObjectKey(key);
  if (decoded === undefined) return rejected(where, `${field}.object.key ${displayValue(key)} is not URL-encoded UTF-8`, field);
  return { where, bucket, key: decoded, event, changesContent };
}

/** A record rejected as `InvalidMessage`; `message` names the field (with its own prefix when given). */
function rejected(where: string, message: string, field?: string): RejectedRecord {
  return { where, rejected: { code: 'InvalidMessage', message: field === undefined ? `${where}: ${message}` : message } };
}

/**
 * An object key as S3 event notifications write it, decoded: "+" is a space, `%XX` escapes are UTF-8 bytes.
 *
 * @example
 * decodeObjectKey('images/caf%C3%A9+menu.png'); // 'images/café menu.png'
 * decodeObjectKey('a%2Bb'); // 'a+b'
 * @returns the key, or undefined when an escape is malformed or its bytes are not UTF-8
 */
export function decodeObjectKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** Characters an encoded key keeps as they are: Java's URLEncoder's (`A-Za-z0-9.-*_`), and "/" between prefixes. */
const KEPT_IN_KEYS = /^[A-Za-z0-9.\-*_/]$/;

/**
 * An object key written as S3 event notifications write it: a space as "+", "/" as is, and every character but
 * `A-Za-z0-9.-*_` as its UTF-8 bytes in `%XX`. Also how a notification's prefix filter must be written (S3 compares
 * it with the encoded key). decodeObjectKey reads back every key this writes.
 *
 * @example
 * encodeObjectKey('images/café menu.png'); // 'images/caf%C3%A9+menu.png'
 * @throws {URIError} for a lone UTF-16 surrogate, which has no UTF-8 form (S3 keys are UTF-8)
 */
export function encodeObjectKey(key: string): string {
  let encoded = '';
  for (const char of key) {
    if (char === ' ') encoded += '+';
    else if (KEPT_IN_KEYS.test(char)) encoded += char;
    else encoded += encodeURIComponent(char).replace(/[!'()~]/g, (kept) => `%${kept.charCodeAt(0).toString(16).toUpperCase()}`);
  }
  return encoded;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value for an error message: a string, quoted and shortened; anything else named by its kind. */
function shown(value: unknown): string {
  return typeof value === 'string' ? displayValue(value) : kindOf(value);
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'none';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
