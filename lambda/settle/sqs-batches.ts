import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mapConcurrently } from '../concurrency.ts';
import { awsErrorName } from '../errors.ts';
import { MAX_SQS_BATCH_ENTRIES } from '../limits.ts';

/**
 * Receipt-handle calls (DeleteMessageBatch, ChangeMessageVisibilityBatch) over any number of messages, 10 entries a
 * call, for the handler, the local poller and the CLI alike: one place decides what counts as a failure.
 */

/** A receipt handle SQS did not act on, and why. */
export interface ReceiptHandleFailure {
  /** The entry's position in the caller's list. */
  readonly index: number;
  readonly receiptHandle: string;
  /** SQS's entry error code, or the thrown error's name, or `NotConfirmed`. */
  readonly code: string;
  readonly message: string;
}

/** A message to hide (or show, with 0) for a while. */
export interface VisibilityTimeoutEntry {
  readonly receiptHandle: string;
  /** 0 to 43200. */
  readonly visibilityTimeoutSeconds: number;
}

/** Options of the batch helpers. */
export interface ReceiptHandleBatchOptions {
  /**
   * Calls in flight at once.
   *
   * @default 1
   */
  readonly concurrency?: number;
}

/** What one batch call answered: SQS's own entry results, by the `Id` we gave (the entry's position in the batch). */
interface BatchOutput {
  readonly Successful?: ReadonlyArray<{ readonly Id?: string | undefined }> | undefined;
  readonly Failed?: ReadonlyArray<{ readonly Id?: string | undefined; readonly Code?: string | undefined; readonly Message?: string | undefined }> | undefined;
}

/**
 * Delete messages by receipt handle. Never throws.
 *
 * @example
 * const failures = await deleteMessages(sqs, queueUrl, records.map((record) => record.receiptHandle));
 * @returns the handles not deleted, with SQS's reason; empty when all were
 */
export function deleteMessages(
  sqs: SQSClient,
  queueUrl: string,
  receiptHandles: readonly string[],
  options: ReceiptHandleBatchOptions = {},
): Promise<ReceiptHandleFailure[]> {
  const entries = receiptHandles.map((receiptHandle) => ({ receiptHandle }));
  return inBatches(entries, options, (batch) =>
    sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((entry, id) => ({ Id: String(id), ReceiptHandle: entry.receiptHandle })),
      }),
    ),
  );
}

/**
 * Change messages' visibility timeouts by receipt handle (0 makes them visible at once). Never throws.
 *
 * @example
 * const failures = await changeVisibilityTimeouts(sqs, queueUrl, [{ receiptHandle, visibilityTimeoutSeconds: 0 }]);
 * @returns the handles whose visibility did not change, with SQS's reason; empty when all did
 */
export function changeVisibilityTimeouts(
  sqs: SQSClient,
  queueUrl: string,
  entries: readonly VisibilityTimeoutEntry[],
  options: ReceiptHandleBatchOptions = {},
): Promise<ReceiptHandleFailure[]> {
  return inBatches(entries, options, (batch) =>
    sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((entry, id) => ({
          Id: String(id),
          ReceiptHandle: entry.receiptHandle,
          VisibilityTimeout: entry.visibilityTimeoutSeconds,
        })),
      }),
    ),
  );
}

/** Failures in a few words for a log line or a warning: how many, and their distinct codes, e.g. `2 message(s) (ReceiptHandleIsInvalid)`. */
export function describeFailures(failures: readonly ReceiptHandleFailure[]): string {
  const codes = [...new Set(failures.map((failure) => failure.code))].join(', ');
  return `${failures.length} message(s) (${codes})`;
}

async function inBatches<T extends { readonly receiptHandle: string }>(
  entries: readonly T[],
  options: ReceiptHandleBatchOptions,
  call: (batch: readonly T[]) => Promise<BatchOutput>,
): Promise<ReceiptHandleFailure[]> {
  const starts: number[] = [];
  for (let start = 0; start < entries.length; start += MAX_SQS_BATCH_ENTRIES) starts.push(start);
  const perBatch = await mapConcurrently(starts, options.concurrency ?? 1, async (start) => {
    const batch = entries.slice(start, start + MAX_SQS_BATCH_ENTRIES);
    const failure = (id: number, code: string, message: string): ReceiptHandleFailure => ({
      index: start + id,
      receiptHandle: batch[id]!.receiptHandle,
      code,
      message,
    });
    let output: BatchOutput;
    try {
      output = await call(batch);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return batch.map((_, id) => failure(id, awsErrorName(error), message));
    }
    const failures: ReceiptHandleFailure[] = [];
    const answered = new Set<number>();
    for (const entry of output.Successful ?? []) answered.add(Number(entry.Id));
    for (const entry of output.Failed ?? []) {
      const id = Number(entry.Id);
      if (!Number.isInteger(id) || id < 0 || id >= batch.length || answered.has(id)) continue;
      answered.add(id);
      failures.push(failure(id, entry.Code ?? 'Failed', entry.Message ?? ''));
    }
    // An entry SQS names neither way was not acted on as far as we know: count it failed rather than done.
    for (let id = 0; id < batch.length; id++) {
      if (!answered.has(id)) failures.push(failure(id, 'NotConfirmed', 'SQS named the entry neither successful nor failed'));
    }
    return failures.sort((a, b) => a.index - b.index);
  });
  return perBatch.flat();
}
