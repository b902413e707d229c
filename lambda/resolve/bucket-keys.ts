import type { BucketConfig, InvalidatorConfig } from '../config.ts';
import { InvalidMessageError, displayValue, type MessageErrorCode } from '../errors.ts';
import type { ObjectChange, S3Body } from '../read/s3-events.ts';
import type { MessageNotes, Target, TargetSource } from '../types.ts';
import { normalizePath } from './paths.ts';
import { plainTargets } from './targets.ts';

/**
 * From S3 object changes to invalidation paths: which configured bucket sources a change goes to, and the paths of
 * its key. The configuration's `buckets` (lambda/config.ts) says, per bucket, which distribution (or distribution tenant), which keys
 * (`keyPrefix`), under which path (`pathPrefix`) and the index document.
 */

/** Bad records of one body listed in full in its dead-letter reason; the rest are counted. */
const MAX_REJECTED_SHOWN = 5;
/** Characters of a key kept in a message's `reason` (logs, remainders). */
const MAX_KEY_IN_REASON = 200;

/**
 * Is `value` a valid `pathPrefix`: an invalidation path starting and ending with "/", without the wildcard `*` or a
 * query?
 */
export function isPathPrefix(value: string): boolean {
  if (!value.startsWith('/') || !value.endsWith('/') || value.includes('*') || value.includes('?')) return false;
  try {
    normalizePath(value);
    return true;
  } catch {
    return false;
  }
}

/** The configured bucket sources, by bucket name, in configuration order. */
export class BucketRouter {
  readonly #byName = new Map<string, BucketConfig[]>();

  public constructor(buckets: readonly BucketConfig[] = []) {
    for (const bucket of buckets) {
      const sources = this.#byName.get(bucket.name);
      if (sources === undefined) this.#byName.set(bucket.name, [bucket]);
      else sources.push(bucket);
    }
  }

  /** The sources of a bucket, or undefined when the bucket is not configured. */
  public sources(name: string): readonly BucketConfig[] | undefined {
    return this.#byName.get(name);
  }

  /** The configured bucket names, each once. */
  public get names(): readonly string[] {
    return [...this.#byName.keys()];
  }
}

/**
 * The target a bucket source's paths are invalidated on: its distribution, or its distribution tenant, a target
 * keyed by its `dt_` id as the configured tenants are (the schema requires exactly one of them).
 */
export function bucketTargetId(bucket: Pick<BucketConfig, 'distributionId' | 'tenantId'>): string {
  const id = bucket.tenantId ?? bucket.distributionId;
  if (id === undefined) throw new TypeError('a bucket source names neither distributionId nor tenantId');
  return id;
}

const routers = new WeakMap<object, BucketRouter>();

/** The BucketRouter of a configuration, built once per configuration object (the handler's lives as long as its container). */
export function bucketRouterOf(config: Pick<InvalidatorConfig, 'buckets'>): BucketRouter {
  let router = routers.get(config);
  if (router === undefined) routers.set(config, (router = new BucketRouter(config.buckets)));
  return router;
}

/**
 * The invalidation paths of an object key for one bucket source: `pathPrefix` and the key without `keyPrefix`,
 * encoded by the path rules (normalizePath), and with `indexDocument` the directory's path too. A key outside
 * `keyPrefix`, or a "folder" key (ending in "/"), has none. In a key, "%" and "?" are characters of the name, so they
 * are encoded (`%25`, `%3F`); a `*` is not (it is the wildcard): the path is cut after the first `*`, a wildcard
 * covering the object (and more).
 *
 * @example
 * objectKeyPaths('public/blog/index.html', { keyPrefix: 'public/', pathPrefix: '/', indexDocument: 'index.html' });
 * // ['/blog/index.html', '/blog/']
 * objectKeyPaths('images/café menu.png', { keyPrefix: '', pathPrefix: '/' }); // ['/images/caf%C3%A9%20menu.png']
 * @param key - the object key, decoded
 * @returns the paths, or undefined when the source ignores the key
 * @throws {InvalidPathError} when a path breaks a path rule (a control character, more than 4,000 characters)
 */
export function objectKeyPaths(key: string, source: Pick<BucketConfig, 'keyPrefix' | 'pathPrefix' | 'indexDocument'>): string[] | undefined {
  if (!key.startsWith(source.keyPrefix)) return undefined;
  const name = key.slice(source.keyPrefix.length);
  if (name === '' || name.endsWith('/')) return undefined;
  const paths = [keyPath(source.pathPrefix, name)];
  const { indexDocument } = source;
  if (indexDocument !== undefined && (name === indexDocument || name.endsWith(`/${indexDocument}`))) {
    paths.push(keyPath(source.pathPrefix, name.slice(0, name.length - indexDocument.length)));
  }
  return paths;
}

function keyPath(pathPrefix: string, name: string): string {
  let raw = name.replace(/[%?]/g, (char) => (char === '%' ? '%25' : '%3F'));
  const star = raw.indexOf('*');
  if (star !== -1) raw = raw.slice(0, star + 1);
  return normalizePath(pathPrefix + raw);
}

/** A record of an S3 body that could not be read or routed. */
export interface RejectedS3Record {
  /** `Records[2]`, or `detail` (EventBridge). */
  readonly where: string;
  readonly code: MessageErrorCode;
  readonly message: string;
}

/** What an S3 body asks for. */
export interface S3BodyTargets<T extends Target> {
  /** Each (distribution, path) once. */
  readonly targets: readonly T[];
  /** Records acknowledged without an invalidation: outside every `keyPrefix`, "folder" keys, events that change no content. */
  readonly ignored: number;
  /** Bad records of a body that has targets from its other records (a body with none is dead-lettered instead). */
  readonly rejected: readonly RejectedS3Record[];
  /** Whether the body is S3's `s3:TestEvent` message. */
  readonly testEvent: boolean;
  /** For logs and remainders: `source` "aws:s3" (a notification) or "aws.s3" (EventBridge), and what changed. */
  readonly notes: MessageNotes;
}

/**
 * The targets of an S3 body: every content change of a configured bucket, for each of the bucket's sources whose
 * `keyPrefix` holds its key. The test message and ignored records have none. A body whose records give no target but
 * include a bad one is dead-lettered (whole, unchanged); the bad records of a body that also has targets are
 * returned in `rejected`, and the body is invalidated: a sync's valid keys are not held back by a bad one.
 *
 * @example
 * resolveS3Body(parseS3Body(JSON.parse(body))!, bucketRouterOf(config));
 * // { targets: [{ distributionId: 'EDFDVBD6EXAMPLE', path: '/blog/index.html' }, ...], ignored: 0, rejected: [], ... }
 * @param source - where the targets come from: new objects by default, or a batch's shared ones (BatchTargets)
 * @throws {InvalidMessageError} when no record gives a target and one is bad: the code of the first bad record
 * (`UnknownBucket`, `InvalidPath`, `InvalidMessage`), a message naming each
 */
export function resolveS3Body(body: S3Body, buckets: BucketRouter): S3BodyTargets<Target>;
export function resolveS3Body<T extends Target>(body: S3Body, buckets: BucketRouter, source: TargetSource<T>): S3BodyTargets<T>;
export function resolveS3Body(body: S3Body, buckets: BucketRouter, source: TargetSource<Target> = plainTargets): S3BodyTargets<Target> {
  if (body.kind === 'test') return { targets: [], ignored: 0, rejected: [], testEvent: true, notes: { source: 'aws:s3', reason: 's3:TestEvent' } };
  const targets: Target[] = [];
  const rejected: RejectedS3Record[] = [];
  const changes: ObjectChange[] = [];
  let ignored = 0;
  for (const record of body.records) {
    if ('rejected' in record) {
      rejected.push({ where: record.where, ...record.rejected });
      continue;
    }
    if (!record.changesContent) {
      ignored++;
      continue;
    }
    const sources = buckets.sources(record.bucket);
    if (sources === undefined) {
      rejected.push({ where: record.where, code: 'UnknownBucket', message: unknownBucket(record, buckets) });
      continue;
    }
    const before = targets.length;
    try {
      for (const bucket of sources) {
        const paths = objectKeyPaths(record.key, bucket);
        if (paths !== undefined) for (const path of paths) targets.push(source.pathTarget(bucketTargetId(bucket), path));
      }
    } catch (error) {
      if (!(error instanceof InvalidMessageError)) throw error;
      targets.length = before;
      rejected.push({ where: record.where, code: error.code, message: `${record.where}: key ${displayValue(record.key)}: ${error.message}` });
      continue;
    }
    if (targets.length === before) ignored++;
    else changes.push(record);
  }
  if (targets.length === 0 && rejected.length > 0) throw new InvalidMessageError(rejected[0]!.code, describeRejected(rejected));
  return { targets: source.distinct(targets), ignored, rejected, testEvent: false, notes: { source: body.source, reason: describeChanges(changes) } };
}

function unknownBucket(change: ObjectChange, buckets: BucketRouter): string {
  const configured = buckets.names.length === 0 ? 'no bucket is configured' : `configured: ${buckets.names.join(', ')}`;
  return `${change.where}: bucket ${displayValue(change.bucket)} is not a configured bucket (${configured})`;
}

/** The reason a body none of whose records gave a target is dead-lettered with. */
function describeRejected(rejected: readonly RejectedS3Record[]): string {
  if (rejected.length === 1) return rejected[0]!.message;
  const shown = rejected.slice(0, MAX_REJECTED_SHOWN).map((record) => `${record.message} (${record.code})`);
  const more = rejected.length > MAX_REJECTED_SHOWN ? `; and ${rejected.length - MAX_REJECTED_SHOWN} more` : '';
  return `${rejected.length} records rejected: ${shown.join('; ')}${more}`;
}

/** What changed, in a few words: the one object, or how many in which buckets. */
function describeChanges(changes: readonly ObjectChange[]): string {
  if (changes.length === 0) return 'no object change to invalidate';
  if (changes.length === 1) {
    const { event, bucket, key } = changes[0]!;
    const shownKey = key.length > MAX_KEY_IN_REASON ? `${key.slice(0, MAX_KEY_IN_REASON)}…` : key;
    return `${event} s3://${bucket}/${shownKey}`;
  }
  const buckets = [...new Set(changes.map((change) => change.bucket))];
  return `${changes.length} object changes in ${buckets.map((bucket) => `s3://${bucket}`).join(', ')}`;
}
