import type { Message, MessageAttributeValue, MessageSystemAttributeName } from '@aws-sdk/client-sqs';
import type { SQSMessageAttribute, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/**
 * The system attributes Lambda's SQS event source puts in every record (and the FIFO ones when present).
 * The poller asks ReceiveMessage for exactly these.
 */
export const RECORD_SYSTEM_ATTRIBUTES = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SenderId',
  'ApproximateFirstReceiveTimestamp',
  'AWSTraceHeader',
  'SequenceNumber',
  'MessageGroupId',
  'MessageDeduplicationId',
  'DeadLetterQueueSourceArn',
] as const satisfies readonly MessageSystemAttributeName[];

/** Where the records come from: the queue's ARN and region, as Lambda states them in each record. */
export interface RecordSource {
  readonly queueArn: string;
  readonly region: string;
}

/**
 * Turn a received SQS message into the record Lambda's SQS event source would deliver: camelCase fields,
 * `eventSource: 'aws:sqs'`, message attributes as `{ stringValue, binaryValue (base64), stringListValues: [],
 * binaryListValues: [], dataType }`.
 *
 * @throws {TypeError} when the message lacks its id, receipt handle or body (the queue answered something else)
 */
export function toSqsRecord(message: Message, source: RecordSource): SQSRecord {
  const { MessageId, ReceiptHandle, Body, MD5OfBody } = message;
  if (MessageId === undefined || ReceiptHandle === undefined || Body === undefined) {
    throw new TypeError(`ReceiveMessage returned a message without MessageId, ReceiptHandle or Body (${MessageId ?? 'no id'})`);
  }
  const record: SQSRecord = {
    messageId: MessageId,
    receiptHandle: ReceiptHandle,
    body: Body,
    attributes: recordAttributes(message.Attributes ?? {}),
    messageAttributes: recordMessageAttributes(message.MessageAttributes ?? {}),
    md5OfBody: MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
  if (message.MD5OfMessageAttributes !== undefined) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function recordAttributes(attributes: Partial<Record<string, string>>): SQSRecordAttributes {
  const result: SQSRecordAttributes = {
    ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
    SentTimestamp: attributes.SentTimestamp ?? '',
    SenderId: attributes.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? attributes.SentTimestamp ?? '',
  };
  for (const name of RECORD_SYSTEM_ATTRIBUTES) {
    const value = attributes[name];
    if (value !== undefined && !(name in result)) (result as unknown as Record<string, string>)[name] = value;
  }
  return result;
}

function recordMessageAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    // Lambda lists the fields in this order; keep it so logged events read like real ones.
    const attribute: SQSMessageAttribute = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType ?? 'String',
    };
    result[name] = attribute;
  }
  return result;
}
