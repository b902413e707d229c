// Over 250 lines on purpose: the help text (about 30 lines) and the two ways of moving messages (SQS's move task,
// and moving them itself where that API is missing) share the command's flags, targets and progress output.
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { awsErrorName } from '../../lambda/errors.ts';
import { DEAD_LETTER_ATTRIBUTES, packBatches } from '../../lambda/settle/sqs.ts';
import { changeVisibilityTimeouts, deleteMessages, describeFailures } from '../../lambda/settle/sqs-batches.ts';
import { MAX_SQS_BATCH_ENTRIES, MAX_SQS_MESSAGE_BYTES } from '../../lambda/limits.ts';
import { QUEUE_OPTIONS, QUEUE_OPTIONS_HELP, integerFlag, parseCommandLine } from './args.ts';
import { AwsCallError, EXIT_CODES, awsCall } from './errors.ts';
import type { CliIo } from './io.ts';
import { Targets } from './targets.ts';

export const DLQ_REDRIVE_HELP = `Usage: cfiq dlq redrive [options]

Move the dead-letter queue's messages back to the invalidation queue, to be processed again.

It starts an SQS message move task (StartMessageMoveTask) with the invalidation queue as its explicit
destination (messages the handler dead-lettered itself have no source queue SQS knows of) and shows its
progress. Where that API is missing (an emulator such as fauxqs) or with --max, it moves the messages itself,
ten at a time: receive, send to the invalidation queue (without the ErrorCode, ErrorMessage and SourceMessageId
attributes), then delete; an interruption between send and delete can only duplicate a message, never lose one.
Moving them itself, it sends only one of the entries it meets with the same SourceMessageId (copies of one
message dead-lettered twice) and deletes the others once that one was sent. A move task moves every copy.

  --max N               move at most N entries (always moves them itself; each copy counts)  [default: all]
  --poll-interval S     seconds between progress reads of a move task  [default: 2]
${QUEUE_OPTIONS_HELP}

Ctrl-C stops after the current batch (a move task goes on in SQS: the command prints how to cancel it).
Exit codes: 0 all moved (or nothing to move), 2 usage, 3 AWS error, 4 some messages could not be moved,
130 interrupted.`;

const OPTIONS = { ...QUEUE_OPTIONS, max: { type: 'string' }, 'poll-interval': { type: 'string' } } as const;

/** How long a message being moved stays hidden on the dead-letter queue: plenty for one send and delete. */
const MOVE_VISIBILITY_TIMEOUT_SECONDS = 60;
/**
 * SendMessageBatch: at most MAX_SQS_BATCH_ENTRIES entries (one receive brings no more) and 1 MiB in all; keep a
 * margin for attribute overhead.
 */
const MAX_BATCH_BYTES = MAX_SQS_MESSAGE_BYTES - 16 * 1024;
/** Error codes that mean "this endpoint has no message move tasks": fauxqs and moto answer InvalidAction. */
const UNSUPPORTED_CODES = new Set(['InvalidAction', 'UnsupportedOperation', 'UnknownOperationException', 'NotImplemented', 'UnknownOperation']);

/** `cfiq dlq redrive`. */
export async function dlqRedriveCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(argv, OPTIONS, false);
  if (values.help) {
    io.out(DLQ_REDRIVE_HELP);
    return EXIT_CODES.ok;
  }
  const max = values.max === undefined ? undefined : integerFlag('max', values.max, 0, 1, 1_000_000);
  const pollSeconds = integerFlag('poll-interval', values['poll-interval'], 2, 1, 60);
  const targets = new Targets(values, io);
  try {
    const deadLetterQueueUrl = await targets.deadLetterQueueUrl();
    const queueUrl = await targets.queueUrl();
    const sqs = targets.sqs(deadLetterQueueUrl);
    const dlq = await queueAttributes(sqs, deadLetterQueueUrl);
    const queue = await queueAttributes(sqs, queueUrl);
    if (dlq.visible === 0) {
      io.out(`Nothing to redrive: ${deadLetterQueueUrl} has no visible message${dlq.inFlight > 0 ? ` (${dlq.inFlight} in flight)` : ''}.`);
      return EXIT_CODES.ok;
    }
    io.err(`Redriving about ${dlq.visible} message(s) from ${deadLetterQueueUrl} to ${queueUrl}`);

    if (max === undefined) {
      const started = await startMoveTask(sqs, dlq.arn, queue.arn);
      if (started.kind === 'started') return await watchMoveTask(sqs, dlq.arn, started.taskHandle, pollSeconds, io);
      io.err(`StartMessageMoveTask is not available here (${started.code}); moving the messages one batch at a time.`);
    }
    const result = await moveMessages(sqs, { from: deadLetterQueueUrl, to: queueUrl, limit: max ?? dlq.visible }, io);
    const dropped = result.duplicates > 0 ? `; dropped ${result.duplicates} duplicate copy(ies) (same SourceMessageId as a message sent)` : '';
    const failed = result.failed > 0 ? `; ${result.failed} could not be sent and stay in the dead-letter queue` : '';
    io.out(`Moved ${result.moved} message(s) to ${queueUrl}${dropped}${failed}.`);
    if (io.signal.aborted) return EXIT_CODES.interrupted;
    return result.failed > 0 ? EXIT_CODES.incomplete : EXIT_CODES.ok;
  } finally {
    targets.destroy();
  }
}

async function queueAttributes(sqs: SQSClient, queueUrl: string): Promise<{ arn: string; visible: number; inFlight: number }> {
  const output = await awsCall('GetQueueAttributes', () =>
    sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    ),
  );
  const attributes = output.Attributes ?? {};
  if (attributes.QueueArn === undefined) throw new AwsCallError('GetQueueAttributes', 'MissingAttribute', `no QueueArn for ${queueUrl}`);
  return {
    arn: attributes.QueueArn,
    visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

async function startMoveTask(
  sqs: SQSClient,
  sourceArn: string,
  destinationArn: string,
): Promise<{ kind: 'started'; taskHandle: string } | { kind: 'unsupported'; code: string }> {
  try {
    const output = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }));
    return { kind: 'started', taskHandle: output.TaskHandle ?? '' };
  } catch (error) {
    const code = awsErrorName(error);
    const message = error instanceof Error ? error.message : String(error);
    if (UNSUPPORTED_CODES.has(code) || /unknown action|not (?:supported|implemented)/i.test(message)) return { kind: 'unsupported', code };
    // An answer that is not SQS's protocol at all (moto answers an HTML error page): the endpoint lacks the action.
    if (code === 'SyntaxError') {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      return { kind: 'unsupported', code: `an answer that is not SQS's, HTTP ${status ?? '?'}` };
    }
    throw new AwsCallError('StartMessageMoveTask', code, message, { cause: error });
  }
}

/** Print the move task's progress until it ends; on Ctrl-C, say how to cancel it. */
async function watchMoveTask(sqs: SQSClient, sourceArn: string, taskHandle: string, pollSeconds: number, io: CliIo): Promise<number> {
  io.err(`Started message move task ${taskHandle} (it moves duplicate copies too; with --max, cfiq moves the messages itself and drops them)`);
  let last = '';
  for (;;) {
    await sleep(pollSeconds * 1000, undefined, { signal: io.signal }).catch(() => undefined);
    if (io.signal.aborted) {
      io.err(
        `Stopped watching. The move task goes on in SQS; to stop it: aws sqs cancel-message-move-task --task-handle '${taskHandle}'`,
      );
      return EXIT_CODES.interrupted;
    }
    const output = await awsCall('ListMessageMoveTasks', () => sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 })));
    const task = output.Results?.[0];
    if (task === undefined) continue;
    const progress = `${task.Status}: moved ${task.ApproximateNumberOfMessagesMoved ?? 0} of ${task.ApproximateNumberOfMessagesToMove ?? '?'}`;
    if (progress !== last) io.err(progress);
    last = progress;
    if (task.Status === 'COMPLETED') {
      io.out(`Moved ${task.ApproximateNumberOfMessagesMoved ?? 0} message(s).`);
      return EXIT_CODES.ok;
    }
    if (task.Status === 'FAILED' || task.Status === 'CANCELLED') {
      io.err(`The move task ended ${task.Status}${task.FailureReason ? `: ${task.FailureReason}` : ''}.`);
      return task.Status === 'FAILED' ? EXIT_CODES.aws : EXIT_CODES.incomplete;
    }
  }
}

/**
 * Move up to `limit` dead-letter entries, a batch at a time: receive, send (reason attributes stripped), delete what
 * was sent. Copies of a message already sent in this run (same `SourceMessageId`) are not sent again: they are
 * deleted, counted in `duplicates`; copies whose sibling could not be sent stay, counted in `failed`. Stops between
 * batches when the signal is aborted.
 */
export async function moveMessages(
  sqs: SQSClient,
  route: { readonly from: string; readonly to: string; readonly limit: number },
  io: Pick<CliIo, 'err' | 'signal'>,
): Promise<{ moved: number; duplicates: number; failed: number }> {
  let moved = 0;
  let duplicates = 0;
  let failed = 0;
  /** The SourceMessageIds of the messages sent in this run. */
  const sentSources = new Set<string>();
  while (moved + duplicates + failed < route.limit && !io.signal.aborted) {
    const output = await awsCall('ReceiveMessage', () =>
      sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: route.from,
          MaxNumberOfMessages: Math.min(MAX_SQS_BATCH_ENTRIES, route.limit - moved - duplicates - failed),
          VisibilityTimeout: MOVE_VISIBILITY_TIMEOUT_SECONDS,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      ),
    );
    const messages = output.Messages ?? [];
    if (messages.length === 0) break;
    const { originals, copies } = splitCopies(messages, sentSources);
    // Whatever is still hidden when a send throws is made visible again.
    const pending = new Set(messages);
    try {
      for (const batch of packMessages(originals)) {
        const sent = await sendBatch(sqs, route.to, batch);
        for (const message of sent) {
          const source = sourceMessageId(message);
          if (source !== undefined) sentSources.add(source);
        }
        const unsent = batch.filter((message) => !sent.includes(message));
        // Only what was sent is deleted: at worst a message is moved twice, never lost.
        const deleted = await deleteBatch(sqs, route.from, sent);
        if (deleted < sent.length) io.err(`warning: ${sent.length - deleted} message(s) were sent but not deleted; they will be moved again`);
        if (unsent.length > 0) await release(sqs, route.from, unsent, io);
        for (const message of batch) pending.delete(message);
        moved += sent.length;
        failed += unsent.length;
      }
    } catch (error) {
      await release(sqs, route.from, [...pending], io);
      throw error;
    }
    // A copy goes only once its sibling was sent (in this batch or an earlier one); the others stay for next time.
    const redundant = copies.filter((message) => sentSources.has(sourceMessageId(message)!));
    const kept = copies.filter((message) => !redundant.includes(message));
    const deleted = await deleteBatch(sqs, route.from, redundant);
    if (deleted < redundant.length) io.err(`warning: ${redundant.length - deleted} duplicate copy(ies) could not be deleted; a later redrive will move them again`);
    if (kept.length > 0) await release(sqs, route.from, kept, io);
    duplicates += redundant.length;
    failed += kept.length;
    const notes = [...(duplicates > 0 ? [`${duplicates} duplicate(s) dropped`] : []), ...(failed > 0 ? [`${failed} failed`] : [])];
    io.err(`Moved ${moved} of about ${route.limit}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`);
  }
  return { moved, duplicates, failed };
}

/** The id the dead-lettered message had on the invalidation queue, when the handler recorded it. */
function sourceMessageId(message: Message): string | undefined {
  return message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.sourceMessageId]?.StringValue || undefined;
}

/**
 * Received entries to send (`originals`: the first of each SourceMessageId, and every entry without one) and the
 * `copies` not to send: later entries with the SourceMessageId of an original, or of a message already sent.
 */
function splitCopies(messages: readonly Message[], sentSources: ReadonlySet<string>): { originals: Message[]; copies: Message[] } {
  const originals: Message[] = [];
  const copies: Message[] = [];
  const sources = new Set(sentSources);
  for (const message of messages) {
    const source = sourceMessageId(message);
    if (source !== undefined && sources.has(source)) {
      copies.push(message);
      continue;
    }
    if (source !== undefined) sources.add(source);
    originals.push(message);
  }
  return { originals, copies };
}

/** The message's attributes without the reason the handler added; sending them back would mislead. */
export function redriveAttributes(attributes: Record<string, MessageAttributeValue> | undefined): Record<string, MessageAttributeValue> | undefined {
  const stripped = new Set<string>(Object.values(DEAD_LETTER_ATTRIBUTES));
  const kept = Object.entries(attributes ?? {}).filter(([name]) => !stripped.has(name));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

async function sendBatch(sqs: SQSClient, queueUrl: string, batch: readonly Message[]): Promise<Message[]> {
  const output = await awsCall('SendMessageBatch', () =>
    sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((message, index) => {
          const attributes = redriveAttributes(message.MessageAttributes);
          return { Id: String(index), MessageBody: message.Body ?? '', ...(attributes ? { MessageAttributes: attributes } : {}) };
        }),
      }),
    ),
  );
  return (output.Successful ?? []).map((entry) => batch[Number(entry.Id)]!).filter((message) => message !== undefined);
}

/** Delete sent messages from the dead-letter queue; returns how many were deleted (the caller warns about the rest). */
async function deleteBatch(sqs: SQSClient, queueUrl: string, batch: readonly Message[]): Promise<number> {
  const failures = await deleteMessages(sqs, queueUrl, batch.map((message) => message.ReceiptHandle ?? ''));
  return batch.length - failures.length;
}

/** Make messages visible again at once; warns about those that stay hidden until their visibility timeout ends. */
async function release(sqs: SQSClient, queueUrl: string, batch: readonly Message[], io: Pick<CliIo, 'err'>): Promise<void> {
  const entries = batch.map((message) => ({ receiptHandle: message.ReceiptHandle ?? '', visibilityTimeoutSeconds: 0 }));
  const failures = await changeVisibilityTimeouts(sqs, queueUrl, entries);
  if (failures.length > 0) {
    io.err(`warning: ${describeFailures(failures)} could not be made visible again; they reappear within ${MOVE_VISIBILITY_TIMEOUT_SECONDS} s`);
  }
}

/** Split received messages into SendMessageBatch calls under the batch size limit (attributes estimated as JSON). */
function packMessages(messages: readonly Message[]): Message[][] {
  const sized = messages.map((message) => ({
    message,
    bytes: Buffer.byteLength(message.Body ?? '') + Buffer.byteLength(JSON.stringify(message.MessageAttributes ?? {})),
  }));
  return packBatches(sized, MAX_BATCH_BYTES).map((batch) => batch.map(({ message }) => message));
}
