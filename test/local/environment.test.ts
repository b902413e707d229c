import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOUDFRONT_REGION, MAX_PATHS_PER_INVALIDATION, MAX_SQS_BATCH_ENTRIES } from '../../lambda/limits.ts';
import { FUNCTION_CLIENT_OPTIONS, type FunctionClients } from '../../lambda/wiring.ts';
import { readInvalidatorContext } from '../../lib/app-config.ts';
import { startLocalEnvironment, type LocalEnvironment } from '../../local/environment.ts';
import { LOCAL_DISTRIBUTION, WWW_DISTRIBUTION_ID } from '../helpers/factories.ts';
import { waitFor } from './support.ts';

let env: LocalEnvironment | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('startLocalEnvironment', () => {
  it("gives the handler clients built as the Lambda's (lambda/wiring.ts), pointed at the local endpoints", async () => {
    // Prepare
    let clients: FunctionClients | undefined;
    env = await startLocalEnvironment({
      settings: readInvalidatorContext(LOCAL_DISTRIBUTION),
      batchingWindowSeconds: 0,
      batchSize: 1,
      completionDelayMs: 0,
      wrapHandler: (handler, functionClients) => {
        clients = functionClients;
        return handler;
      },
    });

    // Act: one invalidation.
    await env.sqs.send(new SendMessageCommand({ QueueUrl: env.queueUrl, MessageBody: JSON.stringify({ paths: ['/news/'] }) }));
    await waitFor('the invalidation', () => (env!.emulator.invalidations().length > 0 ? true : undefined));

    // Assess
    const { cloudfront, sqs } = clients!;
    expect(cloudfront.config.retryMode).toBe(FUNCTION_CLIENT_OPTIONS.retryMode);
    expect(sqs.config.retryMode).toBe(FUNCTION_CLIENT_OPTIONS.retryMode);
    expect(await cloudfront.config.region()).toBe(CLOUDFRONT_REGION);
    // Resolved once the client has sent a request (the SQS client sends none while nothing fails).
    const requestHandler = cloudfront.config.requestHandler as unknown as { httpHandlerConfigs(): object };
    expect(requestHandler.httpHandlerConfigs()).toMatchObject(FUNCTION_CLIENT_OPTIONS.requestHandler);
    const endpoint = await cloudfront.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe(env.cloudfrontEndpoint);
  });

  it('gives the handler the send leases: two invocations at once take turns, and CloudFront refuses none of their calls', async () => {
    // Prepare: two batches of 10 messages, 3,000 paths each, for one distribution: each batch alone fills the paths
    // CloudFront keeps in progress. The first CreateInvalidation is held until the other invocation is at the lease
    // (a take refused) or, without leases, at its own CreateInvalidation: both invocations are then under way at
    // once, whatever the machine's speed. Invalidations stay in progress for 5 s, long after the second one reads.
    let refusedTakes = 0;
    let createCalls = 0;
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const started = await startLocalEnvironment({
      settings: readInvalidatorContext(LOCAL_DISTRIBUTION),
      batchingWindowSeconds: 1,
      batchSize: MAX_SQS_BATCH_ENTRIES,
      concurrency: 2,
      completionDelayMs: 5_000,
      wrapHandler: (handler, clients) => {
        clients.dynamodb.middlewareStack.add(
          (next, context) => async (args) => {
            try {
              return await next(args);
            } catch (error) {
              if (context.commandName === 'PutItemCommand' && (error as Error).name === 'ConditionalCheckFailedException') {
                refusedTakes++;
                openGate();
              }
              throw error;
            }
          },
          { step: 'initialize', name: 'watchLeases' },
        );
        clients.cloudfront.middlewareStack.add(
          (next, context) => async (args) => {
            if (context.commandName === 'CreateInvalidationCommand') {
              createCalls++;
              if (createCalls === 2) openGate();
              // Held at most 10 s, so that a run where only one invocation came fails on its assertions, not its timeout.
              if (createCalls === 1) await Promise.race([gate, sleep(10_000, undefined, { ref: false })]);
            }
            return next(args);
          },
          { step: 'initialize', name: 'holdFirstSend' },
        );
        return handler;
      },
    });
    env = started;
    const perMessage = MAX_PATHS_PER_INVALIDATION / MAX_SQS_BATCH_ENTRIES;
    const paths = Array.from({ length: 2 * MAX_PATHS_PER_INVALIDATION }, (_, index) => `/burst/${Math.floor(index / perMessage)}/p${index % perMessage}`);

    // Act: 20 messages at once
    for (let batch = 0; batch < 2; batch++) {
      const entries = Array.from({ length: MAX_SQS_BATCH_ENTRIES }, (_, index) => {
        const start = (batch * MAX_SQS_BATCH_ENTRIES + index) * perMessage;
        const body = { distributionId: WWW_DISTRIBUTION_ID, paths: paths.slice(start, start + perMessage) };
        return { Id: String(index), MessageBody: JSON.stringify(body) };
      });
      await started.sqs.send(new SendMessageBatchCommand({ QueueUrl: started.queueUrl, Entries: entries }));
    }
    await waitFor(
      'every path invalidated and the queue empty',
      async () => {
        const invalidated = new Set(started.emulator.invalidations(WWW_DISTRIBUTION_ID).flatMap((invalidation) => invalidation.paths));
        const depth = await started.depth();
        return paths.every((path) => invalidated.has(path)) && depth.visible + depth.inFlight + depth.delayed === 0 ? true : undefined;
      },
      60_000,
    );

    // Assess: the second invocation waited for the lease (a take refused), then read a budget that counted the first
    // one's send (no call refused)
    expect(started.emulator.stats().errors).toStrictEqual({});
    expect(refusedTakes).toBeGreaterThanOrEqual(1);
    expect(started.emulator.stats().invalidationsCreated).toBeGreaterThanOrEqual(2);
    expect(started.handlerEnvironment).toMatchObject({ LEASE_TABLE_NAME: 'cfiq-local-send-leases' });
  }, 90_000);
});
