import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { MAX_SQS_MESSAGE_BYTES } from '../../lambda/limits.ts';
import { MIN_ERROR_MESSAGE_BYTES, deadLetterEntry, packBatches, sendMessages, shortenToBytes, sqsMessageBytes, type DeadLetterEntry } from '../../lambda/settle/sqs.ts';
import { sqsRecord } from '../helpers/factories.ts';
import type { DeadLetter } from '../../lambda/types.ts';

/** A message id as SQS makes them: a UUID, 36 characters. */
const UUID = '3f1c2b9e-8d4a-4c6f-9b1e-2a7d5e0c4b81';
const MiB = MAX_SQS_MESSAGE_BYTES;

/** A letter whose body is `bodyBytes` bytes of JSON-ish ASCII. */
function letter(options: { bodyBytes?: number; body?: string; message?: string; code?: string; messageId?: string; attributes?: SQSMessageAttributes }): DeadLetter {
  const body = options.body ?? `{"paths":["/${'a'.repeat(Math.max(0, (options.bodyBytes ?? 20) - 15))}"]}`;
  return {
    record: sqsRecord({ body, messageId: options.messageId ?? UUID, messageAttributes: options.attributes ?? {} }),
    code: options.code ?? 'InvalidPath',
    message: options.message ?? 'invalid path "a": must start with "/"',
  };
}

const stringAttribute = (value: string) => ({ dataType: 'String', stringValue: value }) as SQSMessageAttributes[string];

/** The bytes of the three reason attributes with `errorMessage`, `code` and a UUID message id. */
function reasonBytes(errorMessage: string, code = 'InvalidPath'): number {
  return 'ErrorCode'.length + 6 + code.length + 'SourceMessageId'.length + 6 + UUID.length + 'ErrorMessage'.length + 6 + Buffer.byteLength(errorMessage);
}

function expectConsistent(entry: DeadLetterEntry): void {
  expect(entry.bytes).toBe(sqsMessageBytes(entry.letter.record.body, entry.attributes));
  expect(entry.attributes.ErrorCode).toStrictEqual({ DataType: 'String', StringValue: entry.letter.code });
  expect(entry.attributes.SourceMessageId).toStrictEqual({ DataType: 'String', StringValue: entry.letter.record.messageId });
  expect(entry.attributes.ErrorMessage!.StringValue!.length).toBeGreaterThan(0);
  expect(entry.attributes.ErrorMessage!.StringValue!.isWellFormed()).toBe(true);
}

describe('sqsMessageBytes', () => {
  it('counts the body and each attribute name, data type and value, in UTF-8 bytes', () => {
    // Act
    const bytes = sqsMessageBytes('héllo', {
      ErrorCode: { DataType: 'String', StringValue: 'InvalidJson' },
      tenant: { DataType: 'String.custom', StringValue: '€' },
      count: { DataType: 'Number', StringValue: '42' },
    });

    // Assess
    expect(bytes).toBe(6 + (9 + 6 + 11) + (6 + 13 + 3) + (5 + 6 + 2));
  });

  it('counts a binary value as its base64 text, never less than SQS counts', () => {
    // Act
    const bytes = sqsMessageBytes('', { blob: { DataType: 'Binary', BinaryValue: new Uint8Array(10) } });

    // Assess: 10 bytes are 16 characters of base64
    expect(bytes).toBe(4 + 6 + 16);
  });
});

describe('shortenToBytes', () => {
  it('keeps a text that fits', () => {
    expect(shortenToBytes('abc', 3)).toBe('abc');
  });

  it.each([
    ['ASCII', 'a'.repeat(100), 10, `${'a'.repeat(7)}…`],
    ['two-byte characters, not split', 'é'.repeat(100), 10, `${'é'.repeat(3)}…`],
    ['a surrogate pair, not split', `ab${'😀'.repeat(10)}`, 8, 'ab…'],
    ['nothing but the ellipsis', 'abcdef', 3, '…'],
  ])('cuts %s and ends in "…" within the bytes', (_name, text, maxBytes, expected) => {
    // Act
    const shortened = shortenToBytes(text, maxBytes);

    // Assess
    expect(shortened).toBe(expected);
    expect(Buffer.byteLength(shortened)).toBeLessThanOrEqual(maxBytes);
    expect(shortened.isWellFormed()).toBe(true);
  });

  it('gives "…" when not even it fits: SQS refuses an empty value', () => {
    expect(shortenToBytes('abcdef', 1)).toBe('…');
  });
});

describe('deadLetterEntry', () => {
  it('keeps the reason and every original attribute of a small letter', () => {
    // Prepare
    const small = letter({ attributes: { tenant: stringAttribute('blog'), blob: { dataType: 'Binary', binaryValue: Buffer.from('xyz').toString('base64') } as SQSMessageAttributes[string] } });

    // Act
    const entry = deadLetterEntry(small);

    // Assess
    expectConsistent(entry);
    expect(Object.keys(entry.attributes)).toStrictEqual(['ErrorCode', 'ErrorMessage', 'SourceMessageId', 'tenant', 'blob']);
    expect(entry.attributes.ErrorMessage!.StringValue).toBe(small.message);
    expect(entry.attributes.tenant).toStrictEqual({ DataType: 'String', StringValue: 'blog' });
    expect(Buffer.from(entry.attributes.blob!.BinaryValue!).toString()).toBe('xyz');
  });

  it('keeps at most 10 attributes, the reason first, and never copies an original attribute over a reason one', () => {
    // Prepare
    const attributes: SQSMessageAttributes = { ErrorCode: stringAttribute('Stale'), SourceMessageId: stringAttribute('old') };
    for (let index = 0; index < 12; index++) attributes[`a${index}`] = stringAttribute(String(index));

    // Act
    const entry = deadLetterEntry(letter({ attributes }));

    // Assess
    expectConsistent(entry);
    expect(Object.keys(entry.attributes)).toStrictEqual(['ErrorCode', 'ErrorMessage', 'SourceMessageId', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
  });

  it('shortens ErrorMessage to at most 1,024 characters without splitting a surrogate pair', () => {
    // Act
    const entry = deadLetterEntry(letter({ message: `x${'😀'.repeat(2000)}` }));

    // Assess
    const message = entry.attributes.ErrorMessage!.StringValue!;
    expect(message.length).toBeLessThanOrEqual(1024);
    expect(message.endsWith('…')).toBe(true);
    expect(message.isWellFormed()).toBe(true);
  });

  it('fits a body of 1 MiB - 100 bytes with big attributes: shortens ErrorMessage, drops the copied attributes', () => {
    // Prepare: the original message was at the limit with its attributes; a short message id leaves room for the reason
    const big = letter({
      bodyBytes: MiB - 100,
      messageId: 'm-1',
      message: `invalid path ${'"x'.repeat(500)}": must start with "/"`,
      attributes: { trace: stringAttribute('t'.repeat(40)), big: stringAttribute('b'.repeat(50)) },
    });
    expect(Buffer.byteLength(big.record.body)).toBe(MiB - 100);

    // Act
    const entry = deadLetterEntry(big);

    // Assess
    expectConsistent(entry);
    expect(entry.bytes).toBeLessThanOrEqual(MiB);
    expect(Object.keys(entry.attributes)).toStrictEqual(['ErrorCode', 'ErrorMessage', 'SourceMessageId']);
    const message = entry.attributes.ErrorMessage!.StringValue!;
    expect(message).toMatch(/^invalid path "x.*…$/);
    // Every byte left goes to ErrorMessage: one more character would not fit.
    expect(MiB - entry.bytes).toBeLessThan(4);
  });

  it('fits a body 1 MiB - 400 bytes with a UUID message id: drops the largest attribute first and keeps the rest', () => {
    // Prepare: 2 + 6 + 250 bytes of "big", 2 + 6 + 4 of "id"
    const near = letter({ bodyBytes: MiB - 400, message: 'm'.repeat(1024), attributes: { id: stringAttribute('1234'), bg: stringAttribute('b'.repeat(250)) } });

    // Act
    const entry = deadLetterEntry(near);

    // Assess: with "bg", not even MIN_ERROR_MESSAGE_BYTES of ErrorMessage would fit; without it, 400 - 12 - reason bytes do
    expectConsistent(entry);
    expect(entry.bytes).toBe(MiB);
    expect(Object.keys(entry.attributes)).toStrictEqual(['ErrorCode', 'ErrorMessage', 'SourceMessageId', 'id']);
    expect(Buffer.byteLength(entry.attributes.ErrorMessage!.StringValue!)).toBe(400 - 12 - reasonBytes(''));
  });

  it('shortens ErrorMessage down to MIN_ERROR_MESSAGE_BYTES before it drops an attribute', () => {
    // Prepare: room for the attribute and exactly MIN_ERROR_MESSAGE_BYTES of ErrorMessage
    const attributeBytes = 'tenant'.length + 6 + 4;
    const room = reasonBytes('') + attributeBytes + MIN_ERROR_MESSAGE_BYTES;
    const near = letter({ bodyBytes: MiB - room, message: 'm'.repeat(1000), attributes: { tenant: stringAttribute('blog') } });

    // Act
    const entry = deadLetterEntry(near);

    // Assess
    expectConsistent(entry);
    expect(entry.bytes).toBe(MiB);
    expect(entry.attributes.tenant).toStrictEqual({ DataType: 'String', StringValue: 'blog' });
    expect(Buffer.byteLength(entry.attributes.ErrorMessage!.StringValue!)).toBe(MIN_ERROR_MESSAGE_BYTES);

    // Act: one byte less of room: the attribute goes, and ErrorMessage takes its bytes back
    const tighter = deadLetterEntry(letter({ bodyBytes: MiB - room + 1, message: 'm'.repeat(1000), attributes: { tenant: stringAttribute('blog') } }));

    // Assess
    expectConsistent(tighter);
    expect(tighter.attributes.tenant).toBeUndefined();
    expect(Buffer.byteLength(tighter.attributes.ErrorMessage!.StringValue!)).toBe(MIN_ERROR_MESSAGE_BYTES - 1 + attributeBytes);
  });

  it('gives a body at the exact limit the shortest ErrorMessage and an entry over the limit (SQS refuses it)', () => {
    // Act
    const entry = deadLetterEntry(letter({ bodyBytes: MiB, attributes: { tenant: stringAttribute('blog') } }));

    // Assess
    expectConsistent(entry);
    expect(Object.keys(entry.attributes)).toStrictEqual(['ErrorCode', 'ErrorMessage', 'SourceMessageId']);
    expect(entry.attributes.ErrorMessage!.StringValue).toBe('…');
    expect(entry.bytes).toBe(MiB + reasonBytes('…'));
  });

  it('needs about 100 bytes beside the body with a UUID message id: 1 MiB - 100 is 4 bytes over', () => {
    // Act
    const entry = deadLetterEntry(letter({ bodyBytes: MiB - 100 }));

    // Assess: 26 (ErrorCode) + 57 (SourceMessageId) + 21 (ErrorMessage "…") = 104 bytes
    expect(reasonBytes('…')).toBe(104);
    expect(entry.bytes).toBe(MiB + 4);
  });
});

describe('packBatches', () => {
  it('puts 10 near-limit letters in 10 batches', () => {
    // Prepare
    const entries = Array.from({ length: 10 }, (_, index) => deadLetterEntry(letter({ bodyBytes: MiB - 2000, messageId: `m-${index}` })));

    // Act
    const batches = packBatches(entries);

    // Assess
    expect(batches).toHaveLength(10);
    for (const batch of batches) expect(batch).toHaveLength(1);
  });

  it('puts at most 10 entries in a batch', () => {
    // Prepare
    const entries = Array.from({ length: 25 }, (_, index) => deadLetterEntry(letter({ messageId: `m-${index}` })));

    // Act
    const batches = packBatches(entries);

    // Assess
    expect(batches.map((batch) => batch.length)).toStrictEqual([10, 10, 5]);
  });

  it('keeps each batch within 1 MiB by the real sizes, copied attributes included', () => {
    // Prepare: bodies of 330,000 bytes with 40,000 bytes of attributes: three fit by body size alone, not with them
    const attributes = { a: stringAttribute('a'.repeat(20_000)), b: stringAttribute('b'.repeat(20_000)) };
    const entries = Array.from({ length: 6 }, (_, index) => deadLetterEntry(letter({ bodyBytes: 330_000, messageId: `m-${index}`, attributes })));

    // Act
    const batches = packBatches(entries);

    // Assess
    expect(entries[0]!.attributes.a).toBeDefined();
    expect(batches.map((batch) => batch.length)).toStrictEqual([2, 2, 2]);
    for (const batch of batches) expect(batch.reduce((sum, entry) => sum + entry.bytes, 0)).toBeLessThanOrEqual(MiB);
    expect(batches.flat()).toStrictEqual(entries);
  });

  it('sends an entry over the limit alone, so that its refusal fails no other', () => {
    // Prepare
    const entries = [
      deadLetterEntry(letter({ messageId: 'small-1' })),
      deadLetterEntry(letter({ bodyBytes: MiB, messageId: 'whole' })),
      deadLetterEntry(letter({ messageId: 'small-2' })),
    ];

    // Act
    const batches = packBatches(entries);

    // Assess
    expect(batches.map((batch) => batch.map((entry) => entry.letter.record.messageId))).toStrictEqual([['small-1'], ['whole'], ['small-2']]);
  });
});

describe('sendMessages', () => {
  it.each<[string, unknown, string]>([
    ['an SDK error', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), 'ThrottlingException: Rate exceeded'],
    ['undefined', undefined, 'UnknownError: undefined'],
  ])('never throws: a call rejected with %s makes each of its messages a failure with the reason', async (_name, rejection, reason) => {
    // Prepare
    const sqs = new SQSClient({ region: 'us-east-1' });
    mockClient(sqs).on(SendMessageBatchCommand).callsFake(() => Promise.reject(rejection));
    const message = { body: '{}', attributes: {}, bytes: 2 };

    // Act
    const results = await sendMessages(sqs, 'https://sqs.us-east-1.amazonaws.com/123456789012/q', [message, message]);

    // Assess
    expect(results).toStrictEqual([{ error: reason }, { error: reason }]);
  });

  it('counts an entry SendMessageBatch neither confirmed nor refused as not sent', async () => {
    // Prepare
    const sqs = new SQSClient({ region: 'us-east-1' });
    mockClient(sqs).on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'new-0', MD5OfMessageBody: '' }], Failed: [] });
    const message = { body: '{}', attributes: {}, bytes: 2 };

    // Act
    const results = await sendMessages(sqs, 'https://sqs.us-east-1.amazonaws.com/123456789012/q', [message, message]);

    // Assess
    expect(results).toStrictEqual([{ messageId: 'new-0' }, { error: 'not confirmed by SendMessageBatch' }]);
  });
});
