import { MAX_SQS_MESSAGE_BYTES } from '../../lambda/limits.ts';
import { DEFAULT_S3_EVENT, s3BodyPaths, s3Notification } from '../s3-events.ts';
import { findInvalidatorSettings } from '../settings.ts';
import { InputError, UsageError, EXIT_CODES } from './errors.ts';
import { checkedAsInput, describePaths, printDryRun, sendBody, type CheckedBody } from './send-common.ts';
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

  if (flags['dry-run']) return printDryRun(io, body, message, checked, flags.json);
  try {
    const { messageId, queueUrl } = await sendBody(targets, io, body);
    if (flags.quiet) io.out(messageId);
    else if (flags.json) io.out(JSON.stringify({ messageId, queueUrl, message, distributions: checked.byDistribution }, null, 2));
    else io.out(`Sent S3 event notification ${messageId} to ${queueUrl}: ${checked.description}.`);
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
): CheckedBody {
  return checkedAsInput('S3 event', () => {
    const settings = findInvalidatorSettings(configFile, cwd);
    if (settings === undefined) return { description: `${keys.length} key(s) of ${bucket} (no configuration found: buckets not checked)` };
    const { byDistribution: resolved, ignored } = s3BodyPaths(body, settings.config);
    const { byDistribution, parts } = describePaths(resolved);
    if (ignored > 0) parts.push(`${ignored} key(s) ignored (outside keyPrefix, or "folder" keys)`);
    return { byDistribution, description: parts.join(', ') || 'nothing to invalidate' };
  });
}
