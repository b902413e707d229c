import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../local/credentials.ts';
import { startLocalSqs, type LocalSqsServer } from '../../local/sqs-server.ts';
import { MAX_SQS_MESSAGE_BYTES } from '../../lambda/limits.ts';
import { sendToDeadLetterQueue } from '../../lambda/settle/sqs.ts';
import { sqsRecord } from '../helpers/factories.ts';
import type { DeadLetter } from '../../lambda/types.ts';

/**
 * sendToDeadLetterQueue against fauxqs, which refuses, as SQS does, a message whose body and attributes (names, types
 * and values) exceed 1 MiB, and a SendMessageBatch whose messages exceed 1 MiB together.
 */
let server: LocalSqsServer;
let sqs: SQSClient;
let counter = 0;

beforeAll(async () => {
  server = await startLocalSqs(0);
  sqs = new SQSClient({ region: 'us-east-1', endpoint: server.endpoint, credentials: LOCAL_CREDENTIALS });
});
afterAll(async () => {
  sqs?.destroy();
  await server?.close();
});

async function createQueue(): Promise<string> {
  return (await sqs.send(new CreateQueueCommand({ QueueName: `dlq-${process.pid}-${++counter}` }))).QueueUrl!;
}

async function receiveAll(queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], VisibilityTimeout: 60 }));
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
  }
}

/** A JSON body of exactly `bytes` bytes. */
const bodyOf = (bytes: number): string => `{"paths":["${'a'.repeat(bytes - 15)}"]}`;
const stringAttribute = (value: string) => ({ dataType: 'String', stringValue: value }) as SQSMessageAttributes[string];

function letter(messageId: string, bodyBytes: number, attributes: SQSMessageAttributes = {}): DeadLetter {
  return {
    record: sqsRecord({ messageId, body: bodyOf(bodyBytes), messageAttributes: attributes }),
    code: 'InvalidPath',
    message: `invalid path "${'a'.repeat(190)}…(${bodyBytes - 15} characters)": must start with "/"`,
  };
}

describe('sendToDeadLetterQueue against fauxqs', () => {
  it('dead-letters a body of 1,048,000 bytes with its reason, dropping the largest attribute to make room', async () => {
    // Prepare: the original message, body and attributes, was within 1 MiB; with the reason it would not be
    const queueUrl = await createQueue();
    const attributes = { tenant: stringAttribute('blog'), trace: stringAttribute('t'.repeat(500)) };
    const near = letter('7d3f0c1a-5b2e-4f6a-8c9d-0e1f2a3b4c5d', 1_048_000, attributes);
    const unshrunk = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          {
            Id: '0',
            MessageBody: near.record.body,
            MessageAttributes: {
              ErrorCode: { DataType: 'String', StringValue: near.code },
              ErrorMessage: { DataType: 'String', StringValue: near.message },
              SourceMessageId: { DataType: 'String', StringValue: near.record.messageId },
              tenant: { DataType: 'String', StringValue: 'blog' },
              trace: { DataType: 'String', StringValue: 't'.repeat(500) },
            },
          },
        ],
      }),
    ).catch((error: Error) => error);
    expect(unshrunk instanceof Error ? unshrunk.name : unshrunk.Failed?.[0]?.Code, 'fauxqs enforces the limit').toMatch(/TooLong|InvalidParameterValue/);

    // Act
    const failed = await sendToDeadLetterQueue(sqs, queueUrl, [near]);

    // Assess
    expect(failed).toStrictEqual(new Map());
    const [message, ...others] = await receiveAll(queueUrl);
    expect(others).toStrictEqual([]);
    expect(message!.Body).toBe(near.record.body);
    expect(message!.MessageAttributes!.ErrorCode!.StringValue).toBe('InvalidPath');
    expect(message!.MessageAttributes!.SourceMessageId!.StringValue).toBe(near.record.messageId);
    expect(message!.MessageAttributes!.ErrorMessage!.StringValue).toBe(near.message);
    expect(message!.MessageAttributes!.tenant!.StringValue).toBe('blog');
    expect(message!.MessageAttributes!.trace).toBeUndefined();
  });

  it('sends 10 near-limit letters and small ones in batches SQS accepts; a body at the limit alone fails', async () => {
    // Prepare
    const queueUrl = await createQueue();
    const letters = [
      ...Array.from({ length: 10 }, (_, index) => letter(`near-${index}`, MAX_SQS_MESSAGE_BYTES - 2000, { tenant: stringAttribute('x'.repeat(1500)) })),
      letter('whole', MAX_SQS_MESSAGE_BYTES),
      ...Array.from({ length: 12 }, (_, index) => letter(`small-${index}`, 200, { tenant: stringAttribute('blog') })),
    ];

    // Act
    const failed = await sendToDeadLetterQueue(sqs, queueUrl, letters);

    // Assess: only the body at the limit failed (it follows the redrive policy); every other letter is there once
    expect([...failed.keys()]).toStrictEqual(['whole']);
    const received = await receiveAll(queueUrl);
    const sources = received.map((message) => message.MessageAttributes!.SourceMessageId!.StringValue!).sort();
    expect(sources).toStrictEqual(letters.map((each) => each.record.messageId).filter((id) => id !== 'whole').sort());
    for (const message of received) expect(message.MessageAttributes!.ErrorCode!.StringValue).toBe('InvalidPath');
  }, 30_000);
});
