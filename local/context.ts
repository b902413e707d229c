import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** What the local context says about the function it pretends to be. */
export interface LocalFunction {
  /** @default 'cfiq-local-invalidator' */
  readonly functionName?: string;
  /** Account id used in the function ARN. @default '000000000000' (the emulator's account) */
  readonly accountId?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default 256 */
  readonly memorySizeMb?: number;
}

/**
 * A Lambda invocation context: the fields Powertools and the handler read, and a `getRemainingTimeInMillis`
 * that counts down from `timeoutMs` from now.
 */
export function createLambdaContext(fn: LocalFunction, timeoutMs: number, now: () => number = Date.now): Context {
  const functionName = fn.functionName ?? 'cfiq-local-invalidator';
  const region = fn.region ?? 'us-east-1';
  const deadline = now() + timeoutMs;
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is not supported: return a value or a promise from the handler`);
  };
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${fn.accountId ?? '000000000000'}:function:${functionName}`,
    memoryLimitInMB: String(fn.memorySizeMb ?? 256),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${today}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
