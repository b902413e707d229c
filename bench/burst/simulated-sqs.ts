// Over 250 lines on purpose: one simulated SQS queue pair (visibility, receive counts, delays, redrive) answering
// the SDK's commands in virtual time; its parts share the message store.
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { VirtualClock } from './virtual-time.ts';
import { MinHeap } from './min-heap.ts';

/**
 * SQS for the burst simulation, at the SDK-command level: a source queue with a visibility timeout, receive
 * counts, DelaySeconds and a redrive policy into a dead-letter queue, and the calls the handler makes
 * (SendMessage, SendMessageBatch, ChangeMessageVisibility(Batch), DeleteMessage(Batch), GetQueueUrl), each taking
 * a fixed virtual latency. Receiving is the event source mapping's job (burst-simulation.ts), through `receive`.
 */

/** How a message came to the dead-letter queue. */
export type DeadLetterRoute = 'handler' | 'redrive';

export interface QueuedMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  /** Virtual milliseconds. */
  readonly sentAtMs: number;
  receiveCount: number;
  firstReceiveAtMs: number | undefined;
  /** When it is (or next becomes) visible. */
  visibleAtMs: number;
  /** The current receipt handle; an older one no longer works. */
  receipt: string | undefined;
  deleted: boolean;
}

export interface DeadLetteredMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly route: DeadLetterRoute;
  readonly atMs: number;
}

export interface SimulatedSqsOptions {
  readonly clock: VirtualClock;
  readonly epochMs: number;
  readonly sourceQueueArn: string;
  readonly sourceQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly visibilityTimeoutSeconds: number;
  /** The redrive policy's maxReceiveCount. */
  readonly maxReceiveCount: number;
  /** Virtual milliseconds each call takes. */
  readonly latencyMs: number;
}

/** Calls by command. */
export type SqsCallCounts = Record<string, number>;

/** A message on the queue and when it becomes visible (entries are checked against the message when popped). */
interface Pending {
  readonly at: number;
  readonly message: QueuedMessage;
}

export class SimulatedSqs {
  public readonly deadLetters: DeadLetteredMessage[] = [];
  public readonly calls: SqsCallCounts = {};
  /** Called when a message may have become receivable (sent, or made visible sooner). */
  public onChange: () => void = () => {};
  readonly #options: SimulatedSqsOptions;
  readonly #messages = new Map<string, QueuedMessage>();
  readonly #pending = new MinHeap<Pending>((a, b) => a.at < b.at);
  #nextId = 0;
  #liveCount = 0;

  public constructor(options: SimulatedSqsOptions) {
    this.#options = options;
  }

  /** Messages not yet deleted or dead-lettered (visible, in flight or delayed). */
  public get liveMessages(): number {
    return this.#liveCount;
  }

  /** The bodies of the messages still on the source queue. */
  public liveBodies(): string[] {
    return [...this.#messages.values()].map((message) => message.body);
  }

  /** A client to hand the handler as its SQSClient: only `send` is used. */
  public client(): { send(command: unknown): Promise<unknown> } {
    return { send: (command) => this.#send(command) };
  }

  /** Put a message on the source queue, as a producer would (no latency: producers are outside the model). */
  public enqueue(body: string, attributes: Readonly<Record<string, MessageAttributeValue>> = {}, delaySeconds = 0): string {
    const now = this.#options.clock.now;
    const message: QueuedMessage = {
      id: `m-${(++this.#nextId).toString(36)}`,
      body,
      attributes,
      sentAtMs: now,
      receiveCount: 0,
      firstReceiveAtMs: undefined,
      visibleAtMs: now + delaySeconds * 1000,
      receipt: undefined,
      deleted: false,
    };
    this.#messages.set(message.id, message);
    this.#liveCount++;
    this.#pending.push({ at: message.visibleAtMs, message });
    return message.id;
  }

  /** When the next message becomes visible (undefined when none is waiting). */
  public nextVisibleAtMs(): number | undefined {
    this.#dropStale();
    return this.#pending.peek()?.at;
  }

  /** Visible messages now, up to `limit`, without receiving them. */
  public countVisible(limit: number): number {
    // The heap is ordered by visibility, so the visible ones are at its top; count them by popping into a buffer.
    const now = this.#options.clock.now;
    const taken: Pending[] = [];
    let visible = 0;
    while (visible < limit) {
      this.#dropStale();
      const top = this.#pending.peek();
      if (top === undefined || top.at > now) break;
      taken.push(this.#pending.pop()!);
      visible++;
    }
    for (const entry of taken) this.#pending.push(entry);
    return visible;
  }

  /**
   * Receive up to `limit` visible messages, those visible longest first, as the event source mapping does: each
   * one's receive count goes up and it stays in flight for the visibility timeout. A message already received
   * maxReceiveCount times is moved to the dead-letter queue instead (the redrive policy).
   */
  public receive(limit: number): SQSRecord[] {
    const now = this.#options.clock.now;
    const records: SQSRecord[] = [];
    while (records.length < limit) {
      this.#dropStale();
      const top = this.#pending.peek();
      if (top === undefined || top.at > now) break;
      this.#pending.pop();
      const message = top.message;
      if (message.receiveCount >= this.#options.maxReceiveCount) {
        this.#remove(message);
        this.deadLetters.push({ body: message.body, attributes: message.attributes, route: 'redrive', atMs: now });
        continue;
      }
      message.receiveCount++;
      message.firstReceiveAtMs ??= now;
      message.receipt = `${message.id}#${message.receiveCount}`;
      this.#hide(message, now + this.#options.visibilityTimeoutSeconds * 1000);
      records.push(this.#record(message));
    }
    return records;
  }

  /** Delete a received message (the event source mapping, for each record the handler did not report failed). */
  public deleteByReceipt(receipt: string): boolean {
    const message = this.#messages.get(receipt.slice(0, receipt.lastIndexOf('#')));
    if (message === undefined || message.receipt !== receipt) return false;
    this.#remove(message);
    return true;
  }

  async #send(command: unknown): Promise<unknown> {
    const name = (command as object)?.constructor?.name ?? typeof command;
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    await this.#options.clock.sleep(this.#options.latencyMs);
    const metadata = { $metadata: { httpStatusCode: 200 } };
    if (command instanceof GetQueueUrlCommand) return { ...metadata, QueueUrl: this.#options.sourceQueueUrl };
    if (command instanceof GetQueueAttributesCommand) {
      // Every live message of the source queue, visible, in flight or delayed alike, as one approximate count.
      return { ...metadata, Attributes: { ApproximateNumberOfMessages: String(this.liveMessages), ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '0' } };
    }
    if (command instanceof SendMessageCommand) {
      const { QueueUrl, MessageBody, MessageAttributes, DelaySeconds } = command.input;
      return { ...metadata, MessageId: this.#sendOne(QueueUrl, MessageBody ?? '', MessageAttributes ?? {}, DelaySeconds ?? 0) };
    }
    if (command instanceof SendMessageBatchCommand) {
      const { QueueUrl, Entries = [] } = command.input;
      return {
        ...metadata,
        Successful: Entries.map((entry) => ({
          Id: entry.Id,
          MessageId: this.#sendOne(QueueUrl, entry.MessageBody ?? '', entry.MessageAttributes ?? {}, entry.DelaySeconds ?? 0),
          MD5OfMessageBody: '',
        })),
        Failed: [],
      };
    }
    if (command instanceof ChangeMessageVisibilityCommand) {
      const { ReceiptHandle, VisibilityTimeout } = command.input;
      if (!this.#changeVisibility(ReceiptHandle ?? '', VisibilityTimeout ?? 0)) throw receiptError();
      return metadata;
    }
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      return this.#batchResult(command.input.Entries ?? [], (entry) => this.#changeVisibility(entry.ReceiptHandle ?? '', entry.VisibilityTimeout ?? 0));
    }
    if (command instanceof DeleteMessageCommand) {
      if (!this.deleteByReceipt(command.input.ReceiptHandle ?? '')) throw receiptError();
      return metadata;
    }
    if (command instanceof DeleteMessageBatchCommand) {
      return this.#batchResult(command.input.Entries ?? [], (entry) => this.deleteByReceipt(entry.ReceiptHandle ?? ''));
    }
    throw new Error(`the burst simulation does not model ${name}`);
  }

  #batchResult<T extends { Id: string | undefined }>(entries: readonly T[], apply: (entry: T) => boolean) {
    const successful: Array<{ Id: string | undefined }> = [];
    const failed: Array<{ Id: string | undefined; Code: string; SenderFault: boolean; Message: string }> = [];
    for (const entry of entries) {
      if (apply(entry)) successful.push({ Id: entry.Id });
      else failed.push({ Id: entry.Id, Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'The receipt handle is not the current one' });
    }
    return { $metadata: { httpStatusCode: 200 }, Successful: successful, Failed: failed };
  }

  #sendOne(queueUrl: string | undefined, body: string, attributes: Record<string, MessageAttributeValue>, delaySeconds: number): string {
    if (queueUrl === this.#options.deadLetterQueueUrl) {
      this.deadLetters.push({ body, attributes, route: 'handler', atMs: this.#options.clock.now });
      return `dlq-${this.deadLetters.length}`;
    }
    if (queueUrl !== this.#options.sourceQueueUrl) throw Object.assign(new Error(`no queue at ${queueUrl}`), { name: 'QueueDoesNotExist' });
    const id = this.enqueue(body, attributes, delaySeconds);
    this.onChange();
    return id;
  }

  #changeVisibility(receipt: string, visibilityTimeoutSeconds: number): boolean {
    const message = this.#messages.get(receipt.slice(0, receipt.lastIndexOf('#')));
    if (message === undefined || message.receipt !== receipt) return false;
    this.#hide(message, this.#options.clock.now + visibilityTimeoutSeconds * 1000);
    this.onChange();
    return true;
  }

  #hide(message: QueuedMessage, untilMs: number): void {
    message.visibleAtMs = untilMs;
    this.#pending.push({ at: untilMs, message });
  }

  #remove(message: QueuedMessage): void {
    message.deleted = true;
    message.receipt = undefined;
    this.#messages.delete(message.id);
    this.#liveCount--;
  }

  /** Heap entries left behind by a message deleted or hidden again since. */
  #dropStale(): void {
    for (;;) {
      const top = this.#pending.peek();
      if (top === undefined || (!top.message.deleted && top.message.visibleAtMs === top.at)) return;
      this.#pending.pop();
    }
  }

  #record(message: QueuedMessage): SQSRecord {
    const { epochMs, sourceQueueArn } = this.#options;
    return {
      messageId: message.id,
      receiptHandle: message.receipt!,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(epochMs + message.sentAtMs),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(epochMs + (message.firstReceiveAtMs ?? 0)),
      },
      messageAttributes: lambdaAttributes(message.attributes),
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: sourceQueueArn,
      awsRegion: 'us-east-1',
    };
  }
}

/** Message attributes as the Lambda event carries them. */
function lambdaAttributes(attributes: Readonly<Record<string, MessageAttributeValue>>): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return out;
}

function receiptError(): Error {
  return Object.assign(new Error('The receipt handle is not the current one'), { name: 'ReceiptHandleIsInvalid', $metadata: { httpStatusCode: 400 } });
}
