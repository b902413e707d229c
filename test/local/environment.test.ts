import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLOUDFRONT_REGION } from '../../lambda/limits.ts';
import { FUNCTION_CLIENT_OPTIONS, type FunctionClients } from '../../lambda/wiring.ts';
import { readInvalidatorContext } from '../../lib/app-config.ts';
import { startLocalEnvironment, type LocalEnvironment } from '../../local/environment.ts';
import { LOCAL_DISTRIBUTION } from '../helpers/factories.ts';
import { waitFor } from './support.ts';

let env: LocalEnvironment | undefined;
afterAll(() => env?.close());

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
});
