import type { InvalidatorConfig } from '../lambda/config.ts';
import { parseJsonBody } from '../lambda/read/message.ts';
import { encodeObjectKey, parseS3Body, S3_EVENT_SOURCE } from '../lambda/read/s3-events.ts';
import { bucketRouterOf, resolveS3Body } from '../lambda/resolve/bucket-keys.ts';
import { pathsByDistribution } from '../lambda/resolve/targets.ts';

/**
 * S3 events as local mode produces them (`cfiq send --s3-key`, the demo's sync burst, tests): the shape S3 sends
 * (S3 User Guide, "Event message structure", version 2.1), keys URL-encoded as S3 writes them.
 */

/** The event of `cfiq send --s3-key` unless `--s3-event` says otherwise: an object uploaded. */
export const DEFAULT_S3_EVENT = 'ObjectCreated:Put';

/**
 * An S3 event notification of changes to `keys` of `bucket`, one record per key (S3 itself sends one a message).
 *
 * @example
 * s3Notification('example-site', ['blog/index.html']); // { Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', ... }] }
 * @param keys - the object keys, as stored (encoded here)
 * @param eventName - as S3 names it, without "s3:": `ObjectCreated:Put`, `ObjectRemoved:Delete`, ...
 */
export function s3Notification(bucket: string, keys: readonly string[], eventName = DEFAULT_S3_EVENT, now = new Date()): { Records: object[] } {
  return {
    Records: keys.map((key, index) => ({
      eventVersion: '2.1',
      eventSource: S3_EVENT_SOURCE,
      awsRegion: 'us-east-1',
      eventTime: now.toISOString(),
      eventName,
      userIdentity: { principalId: 'AWS:AIDACFIQLOCALEXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'CFIQLOCAL', 'x-amz-id-2': 'cfiq-local' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'cfiq',
        bucket: { name: bucket, ownerIdentity: { principalId: 'CFIQLOCAL' }, arn: `arn:aws:s3:::${bucket}` },
        object: { key: encodeObjectKey(key), sequencer: (now.getTime() * 1000 + index).toString(16).toUpperCase() },
      },
    })),
  };
}

/**
 * What an S3 body asks of each distribution under `config`, with the handler's own code: paths by distribution, and
 * how many records it ignores.
 *
 * @throws {InvalidMessageError} as the handler would dead-letter the body
 */
export function s3BodyPaths(body: string, config: Pick<InvalidatorConfig, 'buckets'>): { byDistribution: Map<string, Set<string>>; ignored: number } {
  const s3Body = parseS3Body(parseJsonBody(body));
  if (s3Body === undefined) throw new TypeError('not an S3 event body');
  const { targets, ignored } = resolveS3Body(s3Body, bucketRouterOf(config));
  return { byDistribution: pathsByDistribution(targets), ignored };
}
