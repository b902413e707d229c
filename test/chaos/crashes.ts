import { AsyncLocalStorage } from 'node:async_hooks';
import type { FunctionClients } from '../../local/environment.ts';
import { mulberry32 } from '../../local/cloudfront-emulator/index.ts';
import type { SqsHandler } from '../../local/poller.ts';

/**
 * Crashes mid-batch, as a Lambda runtime dies: on a seeded share of invocations, once the handler has made its
 * K-th CreateInvalidation call (sent and answered), the invocation either throws at once or hangs past the
 * function timeout. Either way the handler's own work stops there, as a killed process's would: the call that
 * crashed and every later SDK call of that invocation never return. (A plain wrapper could not do this: the
 * handler would go on in this process, dead-lettering and acknowledging after the poller gave up on it.)
 */

export interface CrashOptions {
  /** Seeds the per-invocation draws (taken in invocation order). */
  readonly seed: number;
  /** Share of invocations that throw after K CreateInvalidation calls. */
  readonly throwRate: number;
  /** Share of invocations that hang after K CreateInvalidation calls, until the poller's function timeout. */
  readonly hangRate: number;
  /**
   * Share of invocations that throw right after their first dead-letter send (SendMessageBatch) returned: the
   * messages it dead-lettered are received again and dead-lettered a second time. Off in the standard run, which
   * checks "exactly once"; `--late-throw-rate` shows the duplicates. @default 0
   */
  readonly lateThrowRate?: number;
  /** K is drawn from 1 to this. @default 2 */
  readonly maxCallsBeforeCrash?: number;
}

export interface CrashStats {
  readonly invocations: number;
  /** Invocations drawn to crash, by how. */
  readonly armed: { readonly throw: number; readonly hang: number; readonly late: number };
  /** Crashes that happened (an invocation with fewer than K calls, or no dead letter, finishes normally). */
  readonly fired: { readonly throw: number; readonly hang: number; readonly late: number };
  /** CreateInvalidation calls the handler made, and the SDK's own retries inside them. */
  readonly createInvalidationCalls: number;
  readonly sdkRetries: number;
}

/** Thrown by a crashing invocation. */
export class ChaosCrash extends Error {
  public constructor(callsMade: number, afterDeadLetter = false) {
    super(`chaos: the handler crashed after ${callsMade} CreateInvalidation call(s)${afterDeadLetter ? ' and a dead-letter send' : ''}`);
    this.name = 'ChaosCrash';
  }
}

interface Invocation {
  readonly plan: 'throw' | 'hang' | 'late' | 'none';
  readonly crashAfter: number;
  calls: number;
  crashed: boolean;
  reject?: (error: Error) => void;
}

/** A promise that never settles: the continuation of a crashed invocation never runs. */
const NEVER = new Promise<never>(() => undefined);

/**
 * Build a `wrapHandler` for `startLocalEnvironment`, and the counters it keeps.
 *
 * @example
 * const crashes = crashInjector({ seed: 7, throwRate: 0.05, hangRate: 0.02 });
 * await startLocalEnvironment({ settings, wrapHandler: crashes.wrapHandler });
 */
export function crashInjector(options: CrashOptions) {
  const random = mulberry32(options.seed);
  const maxCalls = options.maxCallsBeforeCrash ?? 2;
  const storage = new AsyncLocalStorage<Invocation>();
  const stats = {
    invocations: 0,
    armed: { throw: 0, hang: 0, late: 0 },
    fired: { throw: 0, hang: 0, late: 0 },
    createInvalidationCalls: 0,
    sdkRetries: 0,
  };

  const crash = (invocation: Invocation & { plan: 'throw' | 'hang' | 'late' }): void => {
    invocation.crashed = true;
    stats.fired[invocation.plan]++;
    if (invocation.plan !== 'hang') invocation.reject?.(new ChaosCrash(invocation.calls, invocation.plan === 'late'));
  };

  /** Counts a finished CreateInvalidation; true when the invocation crashes here. */
  const crashesAfterCall = (invocation: Invocation | undefined): boolean => {
    if (invocation === undefined) return false;
    invocation.calls++;
    if ((invocation.plan !== 'throw' && invocation.plan !== 'hang') || invocation.calls !== invocation.crashAfter) return false;
    crash(invocation as Invocation & { plan: 'throw' | 'hang' });
    return true;
  };

  const wrapHandler = (handler: SqsHandler, clients: FunctionClients): SqsHandler => {
    clients.cloudfront.middlewareStack.add(
      (next, context) => async (args) => {
        const invocation = storage.getStore();
        if (invocation?.crashed) return NEVER;
        if (context.commandName !== 'CreateInvalidationCommand') return next(args);
        stats.createInvalidationCalls++;
        try {
          const result = await next(args);
          stats.sdkRetries += attemptsOf(result.output) - 1;
          if (crashesAfterCall(invocation)) return NEVER;
          return result;
        } catch (error) {
          stats.sdkRetries += attemptsOf(error) - 1;
          if (crashesAfterCall(invocation)) return NEVER;
          throw error;
        }
      },
      { step: 'initialize', name: 'chaosCrashMiddleware' },
    );
    // Nothing of a crashed invocation reaches DynamoDB (its send leases stay taken until they expire, as a dead
    // process's would) or SQS (dead-letter sends, visibility changes).
    clients.dynamodb.middlewareStack.add(
      (next) => async (args) => (storage.getStore()?.crashed ? NEVER : next(args)),
      { step: 'initialize', name: 'chaosCrashMiddleware' },
    );
    clients.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const invocation = storage.getStore();
        if (invocation?.crashed) return NEVER;
        const result = await next(args);
        if (invocation?.plan === 'late' && context.commandName === 'SendMessageBatchCommand') {
          crash(invocation as Invocation & { plan: 'late' });
          return NEVER;
        }
        return result;
      },
      { step: 'initialize', name: 'chaosCrashMiddleware' },
    );

    return (event, context) => {
      stats.invocations++;
      const draw = random();
      const { throwRate, hangRate, lateThrowRate = 0 } = options;
      const plan =
        draw < throwRate ? 'throw' : draw < throwRate + hangRate ? 'hang' : draw < throwRate + hangRate + lateThrowRate ? 'late' : 'none';
      const invocation: Invocation = { plan, crashAfter: 1 + Math.floor(random() * maxCalls), calls: 0, crashed: false };
      if (plan !== 'none') stats.armed[plan]++;
      return new Promise((resolve, reject) => {
        invocation.reject = reject;
        storage.run(invocation, () => handler(event, context)).then(resolve, reject);
      });
    };
  };

  return { wrapHandler, stats: (): CrashStats => structuredClone(stats) };
}

function attemptsOf(value: unknown): number {
  const attempts = (value as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 0 ? attempts : 1;
}
