import { describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../local/context.ts';
import { toSqsRecord } from '../../local/records.ts';

const SOURCE = { queueArn: 'arn:aws:sqs:us-east-1:000000000000:q', region: 'us-east-1' };

describe('toSqsRecord', () => {
  it('gives the record the shape Lambda delivers', () => {
    // Prepare
    const message = {
      MessageId: 'm-1',
      ReceiptHandle: 'rh-1',
      Body: '{"paths":["/a"]}',
      MD5OfBody: 'md5',
      MD5OfMessageAttributes: 'md5attrs',
      Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1000', SenderId: 'AIDA', ApproximateFirstReceiveTimestamp: '1500' },
      MessageAttributes: {
        tenant: { DataType: 'String', StringValue: 'blog' },
        blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi') },
      },
    };

    // Act
    const record = toSqsRecord(message, SOURCE);

    // Assess
    expect(record).toStrictEqual({
      messageId: 'm-1',
      receiptHandle: 'rh-1',
      body: '{"paths":["/a"]}',
      attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1000', SenderId: 'AIDA', ApproximateFirstReceiveTimestamp: '1500' },
      messageAttributes: {
        tenant: { stringValue: 'blog', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: 'aGk=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfBody: 'md5',
      md5OfMessageAttributes: 'md5attrs',
      eventSource: 'aws:sqs',
      eventSourceARN: SOURCE.queueArn,
      awsRegion: 'us-east-1',
    });
  });

  it('keeps FIFO attributes when the queue sends them', () => {
    const record = toSqsRecord(
      { MessageId: 'm', ReceiptHandle: 'r', Body: 'b', Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1', SenderId: 's', ApproximateFirstReceiveTimestamp: '1', MessageGroupId: 'g', SequenceNumber: '7' } },
      SOURCE,
    );
    expect(record.attributes).toMatchObject({ MessageGroupId: 'g', SequenceNumber: '7' });
    expect(record.messageAttributes).toStrictEqual({});
  });

  it('rejects a message without a receipt handle', () => {
    expect(() => toSqsRecord({ MessageId: 'm', Body: 'b' }, SOURCE)).toThrow(/without MessageId, ReceiptHandle or Body \(m\)/);
  });
});

describe('createLambdaContext', () => {
  it('counts the remaining time down from the timeout', () => {
    // Prepare
    let now = 1_000;

    // Act
    const context = createLambdaContext({ functionName: 'fn', region: 'eu-west-1' }, 30_000, () => now);
    now += 12_000;

    // Assess
    expect(context.getRemainingTimeInMillis()).toBe(18_000);
    expect(context).toMatchObject({
      functionName: 'fn',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:fn',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/fn',
    });
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    now += 60_000;
    expect(context.getRemainingTimeInMillis()).toBe(0);
  });
});
