import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { redactCredentials } from '../../lambda/errors.ts';
import { redactUnparsedUrl } from '../../lambda/resolve/paths.ts';
import { MAX_SQS_BATCH_ENTRIES } from '../../lambda/limits.ts';
import { changeVisibilityTimeouts, describeFailures } from '../../lambda/settle/sqs-batches.ts';
import { DEAD_LETTER_ATTRIBUTES } from '../../lambda/settle/sqs.ts';
import { previewJson } from '../../lambda/read/issue-format.ts';
import { QUEUE_OPTIONS, QUEUE_OPTIONS_HELP, integerFlag, parseCommandLine } from './args.ts';
import { EXIT_CODES, awsCall } from './errors.ts';
import type { CliIo } from './io.ts';
import { formatTable, isoSeconds, truncate } from './table.ts';
import { Targets } from './targets.ts';

export const DLQ_LIST_HELP = `Usage: cfiq dlq list [options]

List the messages in the dead-letter queue with the reason each was dead-lettered, without consuming them:
messages are received with a short visibility timeout and made visible again (visibility 0) when the listing
ends, even on Ctrl-C. While it runs (seconds), other consumers of the dead-letter queue don't see them, and each
listing adds one to the messages' receive count.

Entries with the same SourceMessageId are copies of one message (dead-lettered again after a crash: SQS
delivers at least once) and are listed once, marked (xN) with their number of copies.

URL credentials (user:password@) are redacted in the table and in the JSON's paths, urls, distributionId and
errorMessage. The JSON's body is the message body exactly as sent, NOT redacted: it may hold the password a
message was rejected for. Mind where you save or paste it.

  --max N               read at most N entries (each copy counts)  [default: 100]
  --json                print JSON: one object per message with its body (raw), paths, urls and reason, its
                        number of copies and their message ids
${QUEUE_OPTIONS_HELP}

Exit codes: 0 listed (also when empty), 2 usage, 3 AWS error.`;

/** How long listed messages stay hidden at most, should the visibility reset at the end not happen. */
export const LIST_VISIBILITY_TIMEOUT_SECONDS = 60;
const DEFAULT_MAX = 100;

const OPTIONS = { ...QUEUE_OPTIONS, max: { type: 'string' }, json: { type: 'boolean' } } as const;

/** A dead-lettered message as the CLI shows it. */
export interface DeadLetteredMessage {
  readonly messageId: string;
  /** The id the message had on the invalidation queue (the handler's `SourceMessageId` attribute). */
  readonly sourceMessageId?: string;
  readonly sentAt?: string;
  readonly receiveCount?: number;
  readonly errorCode?: string;
  /** Redacted again for display: an entry dead-lettered by an older handler may carry a password in it. */
  readonly errorMessage?: string;
  /** From the body, for display: URL credentials redacted (`shownUrl`). */
  readonly distributionId?: string;
  /** From the body, for display: URL credentials redacted in paths shaped like a URL (`shownPath`). */
  readonly paths: readonly string[];
  /** From the body, for display: URL credentials redacted (`shownUrl`). */
  readonly urls: readonly string[];
  /** The body exactly as sent, not redacted. */
  readonly body: string;
}

/** A message as `cfiq dlq list` shows it: the first of its copies (same `SourceMessageId`), and how many there are. */
export interface ListedMessage extends DeadLetteredMessage {
  /** How many dead-letter entries are copies of this message (1 when it has no duplicate). */
  readonly copies: number;
  /** The dead-letter message ids of all copies, the first sent first; `messageId` is the first of them. */
  readonly messageIds: readonly string[];
}

/** `cfiq dlq list`. */
export async function dlqListCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(argv, OPTIONS, false);
  if (values.help) {
    io.out(DLQ_LIST_HELP);
    return EXIT_CODES.ok;
  }
  const max = integerFlag('max', values.max, DEFAULT_MAX, 1, 100_000);
  const targets = new Targets(values, io);
  try {
    const queueUrl = await targets.deadLetterQueueUrl();
    const messages = await peekMessages(targets.sqs(queueUrl), queueUrl, max, io);
    const entries = messages.map(describeMessage).sort((a, b) => (a.sentAt ?? '').localeCompare(b.sentAt ?? ''));
    const listed = groupCopies(entries);
    if (values.json) {
      io.out(JSON.stringify(listed, null, 2));
      return EXIT_CODES.ok;
    }
    if (listed.length === 0) {
      io.out(`The dead-letter queue is empty (${queueUrl}).`);
      return EXIT_CODES.ok;
    }
    const rows = listed.map((m) => [
      m.copies > 1 ? `${m.messageId} (x${m.copies})` : m.messageId,
      m.sentAt ?? '-',
      m.errorCode ?? '-',
      truncate(m.errorMessage ?? '-', 70),
      truncate(summarizeTargets(m), 60),
    ]);
    for (const line of formatTable(['MESSAGE ID', 'SENT', 'ERROR CODE', 'ERROR MESSAGE', 'PATHS/URLS'], rows)) io.out(line);
    const copies = entries.length > listed.length ? ` from ${entries.length} entries (copies with the same SourceMessageId count once)` : '';
    io.out(`${listed.length} message(s)${copies}${entries.length >= max ? ` (the first ${max}; more may be there: --max)` : ''} in ${queueUrl}`);
    if (io.signal.aborted) {
      io.err('Interrupted: the listing may be incomplete.');
      return EXIT_CODES.interrupted;
    }
    return EXIT_CODES.ok;
  } finally {
    targets.destroy();
  }
}

/**
 * Receive up to `max` distinct messages without consuming them: each receive hides them for a short while, and all
 * of them are made visible again at the end (also when interrupted or failing).
 *
 * @throws {AwsCallError} when a receive fails (after the visibility reset)
 */
export async function peekMessages(sqs: SQSClient, queueUrl: string, max: number, io: Pick<CliIo, 'err' | 'signal'>): Promise<Message[]> {
  const seen = new Map<string, Message>();
  const receiptHandles: string[] = [];
  try {
    while (seen.size < max && !io.signal.aborted) {
      const output = await awsCall('ReceiveMessage', () =>
        sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(MAX_SQS_BATCH_ENTRIES, max - seen.size),
            VisibilityTimeout: LIST_VISIBILITY_TIMEOUT_SECONDS,
            // A short wait asks every SQS server, so an empty answer means empty (a short poll samples a few).
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
            MessageAttributeNames: ['All'],
          }),
        ),
      );
      const messages = output.Messages ?? [];
      let fresh = 0;
      for (const message of messages) {
        if (message.ReceiptHandle !== undefined) receiptHandles.push(message.ReceiptHandle);
        if (message.MessageId !== undefined && !seen.has(message.MessageId)) {
          seen.set(message.MessageId, message);
          fresh++;
        }
      }
      if (fresh === 0) break;
    }
  } finally {
    await releaseMessages(sqs, queueUrl, receiptHandles, io);
  }
  return [...seen.values()].slice(0, max);
}

/** Make received messages visible again at once; reports (does not throw) those that could not be. */
async function releaseMessages(sqs: SQSClient, queueUrl: string, receiptHandles: readonly string[], io: Pick<CliIo, 'err'>): Promise<void> {
  const entries = receiptHandles.map((receiptHandle) => ({ receiptHandle, visibilityTimeoutSeconds: 0 }));
  const failures = await changeVisibilityTimeouts(sqs, queueUrl, entries);
  if (failures.length > 0) {
    io.err(`warning: ${describeFailures(failures)} could not be made visible again; they reappear within ${LIST_VISIBILITY_TIMEOUT_SECONDS} s`);
  }
}

/**
 * One entry per message: entries with the same `SourceMessageId` are copies of one message (the handler dead-lettered
 * it again after an invocation died before the delete); entries without it stay apart, keyed by their own id. Each
 * message is shown by the first of its copies in `entries`' order, and keeps that place.
 */
export function groupCopies(entries: readonly DeadLetteredMessage[]): ListedMessage[] {
  const groups = new Map<string, { first: DeadLetteredMessage; messageIds: string[] }>();
  for (const entry of entries) {
    // Two key spaces, so that no message id can pass for a source id.
    const key = entry.sourceMessageId ? `source:${entry.sourceMessageId}` : `entry:${entry.messageId}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { first: entry, messageIds: [entry.messageId] });
    else group.messageIds.push(entry.messageId);
  }
  return [...groups.values()].map(({ first, messageIds }) => ({ ...first, copies: messageIds.length, messageIds }));
}

/** The reason, the source id and the paths/URLs of a dead-lettered message (the body read leniently: it may be bad). */
export function describeMessage(message: Message): DeadLetteredMessage {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const body = message.Body ?? '';
  const sent = Number(message.Attributes?.SentTimestamp);
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
  const content = readBody(body);
  const sourceMessageId = attribute(DEAD_LETTER_ATTRIBUTES.sourceMessageId);
  const errorCode = attribute(DEAD_LETTER_ATTRIBUTES.code);
  const errorMessage = attribute(DEAD_LETTER_ATTRIBUTES.message);
  return {
    messageId: message.MessageId ?? '',
    ...(sourceMessageId !== undefined ? { sourceMessageId } : {}),
    ...(Number.isFinite(sent) ? { sentAt: isoSeconds(new Date(sent)) } : {}),
    ...(Number.isFinite(receiveCount) ? { receiveCount } : {}),
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(errorMessage !== undefined ? { errorMessage: redactCredentials(errorMessage) } : {}),
    ...(content.distributionId !== undefined ? { distributionId: content.distributionId } : {}),
    paths: content.paths,
    urls: content.urls,
    body,
  };
}

function readBody(body: string): { distributionId?: string; paths: string[]; urls: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { paths: [], urls: [] };
  }
  if (typeof value === 'object' && value !== null && 'detail-type' in value && 'detail' in value) value = value.detail;
  if (typeof value !== 'object' || value === null) return { paths: [], urls: [] };
  const { distributionId, paths, urls } = value as Record<string, unknown>;
  const strings = (list: unknown) => (Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : []);
  return {
    ...(typeof distributionId === 'string' ? { distributionId: shownUrl(distributionId) } : {}),
    paths: strings(paths).map(shownPath),
    urls: strings(urls).map(shownUrl),
  };
}

/**
 * A URL for display, its credentials redacted up to its last "@" (`redactUnparsedUrl`): a message in the dead-letter
 * queue may have been rejected for a URL the parser could not split, with "/", "#" or spaces in its password.
 */
export function shownUrl(url: string): string {
  return redactUnparsedUrl(url);
}

/**
 * A path for display: one shaped like a URL (a scheme, "//", or holding "://") is redacted as one; any other path is
 * shown as is ("/users/@me" holds no credentials).
 */
export function shownPath(path: string): string {
  return /^\s*(?:[a-z][a-z0-9+.-]*:|[/\\]{2})|:\/\//i.test(path) ? redactUnparsedUrl(path) : path;
}

/** A body with no paths or URLs, for the table: JSON with every string redacted, or the text redacted up to its last "@". */
function shownBody(body: string, maxLength: number): string {
  try {
    return previewJson(JSON.parse(body), maxLength);
  } catch {
    return JSON.stringify(redactUnparsedUrl(body.slice(0, body.lastIndexOf('@') + 1 + maxLength)));
  }
}

function summarizeTargets(message: DeadLetteredMessage): string {
  const all = [...message.paths, ...message.urls];
  if (all.length === 0) return `body: ${shownBody(message.body, 60)}`;
  const shown = all.slice(0, 3).join(' ');
  return all.length > 3 ? `${shown} (+${all.length - 3})` : shown;
}
