import { createHash } from 'node:crypto';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { parseInvalidatorConfig, type InvalidatorConfig, type InvalidatorConfigInput } from '../../lambda/config.ts';

/** The queue the factories' records come from. */
export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:invalidation-queue';

/** The distributions of `testConfig()`. */
export const WWW_DISTRIBUTION_ID = 'EDFDVBD6EXAMPLE';
export const MEDIA_DISTRIBUTION_ID = 'E2QWRUHEXAMPLE';

/** The hostnames `TWO_DISTRIBUTIONS` routes: www.example.com and every example.org host, and media.example.com. */
export const WWW_HOSTNAMES: readonly string[] = ['www.example.com', '.example.org'];
export const MEDIA_HOSTNAMES: readonly string[] = ['media.example.com'];

/** `testConfig()` as the function's INVALIDATOR_CONFIG holds it (input, not parsed). */
export const TWO_DISTRIBUTIONS = {
  distributions: [
    { id: WWW_DISTRIBUTION_ID, hostnames: [...WWW_HOSTNAMES] },
    { id: MEDIA_DISTRIBUTION_ID, hostnames: [...MEDIA_HOSTNAMES] },
  ],
};

/** One distribution serving www.example.com only. */
export const ONE_DISTRIBUTION = { distributions: [{ id: WWW_DISTRIBUTION_ID, hostnames: ['www.example.com'] }] };

/** One distribution serving www.example.org only: the `invalidator` context of the local-mode and CLI tests. */
export const LOCAL_DISTRIBUTION = { distributions: [{ id: WWW_DISTRIBUTION_ID, hostnames: ['www.example.org'] }] };

/**
 * An error as the AWS SDK v3 throws it for a service's answer: `name` is the error code.
 *
 * @example
 * cloudfrontMock.on(CreateInvalidationCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));
 */
export function awsError(name: string, message: string, status: number, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

/** When the factories' messages were sent: fixed, so tests are repeatable. */
export const SENT_TIMESTAMP = 1_717_243_200_000;

export interface SqsRecordOptions {
  /** The message body: a string as given, anything else as JSON. */
  readonly body: string | object;
  /** @default a UUID numbered in creation order */
  readonly messageId?: string;
  /** The `ApproximateReceiveCount` attribute. @default 1 */
  readonly receiveCount?: number;
  /** @default {} */
  readonly messageAttributes?: SQSMessageAttributes;
  /** @default QUEUE_ARN */
  readonly eventSourceARN?: string;
}

let recordsCreated = 0;

/**
 * An SQS record as the Lambda event source delivers it.
 *
 * @example
 * sqsRecord({ body: { paths: ['/index.html'] }, receiveCount: 3 });
 */
export function sqsRecord(options: SqsRecordOptions): SQSRecord {
  recordsCreated++;
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const messageId = options.messageId ?? `00000000-0000-4000-8000-${String(recordsCreated).padStart(12, '0')}`;
  return {
    messageId,
    receiptHandle: `AQEB${Buffer.from(`${messageId}:${recordsCreated}`).toString('base64')}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(SENT_TIMESTAMP),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(SENT_TIMESTAMP + 250),
    },
    messageAttributes: options.messageAttributes ?? {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: options.eventSourceARN ?? QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

/** An SQS event carrying `records`. */
export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/**
 * A validated two-distribution configuration: `EDFDVBD6EXAMPLE` serves www.example.com and every example.org
 * host, `E2QWRUHEXAMPLE` serves media.example.com. Limits are the defaults unless overridden.
 */
export function testConfig(overrides: Partial<InvalidatorConfigInput> = {}): InvalidatorConfig {
  return parseInvalidatorConfig({ ...TWO_DISTRIBUTIONS, ...overrides });
}
