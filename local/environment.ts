// Over 250 lines on purpose: local mode's one assembly of the pieces (SQS emulator, CloudFront emulator, queues,
// lease table, handler, poller) with their defaults and their orderly shutdown, read top to bottom as the stack is deployed.
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ENVIRONMENT } from '../lambda/config.ts';
import { CLOUDFRONT_REGION } from '../lambda/limits.ts';
import { createFunctionClients, createHandler, type FunctionClients } from '../lambda/wiring.ts';
import type { InvalidatorSettings } from '../lib/app-config.ts';
import { startCloudFrontEmulator, type CloudFrontEmulator, type FaultOptions } from './cloudfront-emulator/index.ts';
import type { LocalActivity } from './activity.ts';
import { LOCAL_CREDENTIALS } from './credentials.ts';
import { startLocalLeaseTable } from './lease-table.ts';
import { LocalLogger, type HandlerLogEntry } from './local-logger.ts';
import { LocalMetrics } from './local-metrics.ts';
import type { LocalGauges } from './local-state.ts';
import { startPoller, type InvocationReport, type Poller, type SqsHandler } from './poller.ts';
import { createLocalQueues, type LocalQueues } from './queues.ts';
import { startLocalSqs, type LocalSqsServer } from './sqs-server.ts';

/**
 * Local mode's defaults: short enough to see results at once, and documented in the README (Local mode, The `cfiq` CLI).
 */
export const LOCAL_DEFAULTS = {
  /** The event source's batching window (the stack's default is 60 s). */
  batchingWindowSeconds: 2,
  /**
   * The function timeout: what `getRemainingTimeInMillis` counts down from. `cfiq local` accepts no less than
   * MIN_FUNCTION_TIMEOUT_SECONDS (lambda/defaults.ts).
   */
  functionTimeoutSeconds: 30,
  /** First and largest retry delay after a transient CloudFront failure (the stack's: 30 s and 900 s). */
  retryBaseDelaySeconds: 1,
  retryMaxDelaySeconds: 5,
  /** How long an emulated invalidation stays InProgress. */
  completionDelayMs: 5_000,
  /** How often a message waiting for the in-progress budget looks again (the stack's: 15 s). */
  backlogRecheckSeconds: 1,
  /** Invocations at once: one, so that everything sent within one window lands in one batch. */
  concurrency: 1,
  region: 'us-east-1',
} as const;


export interface LocalEnvironmentOptions {
  readonly settings: InvalidatorSettings;
  /** @default 0 (a free port) */
  readonly sqsPort?: number;
  /** @default 0 (a free port) */
  readonly cloudfrontPort?: number;
  /** Valid range: 0 to 300; fractions allowed. @default LOCAL_DEFAULTS.batchingWindowSeconds */
  readonly batchingWindowSeconds?: number;
  /** @default settings.batchSize */
  readonly batchSize?: number;
  /** @default LOCAL_DEFAULTS.concurrency */
  readonly concurrency?: number;
  /** @default LOCAL_DEFAULTS.functionTimeoutSeconds */
  readonly functionTimeoutSeconds?: number;
  /**
   * The queue's visibility timeout, in seconds.
   *
   * @default - the function timeout plus the batching window, rounded up (the stack uses 6 x timeout + window)
   */
  readonly visibilityTimeoutSeconds?: number;
  /** @default settings.maxReceiveCount */
  readonly maxReceiveCount?: number;
  /** @default LOCAL_DEFAULTS.retryBaseDelaySeconds */
  readonly retryBaseDelaySeconds?: number;
  /** @default LOCAL_DEFAULTS.retryMaxDelaySeconds */
  readonly retryMaxDelaySeconds?: number;
  /** @default LOCAL_DEFAULTS.completionDelayMs */
  readonly completionDelayMs?: number;
  /**
   * The handler's INVALIDATION_SECONDS: when a message waiting for the in-progress budget comes back.
   *
   * @default - the completion delay in whole seconds (at least 1), as the stack's default matches CloudFront's
   */
  readonly invalidationSeconds?: number;
  /** The handler's BACKLOG_RECHECK_SECONDS. @default LOCAL_DEFAULTS.backlogRecheckSeconds */
  readonly backlogRecheckSeconds?: number;
  /** The handler's MAX_BACKLOG_AGE_SECONDS. @default - the handler's default (24 h) */
  readonly maxBacklogAgeSeconds?: number;
  /**
   * The distributions that exist in the CloudFront emulator (invalidations for others fail with
   * NoSuchDistribution); more can be added later with `emulator.addDistribution`.
   *
   * @default - every configured distribution
   */
  readonly emulatorDistributions?: readonly string[];
  /** Faults the CloudFront emulator injects. @default - none */
  readonly faults?: FaultOptions;
  /** Print the handler's JSON logs and metrics, and the emulator's request lines. @default false */
  readonly verbose?: boolean;
  /** Told about every invalidation, failure and dead-lettered message. */
  readonly onActivity?: (activity: LocalActivity) => void;
  /** Told about every invocation. */
  readonly onInvocation?: (report: InvocationReport) => void;
  /** Told the latest per-distribution gauges each time the handler reports one (what `cfiq status` shows). */
  readonly onGauges?: (gauges: LocalGauges) => void;
  /**
   * Wraps the handler before the poller gets it (chaos runs make invocations throw or hang mid-batch). It is also
   * given the function's own clients, so a wrapper can watch or hold their calls with SDK middleware.
   *
   * @default - the handler as built
   */
  readonly wrapHandler?: (handler: SqsHandler, clients: FunctionClients) => SqsHandler;
}

/** The AWS clients the handler itself uses (the Lambda's retry mode and time limits). */
export type { FunctionClients };

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** Everything `cfiq local` runs, in this process, on 127.0.0.1. */
export interface LocalEnvironment extends LocalQueues {
  readonly region: string;
  readonly sqsEndpoint: string;
  readonly cloudfrontEndpoint: string;
  readonly distributionIds: readonly string[];
  readonly settings: InvalidatorSettings;
  /** The poller's batching window. */
  readonly batchingWindowMs: number;
  /** The handler's environment, as the stack would set it. */
  readonly handlerEnvironment: Readonly<Record<string, string>>;
  /** Clients pointed at the local endpoints, for senders and tests. */
  readonly sqs: SQSClient;
  readonly cloudfront: CloudFrontClient;
  readonly emulator: CloudFrontEmulator;
  readonly poller: Poller;
  readonly metrics: LocalMetrics;
  /** Messages on a queue (the main one by default), by state. */
  depth(queueUrl?: string): Promise<QueueDepth>;
  /** Stop the poller, then dynalite, the emulator and fauxqs. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Start fauxqs, the queue and dead-letter queue, the CloudFront emulator, dynalite with the send leases' table, and
 * the poller running the Lambda handler (built by `createHandler` with the environment the stack gives the function).
 *
 * @throws {RangeError} on settings outside the event source mapping's ranges; the listen error when a port is taken
 */
export async function startLocalEnvironment(options: LocalEnvironmentOptions): Promise<LocalEnvironment> {
  const { settings } = options;
  const region = LOCAL_DEFAULTS.region;
  const windowSeconds = options.batchingWindowSeconds ?? LOCAL_DEFAULTS.batchingWindowSeconds;
  const functionTimeoutSeconds = options.functionTimeoutSeconds ?? LOCAL_DEFAULTS.functionTimeoutSeconds;
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? Math.ceil(functionTimeoutSeconds + windowSeconds);
  const maxReceiveCount = options.maxReceiveCount ?? settings.maxReceiveCount;
  const notify = options.onActivity ?? (() => undefined);
  const stack: Array<() => Promise<void>> = [];
  const unwind = async () => {
    for (const close of stack.reverse().splice(0)) await close().catch(() => undefined);
  };

  try {
    const sqsServer: LocalSqsServer = await startLocalSqs(options.sqsPort ?? 0);
    stack.push(() => sqsServer.close());
    const sqs = new SQSClient({ region, endpoint: sqsServer.endpoint, credentials: LOCAL_CREDENTIALS });
    const queues = await createLocalQueues(sqs, { maxReceiveCount, visibilityTimeoutSeconds });

    const distributionIds = settings.config.distributions.map((distribution) => distribution.id);
    const emulator = await startCloudFrontEmulator({
      port: options.cloudfrontPort ?? 0,
      distributions: options.emulatorDistributions ?? distributionIds,
      completionDelayMs: options.completionDelayMs ?? LOCAL_DEFAULTS.completionDelayMs,
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.verbose ? { logger: { info: (line: string) => console.log(line), warn: (line: string) => console.log(line) } } : {}),
    });
    stack.push(() => emulator.close());
    // The configured distribution tenants exist too, found by their exact hostnames (GetDistributionTenantByDomain).
    for (const distribution of settings.config.distributions) {
      if (!emulator.distributions.includes(distribution.id)) continue;
      for (const tenant of distribution.tenants ?? []) {
        const domains = (tenant.hostnames ?? []).filter((name) => name !== '*' && !name.startsWith('.'));
        emulator.addTenant({ id: tenant.id, distributionId: distribution.id, domains });
      }
    }
    const cloudfront = new CloudFrontClient({ region: CLOUDFRONT_REGION, endpoint: emulator.endpoint, credentials: LOCAL_CREDENTIALS });
    // Concurrent invocations take turns per distribution, as with the stack's table (lambda/submit/send-lease.ts).
    const leaseTable = await startLocalLeaseTable(region);
    stack.push(() => leaseTable.close());

    const handlerEnvironment: Record<string, string> = {
      [ENVIRONMENT.config]: JSON.stringify(settings.config),
      [ENVIRONMENT.deadLetterQueueUrl]: queues.deadLetterQueueUrl,
      [ENVIRONMENT.maxReceiveCount]: String(maxReceiveCount),
      [ENVIRONMENT.retryBaseDelaySeconds]: String(options.retryBaseDelaySeconds ?? LOCAL_DEFAULTS.retryBaseDelaySeconds),
      [ENVIRONMENT.retryMaxDelaySeconds]: String(options.retryMaxDelaySeconds ?? LOCAL_DEFAULTS.retryMaxDelaySeconds),
      [ENVIRONMENT.invalidationSeconds]: String(
        options.invalidationSeconds ?? Math.max(1, Math.ceil((options.completionDelayMs ?? LOCAL_DEFAULTS.completionDelayMs) / 1000)),
      ),
      [ENVIRONMENT.backlogRecheckSeconds]: String(options.backlogRecheckSeconds ?? LOCAL_DEFAULTS.backlogRecheckSeconds),
      [ENVIRONMENT.leaseTableName]: leaseTable.tableName,
      ...(options.maxBacklogAgeSeconds !== undefined ? { [ENVIRONMENT.maxBacklogAgeSeconds]: String(options.maxBacklogAgeSeconds) } : {}),
    };
    const logger = new LocalLogger({ verbose: options.verbose, onEntry: (entry) => reportLogEntry(entry, emulator, notify) });
    const metrics = new LocalMetrics({ verbose: options.verbose, ...(options.onGauges ? { onGauges: options.onGauges } : {}) });
    // The function's own clients, built as the Lambda builds them (retry mode, time limits), at the local endpoints:
    // a hung emulator behaves as a hung AWS would.
    const functionClients = createFunctionClients({
      sqs: { region, endpoint: sqsServer.endpoint, credentials: LOCAL_CREDENTIALS },
      cloudfront: { endpoint: emulator.endpoint, credentials: LOCAL_CREDENTIALS },
      dynamodb: { region, endpoint: leaseTable.endpoint, credentials: LOCAL_CREDENTIALS },
    });
    stack.push(async () => {
      functionClients.sqs.destroy();
      functionClients.cloudfront.destroy();
      functionClients.dynamodb.destroy();
      sqs.destroy();
      cloudfront.destroy();
    });
    const handler = createHandler({ env: handlerEnvironment, ...functionClients, logger, metrics });

    const poller = startPoller({
      sqs,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      region,
      handler: options.wrapHandler?.(handler, functionClients) ?? handler,
      batchSize: options.batchSize ?? settings.batchSize,
      maxBatchingWindowMs: Math.round(windowSeconds * 1000),
      functionTimeoutMs: functionTimeoutSeconds * 1000,
      concurrency: options.concurrency ?? LOCAL_DEFAULTS.concurrency,
      onInvocation: (report) => {
        if (report.outcome !== 'success' && report.outcome !== 'partial') {
          notify({ kind: 'invocation-failed', outcome: report.outcome, records: report.records, error: errorText(report.error) });
        }
        options.onInvocation?.(report);
      },
      onError: (error, operation) => notify({ kind: 'error', message: `${operation}: ${errorText(error)}` }),
    });
    stack.push(() => poller.stop());

    let closing: Promise<void> | undefined;
    return {
      ...queues,
      region,
      sqsEndpoint: sqsServer.endpoint,
      cloudfrontEndpoint: emulator.endpoint,
      distributionIds,
      settings,
      batchingWindowMs: Math.round(windowSeconds * 1000),
      handlerEnvironment,
      sqs,
      cloudfront,
      emulator,
      poller,
      metrics,
      depth: (queueUrl = queues.queueUrl) => queueDepth(sqs, queueUrl),
      close: () => (closing ??= unwind()),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

/** Turn the handler's log entries into activities: the log is the Lambda's own account of what it did. */
function reportLogEntry(entry: HandlerLogEntry, emulator: CloudFrontEmulator, notify: (activity: LocalActivity) => void): void {
  const fields = entry.fields;
  const text = (name: string) => String(fields[name] ?? '');
  const count = (name: string) => Number(fields[name] ?? 0);
  if (entry.message === 'invalidation created') {
    const distributionId = text('distributionId');
    const invalidationId = text('invalidationId');
    const record = emulator.invalidations(distributionId).find((invalidation) => invalidation.id === invalidationId);
    notify({
      kind: 'invalidation',
      distributionId,
      invalidationId,
      paths: record?.paths ?? [],
      pathCount: count('paths'),
      messages: count('messages'),
    });
  } else if (entry.message.startsWith('invalidation failed')) {
    notify({
      kind: 'invalidation-failed',
      distributionId: text('distributionId'),
      errorCode: text('errorCode'),
      errorMessage: text('errorMessage'),
      transient: entry.message.includes('transient'),
      messages: count('messages'),
    });
  } else if (entry.message === 'remainder sent') {
    notify({
      kind: 'remainder',
      messageId: text('messageId'),
      distributionId: text('distributionId'),
      paths: count('paths'),
      delaySeconds: count('delaySeconds'),
    });
  } else if (entry.message === 'message dead-lettered' || entry.message === 'remainder dead-lettered') {
    notify({ kind: 'dead-lettered', messageId: text('messageId'), errorCode: text('errorCode'), errorMessage: text('errorMessage') });
  } else if (entry.level === 'WARN' || entry.level === 'ERROR' || entry.level === 'CRITICAL') {
    const error = fields.error as { message?: unknown } | undefined;
    notify({ kind: 'error', message: `${entry.message}${error?.message ? `: ${String(error.message)}` : ''}` });
  }
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const output = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const attribute = (name: string) => Number(output.Attributes?.[name as keyof typeof output.Attributes] ?? 0);
  return {
    visible: attribute('ApproximateNumberOfMessages'),
    inFlight: attribute('ApproximateNumberOfMessagesNotVisible'),
    delayed: attribute('ApproximateNumberOfMessagesDelayed'),
  };
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
  return String(error);
}
