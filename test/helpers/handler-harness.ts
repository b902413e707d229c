import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityBatchCommand, GetQueueUrlCommand, SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { SENT_TIMESTAMP } from './factories.ts';
import { createHandler } from '../../lambda/wiring.ts';
import { createLambdaContext } from '../../local/context.ts';

export const DEAD_LETTER_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/invalidation-dlq';
export const SOURCE_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/invalidation-queue';

/**
 * The real handler with the CloudFront, SQS and DynamoDB clients mocked at the SDK boundary (aws-sdk-client-mock), the
 * happy path answered by default, and what it prints captured as parsed JSON lines: Powertools writes INFO lines
 * and EMF metrics to stdout, WARN and ERROR lines to stderr, so a passing run prints nothing.
 */
export function handlerHarness(config: unknown, env: Record<string, string> = {}) {
  const cloudfront = new CloudFrontClient({ region: 'us-east-1' });
  const sqs = new SQSClient({ region: 'us-east-1' });
  const cloudfrontMock = mockClient(cloudfront);
  const sqsMock = mockClient(sqs);
  // Used with LEASE_TABLE_NAME in `env`: every send lease is free, unless a test says otherwise.
  const dynamodb = new DynamoDBClient({ region: 'us-east-1' });
  const dynamodbMock = mockClient(dynamodb);
  let invalidationNumber = 0;
  cloudfrontMock.on(CreateInvalidationCommand).callsFake(async () => ({
    Location: 'https://cloudfront.amazonaws.com/2020-05-31/distribution/X/invalidation/I',
    Invalidation: { Id: `I${++invalidationNumber}`, Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined },
  }));
  sqsMock.on(SendMessageBatchCommand).callsFake(async (input: { Entries: Array<{ Id: string }> }) => ({
    Successful: input.Entries.map((entry) => ({ Id: entry.Id, MessageId: `dlq-${entry.Id}`, MD5OfMessageBody: '' })),
    Failed: [],
  }));
  sqsMock.on(ChangeMessageVisibilityBatchCommand).callsFake(async (input: { Entries: Array<{ Id: string }> }) => ({
    Successful: input.Entries.map((entry) => ({ Id: entry.Id })),
    Failed: [],
  }));
  sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: SOURCE_QUEUE_URL });

  const handler = createHandler({
    env: {
      INVALIDATOR_CONFIG: JSON.stringify(config),
      DEAD_LETTER_QUEUE_URL,
      MAX_RECEIVE_COUNT: '5',
      RETRY_BASE_DELAY_SECONDS: '30',
      RETRY_MAX_DELAY_SECONDS: '900',
      ...env,
    },
    cloudfront,
    sqs,
    dynamodb,
    random: () => 0.5,
    // A minute after the factories' messages were sent: waiting messages are young, far from maxBacklogAge.
    now: () => SENT_TIMESTAMP + 60_000,
  });

  /** stdout and stderr, in the order written. */
  const output: string[] = [];
  const invoke = async (event: SQSEvent, context: Partial<Context> = {}): Promise<SQSBatchResponse> =>
    (await captureOutput(() => handler(event, lambdaContext(context)), output)) as SQSBatchResponse;
  const logLines = () => jsonLines(output);

  return { handler, invoke, cloudfrontMock, sqsMock, dynamodbMock, output, logLines };
}

/**
 * Run `run` with what it writes to stdout and stderr (Powertools logs and EMF metrics) appended to `output` instead
 * of printed.
 *
 * @example
 * const output: string[] = [];
 * await captureOutput(() => handler(event, lambdaContext()), output);
 * expect(jsonLines(output)).toContainEqual(expect.objectContaining({ level: 'WARN' }));
 */
export async function captureOutput<T>(run: () => Promise<T>, output: string[]): Promise<T> {
  const capture = (chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    return await run();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** The JSON lines (log lines and EMF metrics) among what was written. */
export function jsonLines(output: readonly string[]): Array<Record<string, unknown>> {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A Lambda context with a minute left (as local mode builds it), and any field overridden. */
export function lambdaContext(overrides: Partial<Context> = {}): Context {
  return { ...createLambdaContext({ functionName: 'invalidator', accountId: '123456789012' }, 60_000), ...overrides };
}

/** Sum of each EMF metric across the captured lines. */
export function metricTotals(lines: ReadonlyArray<Record<string, unknown>>): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const line of lines) {
    const aws = line._aws as { CloudWatchMetrics?: Array<{ Metrics: Array<{ Name: string }> }> } | undefined;
    for (const directive of aws?.CloudWatchMetrics ?? []) {
      for (const { Name } of directive.Metrics) {
        const value = line[Name];
        const values = Array.isArray(value) ? (value as number[]) : [value as number];
        totals[Name] = (totals[Name] ?? 0) + values.reduce((sum, item) => sum + item, 0);
      }
    }
  }
  return totals;
}

/** The SendMessageBatch entries the handler sent to a queue (the source queue's remainders, the dead letters). */
export function entriesTo(sqsMock: ReturnType<typeof handlerHarness>['sqsMock'], queueUrl: string): SendMessageBatchRequestEntry[] {
  return sqsMock
    .commandCalls(SendMessageBatchCommand)
    .filter((call) => call.args[0].input.QueueUrl === queueUrl)
    .flatMap((call) => call.args[0].input.Entries ?? []);
}
