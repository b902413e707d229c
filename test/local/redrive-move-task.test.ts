import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import { recordingIo } from './support.ts';

/** Where SQS has message move tasks (real AWS): the redrive starts one towards the queue and follows it. */
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/invalidation-queue';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/invalidation-dlq';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:invalidation-queue';
const DLQ_ARN = 'arn:aws:sqs:eu-west-1:123456789012:invalidation-dlq';
const ENV = { CFIQ_QUEUE_URL: QUEUE_URL, CFIQ_DLQ_URL: DLQ_URL, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' };

describe('cfiq dlq redrive with StartMessageMoveTask', () => {
  const sqs = mockClient(SQSClient);

  beforeEach(() => {
    sqs.reset();
    sqs.on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL }).resolves({ Attributes: { QueueArn: DLQ_ARN, ApproximateNumberOfMessages: '3' } });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: QUEUE_URL }).resolves({ Attributes: { QueueArn: QUEUE_ARN, ApproximateNumberOfMessages: '0' } });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
  });
  afterEach(() => sqs.reset());

  it('starts a move task with the queue as explicit destination and follows it to the end', async () => {
    // Prepare
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [{ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 1, ApproximateNumberOfMessagesToMove: 3 }] })
      .resolves({ Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: 3 }] });
    const { io, stdout, stderr } = recordingIo(ENV);

    // Act
    const code = await runCli(['dlq', 'redrive', '--poll-interval', '1'], io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toStrictEqual({ SourceArn: DLQ_ARN, DestinationArn: QUEUE_ARN });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    expect(stderr()).toMatch(/RUNNING: moved 1 of 3\nCOMPLETED: moved 3 of 3/);
    expect(stdout()).toBe('Moved 3 message(s).');
  });

  it('reports a failed move task with its reason (exit 3)', async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ Status: 'FAILED', FailureReason: 'AccessDenied' }] });
    const { io, stderr } = recordingIo(ENV);
    expect(await runCli(['dlq', 'redrive', '--poll-interval', '1'], io)).toBe(EXIT_CODES.aws);
    expect(stderr()).toMatch(/The move task ended FAILED: AccessDenied/);
  });

  it('reports any other StartMessageMoveTask error as an AWS error (exit 3), moving nothing itself', async () => {
    sqs.on(StartMessageMoveTaskCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AccessDenied' }));
    const { io, stderr } = recordingIo(ENV);
    expect(await runCli(['dlq', 'redrive'], io)).toBe(EXIT_CODES.aws);
    expect(stderr()).toMatch(/StartMessageMoveTask failed: AccessDenied: not allowed/);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });
});
