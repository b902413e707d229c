// Over 250 lines on purpose: one class, the stand-in for Lambda's SQS event source mapping. Its receive loop,
// batching window, invocation and deletion share the in-flight count, the stop signal and the statistics; split, that
// state would be passed between modules instead.
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  DEFAULT_MAX_BATCHING_WINDOW_SECONDS,
} from '../lambda/defaults.ts';
import {
  batchingWindowTooShort,
  MAX_BATCH_SIZE,
  MAX_BATCH_SIZE_WITHOUT_WINDOW,
  MAX_BATCHING_WINDOW_SECONDS,
  MAX_SQS_BATCH_ENTRIES,
  MIN_BATCH_SIZE,
  MIN_BATCHING_WINDOW_SECONDS_OF_LARGE_BATCHES,
} from '../lambda/limits.ts';
import { changeVisibilityTimeouts, deleteMessages, describeFailures } from '../lambda/settle/sqs-batches.ts';
import { createLambdaContext, type LocalFunction } from './context.ts';
import { RECORD_SYSTEM_ATTRIBUTES, toSqsRecord } from './records.ts';

/** The function the poller invokes: the Lambda handler, or anything with its signature. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | null | undefined>;

/** Lambda's synchronous invocation payload limit; a batch stops growing before its event passes it. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;

/** SQS's longest long-polling wait of one ReceiveMessage. */
const MAX_WAIT_TIME_SECONDS = 20;
/** The longest receive wait while a batch is being gathered: bounds how long `stop()` waits. */
const GATHER_WAIT_TIME_SECONDS = 1;

export interface PollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Stated in each record's `eventSourceARN`; the handler resolves it back to the queue URL. */
  readonly queueArn: string;
  /** Stated in each record's `awsRegion`. */
  readonly region: string;
  readonly handler: SqsHandler;
  /**
   * Records per invocation at most. Valid range: 1 to 10000; above 10 needs a batching window of at least 1 second.
   *
   * @default DEFAULT_BATCH_SIZE
   */
  readonly batchSize?: number;
  /**
   * How long to keep gathering records after the first one arrives before invoking, in milliseconds.
   * Valid range: 0 to 300000.
   *
   * @default DEFAULT_MAX_BATCHING_WINDOW_SECONDS seconds
   */
  readonly maxBatchingWindowMs?: number;
  /**
   * The function timeout, in milliseconds: `getRemainingTimeInMillis` counts down from it, and a handler still
   * running when it passes fails the whole batch (nothing is deleted).
   *
   * @default DEFAULT_FUNCTION_TIMEOUT_SECONDS seconds
   */
  readonly functionTimeoutMs?: number;
  /**
   * Invocations that may run at once (each with its own polling loop), like the mapping's maximum concurrency.
   *
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * Long-polling wait of the receive that starts a batch, in seconds. Valid range: 0 to 20.
   *
   * @default 20
   */
  readonly waitTimeSeconds?: number;
  /** What the invocation context says about the function. @default - see LocalFunction */
  readonly function?: LocalFunction;
  /** Told about every invocation, once its records are deleted. An error it throws goes to `onError` as 'Invoke'. */
  readonly onInvocation?: (report: InvocationReport) => void;
  /**
   * Told about the poller's own errors; polling goes on (after a short pause when a receive failed).
   *
   * @default - ignored
   */
  readonly onError?: (error: unknown, operation: PollerOperation) => void;
  /** Stops polling when aborted; same as `stop()`. */
  readonly signal?: AbortSignal;
}

/**
 * What the poller was doing when an error reached `onError`: an SQS call, or 'Invoke' for an invocation's
 * bookkeeping (its `onInvocation` callback threw; the records were already deleted or left as the outcome decided).
 * The handler's own errors are no poller error: they are the invocation's outcome.
 */
export type PollerOperation = 'ReceiveMessage' | 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch' | 'Invoke';

/** How an invocation ended, as the event source mapping sees it. */
export type InvocationOutcome =
  /** Every record succeeded and was deleted. */
  | 'success'
  /** The handler reported some records as failures; the others were deleted. */
  | 'partial'
  /** The handler threw or rejected: nothing deleted. */
  | 'error'
  /** The handler outlived the function timeout: nothing deleted. */
  | 'timeout'
  /** The response named records that are not in the batch (or was not a batch response): nothing deleted. */
  | 'invalid-response';

export interface InvocationReport {
  readonly awsRequestId: string;
  readonly outcome: InvocationOutcome;
  readonly records: number;
  /** Message ids left on the queue for their visibility timeout and redrive policy to decide. */
  readonly failedMessageIds: readonly string[];
  /** Records deleted from the queue. */
  readonly deleted: number;
  readonly durationMs: number;
  /** The error thrown, or why the response was rejected. */
  readonly error?: unknown;
}

export interface PollerStats {
  readonly invocations: number;
  readonly recordsReceived: number;
  readonly recordsDeleted: number;
  readonly byOutcome: Readonly<Record<InvocationOutcome, number>>;
}

/**
 * A local stand-in for Lambda's SQS event source mapping with `ReportBatchItemFailures`: long polling, batch size
 * and batching window, real `SQSEvent` records, deletion of the records not reported as failures, and nothing
 * done to the failures (their visibility timeout and the queue's redrive policy decide).
 *
 * Differences from Lambda, on purpose: a handler that times out keeps running in this process (it cannot be
 * frozen), its result ignored; once a batch has started, receives wait at most 1 second (Lambda's pollers wait
 * longer) so that stopping is quick; records gathered but not yet handed over when the poller stops are made
 * visible again at once. Stopping aborts the idle long poll: a message the queue hands to that aborted request
 * stays hidden for its visibility timeout, as with any consumer that goes away.
 *
 * @example
 * const poller = startPoller({ sqs, queueUrl, queueArn, region: 'us-east-1', handler, maxBatchingWindowMs: 2_000 });
 * await poller.stop();
 * @throws {RangeError} when a setting is outside the event source mapping's range
 */
export function startPoller(options: PollerOptions): Poller {
  return new Poller(options);
}

export class Poller {
  readonly #options: PollerOptions;
  readonly #batchSize: number;
  readonly #windowMs: number;
  readonly #timeoutMs: number;
  readonly #waitTimeSeconds: number;
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>[];
  readonly #stats = {
    invocations: 0,
    recordsReceived: 0,
    recordsDeleted: 0,
    byOutcome: { success: 0, partial: 0, error: 0, timeout: 0, 'invalid-response': 0 } as Record<InvocationOutcome, number>,
  };
  #inFlight = 0;
  #idleWaiters: Array<() => void> = [];

  public constructor(options: PollerOptions) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.#windowMs = options.maxBatchingWindowMs ?? DEFAULT_MAX_BATCHING_WINDOW_SECONDS * 1000;
    this.#timeoutMs = options.functionTimeoutMs ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS * 1000;
    this.#waitTimeSeconds = options.waitTimeSeconds ?? MAX_WAIT_TIME_SECONDS;
    validate(this.#batchSize, this.#windowMs, this.#timeoutMs, this.#waitTimeSeconds, options.concurrency ?? 1);
    if (options.signal?.aborted) this.#abort.abort();
    options.signal?.addEventListener('abort', () => this.#abort.abort(), { once: true });
    this.#loops = Array.from({ length: options.concurrency ?? 1 }, () => this.#run());
  }

  /** Stop polling, wait for running invocations to finish (or time out), and release gathered records. */
  public async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#loops);
  }

  /** Resolves when every loop has ended (after `stop()` or the signal). */
  public get done(): Promise<void> {
    return Promise.all(this.#loops).then(() => undefined);
  }

  public stats(): PollerStats {
    return { ...this.#stats, byOutcome: { ...this.#stats.byOutcome } };
  }

  /** True while a batch is being gathered or handled. */
  public get busy(): boolean {
    return this.#inFlight > 0;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let pauseMs = 0;
    while (!signal.aborted) {
      if (pauseMs > 0) await sleep(pauseMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) break;
      const hold = { active: false };
      try {
        let records: SQSRecord[];
        try {
          records = await this.#gather(signal, hold);
        } catch (error) {
          if (signal.aborted) break;
          this.#options.onError?.(error, 'ReceiveMessage');
          pauseMs = Math.min(Math.max(pauseMs * 2, 500), 10_000);
          continue;
        }
        pauseMs = 0;
        if (records.length === 0) continue;
        if (signal.aborted) {
          await this.#release(records);
          break;
        }
        try {
          await this.#invoke(records);
        } catch (error) {
          // The receive went well: no pause. What the records became is the invocation's outcome.
          this.#options.onError?.(error, 'Invoke');
        }
      } finally {
        if (hold.active) this.#settle();
      }
    }
  }

  /**
   * Gather one batch: a long poll for the first records, then receives until the batch is full, the window has
   * passed or the event would outgrow the payload limit.
   */
  async #gather(signal: AbortSignal, hold: { active: boolean }): Promise<SQSRecord[]> {
    const records: SQSRecord[] = [];
    let bytes = 0;
    let deadline: number | undefined;
    while (records.length < this.#batchSize) {
      let waitSeconds = this.#waitTimeSeconds;
      if (deadline !== undefined) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        // Once a batch is started, receives wait at most a second and are never aborted: an aborted long poll
        // may still take messages on the server, which would then hide for a visibility timeout. The last
        // fraction of the window is short polls and short sleeps.
        waitSeconds = Math.min(GATHER_WAIT_TIME_SECONDS, Math.floor(left / 1000));
      }
      let received: SQSRecord[];
      try {
        const max = Math.min(MAX_SQS_BATCH_ENTRIES, this.#batchSize - records.length);
        received = await this.#receive(max, waitSeconds, records.length === 0 ? signal : undefined);
      } catch (error) {
        // Keep what was gathered: hand it over (or release it, when stopping) rather than let it hang invisible.
        if (records.length > 0 && !signal.aborted) {
          this.#options.onError?.(error, 'ReceiveMessage');
          break;
        }
        if (records.length > 0) return records;
        throw error;
      }
      if (received.length > 0 && !hold.active) {
        hold.active = true;
        this.#inFlight++;
        deadline = Date.now() + this.#windowMs;
      }
      const overflow: SQSRecord[] = [];
      for (const record of received) {
        const size = Buffer.byteLength(JSON.stringify(record)) + 1;
        if (records.length > 0 && bytes + size > MAX_EVENT_BYTES - 32) overflow.push(record);
        else {
          records.push(record);
          bytes += size;
        }
      }
      this.#stats.recordsReceived += received.length;
      if (overflow.length > 0) {
        // Rare (6 MB of messages): let them come back in the next batch rather than carry receipt handles around.
        await this.#release(overflow);
        break;
      }
      if (signal.aborted || this.#windowMs === 0) break;
      if (received.length === 0 && deadline !== undefined && waitSeconds === 0) {
        await sleep(Math.min(100, Math.max(0, deadline - Date.now())), undefined, { signal }).catch(() => undefined);
      }
    }
    return records;
  }

  async #receive(maxMessages: number, waitSeconds: number, signal: AbortSignal | undefined): Promise<SQSRecord[]> {
    const { sqs, queueUrl, queueArn, region } = this.#options;
    const output = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: [...RECORD_SYSTEM_ATTRIBUTES],
        MessageAttributeNames: ['All'],
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    return (output.Messages ?? []).map((message) => toSqsRecord(message, { queueArn, region }));
  }

  async #invoke(records: SQSRecord[]): Promise<void> {
    const started = Date.now();
    const context = createLambdaContext({ region: this.#options.region, ...this.#options.function }, this.#timeoutMs);
    this.#stats.invocations++;
    let outcome: InvocationOutcome;
    let failed: string[] = [];
    let error: unknown;
    const result = await callWithTimeout(() => this.#options.handler({ Records: records }, context), this.#timeoutMs);
    if (result.kind === 'timeout') {
      outcome = 'timeout';
      error = new Error(`the handler did not return within ${this.#timeoutMs} ms`);
    } else if (result.kind === 'error') {
      outcome = 'error';
      error = result.error;
    } else {
      const reading = readBatchResponse(result.value, records);
      if (reading.valid) {
        failed = reading.failedMessageIds;
        outcome = failed.length === 0 ? 'success' : 'partial';
      } else {
        outcome = 'invalid-response';
        error = new Error(reading.reason);
      }
    }
    if (outcome !== 'success' && outcome !== 'partial') failed = records.map((record) => record.messageId);
    const failedSet = new Set(failed);
    const deleted = await this.#delete(records.filter((record) => !failedSet.has(record.messageId)));
    this.#stats.recordsDeleted += deleted;
    this.#stats.byOutcome[outcome]++;
    this.#options.onInvocation?.({
      awsRequestId: context.awsRequestId,
      outcome,
      records: records.length,
      failedMessageIds: failed,
      deleted,
      durationMs: Date.now() - started,
      ...(error !== undefined ? { error } : {}),
    });
  }

  /** Delete handled records; returns how many were deleted. */
  async #delete(records: readonly SQSRecord[]): Promise<number> {
    const failures = await deleteMessages(this.#options.sqs, this.#options.queueUrl, records.map((record) => record.receiptHandle));
    // Not deleted: the records come back after their visibility timeout (at-least-once, as with Lambda).
    if (failures.length > 0) this.#options.onError?.(new Error(`DeleteMessageBatch failed for ${describeFailures(failures)}`), 'DeleteMessageBatch');
    return records.length - failures.length;
  }

  /** Make records visible again at once (they were received but will not be handled by this poller). */
  async #release(records: readonly SQSRecord[]): Promise<void> {
    const entries = records.map((record) => ({ receiptHandle: record.receiptHandle, visibilityTimeoutSeconds: 0 }));
    const failures = await changeVisibilityTimeouts(this.#options.sqs, this.#options.queueUrl, entries);
    if (failures.length > 0) {
      this.#options.onError?.(new Error(`ChangeMessageVisibilityBatch failed for ${describeFailures(failures)}`), 'ChangeMessageVisibilityBatch');
    }
  }

  /**
   * Resolves once no batch is being gathered or handled. Tests use it after the queue is drained; it says
   * nothing about messages still invisible after a failure.
   */
  public idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #settle(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

type CallResult<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

async function callWithTimeout<T>(call: () => Promise<T>, timeoutMs: number): Promise<CallResult<T>> {
  const pending = (async () => call())().then(
    (value): CallResult<T> => ({ kind: 'value', value }),
    (error: unknown): CallResult<T> => ({ kind: 'error', error }),
  );
  const controller = new AbortController();
  const timer = sleep(timeoutMs, { kind: 'timeout' } as CallResult<T>, { signal: controller.signal }).catch(() => ({ kind: 'timeout' }) as CallResult<T>);
  try {
    return await Promise.race([pending, timer]);
  } finally {
    controller.abort();
  }
}

/**
 * Read a handler's response as the event source mapping does: nothing, or an empty `batchItemFailures`, means
 * every record succeeded; an identifier that is empty or not in the batch fails the whole batch.
 */
export function readBatchResponse(
  response: unknown,
  records: readonly SQSRecord[],
): { valid: true; failedMessageIds: string[] } | { valid: false; reason: string } {
  if (response === undefined || response === null) return { valid: true, failedMessageIds: [] };
  if (typeof response !== 'object') return { valid: false, reason: `the handler returned a ${typeof response}, not a batch response` };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { valid: true, failedMessageIds: [] };
  if (!Array.isArray(failures)) return { valid: false, reason: 'batchItemFailures is not an array' };
  const ids = new Set(records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) {
      return { valid: false, reason: `batchItemFailures names ${JSON.stringify(id ?? null)}, which is not a message id of this batch` };
    }
    failed.add(id);
  }
  return { valid: true, failedMessageIds: [...failed] };
}

function validate(batchSize: number, windowMs: number, timeoutMs: number, waitTimeSeconds: number, concurrency: number): void {
  if (!Number.isInteger(batchSize) || batchSize < MIN_BATCH_SIZE || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from ${MIN_BATCH_SIZE} to ${MAX_BATCH_SIZE} (given ${batchSize})`);
  }
  if (!Number.isFinite(windowMs) || windowMs < 0 || windowMs > MAX_BATCHING_WINDOW_SECONDS * 1000) {
    throw new RangeError(`maxBatchingWindowMs must be from 0 to ${MAX_BATCHING_WINDOW_SECONDS * 1000} (given ${windowMs})`);
  }
  if (batchingWindowTooShort(batchSize, windowMs / 1000)) {
    throw new RangeError(
      `a batchSize above ${MAX_BATCH_SIZE_WITHOUT_WINDOW} needs maxBatchingWindowMs of at least ${MIN_BATCHING_WINDOW_SECONDS_OF_LARGE_BATCHES * 1000} (given batchSize ${batchSize}, window ${windowMs})`,
    );
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`functionTimeoutMs must be positive (given ${timeoutMs})`);
  if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 0 || waitTimeSeconds > MAX_WAIT_TIME_SECONDS) {
    throw new RangeError(`waitTimeSeconds must be an integer from 0 to ${MAX_WAIT_TIME_SECONDS} (given ${waitTimeSeconds})`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer (given ${concurrency})`);
}
