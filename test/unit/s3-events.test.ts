import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidMessageError } from '../../lambda/errors.ts';
import { decodeObjectKey, encodeObjectKey, parseS3Body, type S3Body } from '../../lambda/read/s3-events.ts';
import {
  EVENTBRIDGE_OBJECT_CREATED_EXAMPLE,
  EVENTBRIDGE_OBJECT_DELETED_EXAMPLE,
  EVENTBRIDGE_OBJECT_EXPIRED_EXAMPLE,
  EVENTBRIDGE_RESTORE_COMPLETED_EXAMPLE,
  NOTIFICATION_PUT_EXAMPLE,
  NOTIFICATION_STRUCTURE_EXAMPLE,
  TEST_EVENT_EXAMPLE,
  notificationOf,
  withObject,
} from '../fixtures/s3-events.ts';
import { thrown } from './thrown.ts';

/** The records of a body that holds changes. */
function recordsOf(body: S3Body | undefined) {
  expect(body?.kind).toBe('changes');
  return (body as Extract<S3Body, { kind: 'changes' }>).records;
}

describe('parseS3Body: AWS documented examples', () => {
  it('reads the s3:ObjectCreated:Put notification (version 2.1)', () => {
    // Act
    const body = parseS3Body(NOTIFICATION_PUT_EXAMPLE);

    // Assess
    expect(body).toStrictEqual({
      kind: 'changes',
      source: 'aws:s3',
      records: [{ where: 'Records[0]', bucket: 'mybucket', key: 'HappyFace.jpg', event: 'ObjectCreated:Put', changesContent: true }],
    });
  });

  it('reads the structure example (version 2.2): extra fields ignored, its placeholder event changes no content', () => {
    expect(recordsOf(parseS3Body(NOTIFICATION_STRUCTURE_EXAMPLE))).toStrictEqual([
      { where: 'Records[0]', bucket: 'bucket-name', key: 'object-key', event: 'event-type', changesContent: false },
    ]);
  });

  it('reads the test message as the test event, with its bucket', () => {
    expect(parseS3Body(TEST_EVENT_EXAMPLE)).toStrictEqual({ kind: 'test', bucket: 'bucketname' });
  });

  it.each([
    ['Object Created', EVENTBRIDGE_OBJECT_CREATED_EXAMPLE, true],
    ['Object Deleted (DeleteObject)', EVENTBRIDGE_OBJECT_DELETED_EXAMPLE, true],
    ['Object Deleted (lifecycle expiration)', EVENTBRIDGE_OBJECT_EXPIRED_EXAMPLE, true],
    ['Object Restore Completed', EVENTBRIDGE_RESTORE_COMPLETED_EXAMPLE, false],
  ])('reads the EventBridge %s event', (_name, example, changesContent) => {
    expect(parseS3Body(example)).toStrictEqual({
      kind: 'changes',
      source: 'aws.s3',
      records: [{ where: 'detail', bucket: 'DOC-EXAMPLE-BUCKET1', key: 'example-key', event: example['detail-type'], changesContent }],
    });
  });
});

describe('parseS3Body: events', () => {
  it.each([
    ['ObjectCreated:Put', true],
    ['ObjectCreated:Post', true],
    ['ObjectCreated:Copy', true],
    ['ObjectCreated:CompleteMultipartUpload', true],
    ['ObjectRemoved:Delete', true],
    ['ObjectRemoved:DeleteMarkerCreated', true],
    ['LifecycleExpiration:Delete', true],
    ['LifecycleExpiration:DeleteMarkerCreated', true],
    ['ObjectRestore:Completed', false],
    ['ObjectTagging:Put', false],
    ['ObjectAcl:Put', false],
    ['Replication:OperationCompletedReplication', false],
    ['LifecycleTransition', false],
    ['IntelligentTiering', false],
  ])('%s changes content: %s', (event, changesContent) => {
    expect(recordsOf(parseS3Body(withObject(NOTIFICATION_PUT_EXAMPLE, { event })))[0]).toMatchObject({ changesContent });
  });

  it.each(['2.0', '2.1', '2.2', '2.3', '2.5', '2.10'])('reads eventVersion %s (major version 2)', (eventVersion) => {
    // Prepare
    const body = structuredClone(NOTIFICATION_PUT_EXAMPLE) as unknown as { Records: Array<Record<string, unknown>> };
    body.Records[0]!.eventVersion = eventVersion;

    // Assess
    expect(recordsOf(parseS3Body(body))[0]).toMatchObject({ key: 'HappyFace.jpg' });
  });

  it('reads every record of a body, in order', () => {
    expect(recordsOf(parseS3Body(notificationOf('example-site', ['a.html', 'b/c.html', 'd+e.png']))).map((record) => 'key' in record && record.key)).toStrictEqual([
      'a.html',
      'b/c.html',
      'd e.png',
    ]);
  });
});

describe('parseS3Body: keys', () => {
  it('decodes "+" as a space: "red flower.jpg" arrives as "red+flower.jpg" (the S3 User Guide\'s example)', () => {
    expect(recordsOf(parseS3Body(withObject(NOTIFICATION_PUT_EXAMPLE, { key: 'red+flower.jpg' })))[0]).toMatchObject({ key: 'red flower.jpg' });
  });

  it('decodes %XX escapes as UTF-8, and %2B as "+"', () => {
    expect(recordsOf(parseS3Body(withObject(NOTIFICATION_PUT_EXAMPLE, { key: 'images/caf%C3%A9+menu%2B%2F.png' })))[0]).toMatchObject({
      key: 'images/café menu+/.png',
    });
  });

  it.each([
    ['URL-encoded, as notifications write keys', 'blog/caf%C3%A9+menu.html', 'blog/café menu.html'],
    ['as is, when nothing in it needs encoding', 'blog/menu.html', 'blog/menu.html'],
  ])('reads an EventBridge key %s', (_name, key, decoded) => {
    expect(recordsOf(parseS3Body(withObject(EVENTBRIDGE_OBJECT_CREATED_EXAMPLE, { key })))[0]).toMatchObject({ key: decoded });
  });

  it.each([
    ['a "%" not followed by two hex digits', 'caf%E'],
    ['escapes that are not UTF-8', 'caf%E9.html'],
    ['an escaped lone surrogate (CESU-8)', '%ED%A0%80'],
  ])('rejects the record of a key with %s, naming it', (_name, key) => {
    // Act
    const [record] = recordsOf(parseS3Body(withObject(NOTIFICATION_PUT_EXAMPLE, { key })));

    // Assess
    expect(record).toStrictEqual({
      where: 'Records[0]',
      rejected: { code: 'InvalidMessage', message: `Records[0].s3.object.key ${JSON.stringify(key)} is not URL-encoded UTF-8` },
    });
  });

  it('encodes keys as notifications write them: a space as "+", "/" kept, the rest as UTF-8 %XX', () => {
    expect(encodeObjectKey("images/café menu (1)+~!'.png")).toBe('images/caf%C3%A9+menu+%281%29%2B%7E%21%27.png');
    expect(encodeObjectKey('a-b_c.d*e/f')).toBe('a-b_c.d*e/f');
  });

  it('decodes what it encodes, for any key without a lone surrogate (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), (text, binary) => {
        const key = `${text}${binary}`;
        fc.pre(key.isWellFormed());
        expect(decodeObjectKey(encodeObjectKey(key))).toBe(key);
      }),
    );
  });
});

describe('parseS3Body: other bodies', () => {
  it.each([
    ['a v1 message', { paths: ['/a'] }],
    ['an EventBridge event of another source', { 'detail-type': 'Object Created', source: 'cms.pages', detail: { paths: ['/a'] } }],
    ['an array', [NOTIFICATION_PUT_EXAMPLE]],
    ['a string', 'Records'],
    ['null', null],
  ])('is not an S3 body: %s', (_name, value) => {
    expect(parseS3Body(value)).toBeUndefined();
  });
});

describe('parseS3Body: malformed bodies and records', () => {
  it.each([
    ['"Records" is not an array', { Records: { eventSource: 'aws:s3' } }, /"Records" must be a non-empty array \(given an object\)/],
    ['"Records" is empty', { Records: [] }, /"Records" must be a non-empty array \(given an empty array\)/],
    ['"Records" is null', { Records: null }, /given null/],
    ['a record without "Records" around it', NOTIFICATION_PUT_EXAMPLE.Records[0], /S3 event notification without "Records"/],
    ['a message of S3 other than the test event', { Service: 'Amazon S3', Event: 's3:SomethingElse' }, /without "Records"/],
    ['an S3 EventBridge event without a detail object', { 'detail-type': 'Object Created', source: 'aws.s3', detail: 'x' }, /"detail" must be an object \(given a string\)/],
    ['an S3 EventBridge event with a detail-type not a string', { 'detail-type': 7, source: 'aws.s3', detail: {} }, /"detail-type" must be a string/],
  ])('throws InvalidMessage when %s', (_name, value, message) => {
    // Act
    const error = thrown(() => parseS3Body(value));

    // Assess
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error).toMatchObject({ code: 'InvalidMessage' });
    expect(error.message).toMatch(message);
  });

  const put = NOTIFICATION_PUT_EXAMPLE.Records[0];
  it.each([
    ['not an object', 'record', 'Records[0]: must be an object (given a string)'],
    ['of another eventSource', { ...put, eventSource: 'aws:sqs' }, 'Records[0]: eventSource must be "aws:s3" (given "aws:sqs")'],
    ['without eventSource', { ...put, eventSource: undefined }, 'Records[0]: eventSource must be "aws:s3" (given none)'],
    ['of major version 3', { ...put, eventVersion: '3.0' }, 'Records[0]: eventVersion must be 2.x (given "3.0")'],
    ['without eventName', { ...put, eventName: 42 }, 'Records[0]: eventName must be a non-empty string (given a number)'],
    ['without s3', { ...put, s3: undefined }, 'Records[0].s3.bucket.name must be a non-empty string (given none)'],
    ['with a key not a string', { ...put, s3: { ...put.s3, object: { key: ['a'] } } }, 'Records[0].s3.object.key must be a non-empty string (given an array)'],
    ['with an empty key', { ...put, s3: { ...put.s3, object: { key: '' } } }, 'Records[0].s3.object.key must be a non-empty string (given "")'],
  ])('rejects a record %s, and reads the others', (_name, bad, message) => {
    // Act
    const records = recordsOf(parseS3Body({ Records: [put, bad] }));

    // Assess
    expect(records[0]).toMatchObject({ key: 'HappyFace.jpg' });
    expect(records[1]).toStrictEqual({ where: 'Records[1]', rejected: { code: 'InvalidMessage', message: message.replace('Records[0]', 'Records[1]') } });
  });
});
