import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ConfigurationError, InvalidMessageError } from '../../lambda/errors.ts';
import { MAX_SQS_MESSAGE_BYTES } from '../../lambda/limits.ts';
import { DEFAULT_S3_EVENT, s3BodyPaths, s3Notification } from '../s3-events.ts';
import { findInvalidatorSettings } from '../settings.ts';
import { InputError, UsageError, EXIT_CODES, awsCall } from './errors.ts';
import type { CliIo } from './io.ts';
import { Targets, type TargetFlags } from './targets.ts';

/** `cfiq send`'s flags for an S3 event notification instead of a message. */
export const S3_SEND_OPTIONS = {
  's3-key': { type: 'string', multiple: true },
  bucket: { type: 'string' },
  's3-event': { type: 'string' },
} as const;

export const S3_SEND_OPTIONS_HELP = `An S3 event notification instead (as S3 sends one when a notification is configured on the bucket):
  --s3-key KEY          an object key, as stored (repeat for several records in one notification)
  --bucket NAME         the bucket the keys are in (one of the configuration's "buckets")
  --s3-event NAME       the event, as S3 names it   [default: ${DEFAULT_S3_EVENT}; e.g. ObjectRemoved:Delete]`;

interface S3SendFlags extends TargetFlags {
  readonly 's3-key'?: string[];
  readonly bucket?: string;
  readonly 's3-event'?: string;
  readonly config?: string;
  readonly 'dry-run'?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/**
 * `cfiq send --s3-key KEY --bucket NAME`: one S3 event notification, checked with the handler's own code (and the
 * configured buckets, when known), then sent.
 */
export async function sendS3Notification(flags: S3SendFlags, positionals: readonly string[], io: CliIo): Promise<number> {
  const keys = flags['s3-key'] ?? [];
  if (positionals.length > 0) throw new UsageError(`--s3-key sends an S3 event notification: give no PATH or URL with it (given ${JSON.stringify(positionals[0])})`);
  if (flags.bucket === undefined) throw new UsageError('--s3-key needs --bucket NAME');
  for (const key of keys) {
    if (key === '' || !key.isWellFormed()) throw new InputError(`--s3-key must be a non-empty object key of well-formed text (given ${JSON.stringify(key)})`);
  }
  const event = (flags['s3-event'] ?? DEFAULT_S3_EVENT).replace(/^s3:/, '');
  if (!/^[A-Za-z]+:[A-Za-z]+$/.test(event)) throw new UsageError(`--s3-event must be an S3 event name such as ObjectRemoved:Delete (given ${JSON.stringify(flags['s3-event'])})`);
  const targets = new Targets(flags, io, { quiet: flags.json === true || flags.quiet === true });
  const message = s3Notification(flags.bucket, keys, event);
  const body = JSON.stringify(message);
  if (Buffer.byteLength(body) > MAX_SQS_MESSAGE_BYTES) {
    throw new InputError(`the notification is ${Buffer.byteLength(body)} bytes, above SQS's ${MAX_SQS_MESSAGE_BYTES}: send the keys in several`);
  }
  const checked = checkS3Notification(body, flags.bucket, keys, flags.config, io.cwd);

  if (flags['dry-run']) {
    if (flags.json) io.out(JSON.stringify({ message, distributions: checked.byDistribution }, null, 2));
    else {
      io.out(body);
      io.out(`Checked ${checked.description}; not sent (--dry-run).`);
    }
    return EXIT_CODES.ok;
  }
  try {
    const queueUrl = await targets.queueUrl();
    const output = await awsCall('SendMessage', () =>
      targets.sqs(queueUrl).send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }), { abortSignal: io.signal }),
    );
    if (flags.quiet) io.out(output.MessageId ?? '');
    else if (flags.json) io.out(JSON.stringify({ messageId: output.MessageId, queueUrl, message, distributions: checked.byDistribution }, null, 2));
    else io.out(`Sent S3 event notification ${output.MessageId} to ${queueUrl}: ${checked.description}.`);
    return EXIT_CODES.ok;
  } finally {
    targets.destroy();
  }
}

/**
 * Check a notification as the handler will: with the configured buckets when a configuration is found.
 *
 * @throws {InputError} with the handler's own message (a bucket not configured, a key that gives no valid path)
 */
function checkS3Notification(
  body: string,
  bucket: string,
  keys: readonly string[],
  configFile: string | undefined,
  cwd: string,
): { byDistribution?: Record<string, string[]>; description: string } {
  try {
    const settings = findInvalidatorSettings(configFile, cwd);
    if (settings === undefined) return { description: `${keys.length} key(s) of ${bucket} (no configuration found: buckets not checked)` };
    const { byDistribution, ignored } = s3BodyPaths(body, settings.config);
    const paths = Object.fromEntries([...byDistribution].map(([id, set]) => [id, [...set]]));
    const described = Object.entries(paths).map(([id, list]) => `${list.length} path(s) for ${id}`);
    if (ignored > 0) described.push(`${ignored} key(s) ignored (outside keyPrefix, or "folder" keys)`);
    return { byDistribution: paths, description: described.join(', ') || 'nothing to invalidate' };
  } catch (error) {
    if (error instanceof InvalidMessageError) throw new InputError(`invalid S3 event (${error.code}): ${error.message}`, { cause: error });
    if (error instanceof ConfigurationError) throw new InputError(error.message, { cause: error });
    throw error;
  }
}
