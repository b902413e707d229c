import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { CloudFrontClient, type CloudFrontClientConfig } from '@aws-sdk/client-cloudfront';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadHandlerSettings } from './config.ts';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from './defaults.ts';
import { CLOUDFRONT_REGION } from './limits.ts';
import { processBatch } from './process-batch.ts';
import { QueueUrlResolver } from './settle/sqs.ts';
import { DistributionRouter } from './resolve/routing.ts';
import { InProgressReader } from './submit/in-progress.ts';
import { SendLeases } from './submit/lease-writes.ts';
import type { PipelineObserver } from './types.ts';

/**
 * The function's SDK client settings: the standard retry mode, and time limits for one attempt so a hung connection
 * cannot eat the invocation (a CloudFront call is also aborted at the deadline margin, see submit-all.ts; a send
 * lease's DynamoDB call after 3 s, see send-lease.ts). Local mode builds its clients with the same settings, so a hung
 * emulator behaves as a hung AWS would.
 */
export const FUNCTION_CLIENT_OPTIONS = {
  retryMode: 'standard',
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 15_000 },
} as const;

/** The AWS clients the function uses. */
export interface FunctionClients {
  readonly cloudfront: CloudFrontClient;
  readonly sqs: SQSClient;
  /** The send leases' table (LEASE_TABLE_NAME). */
  readonly dynamodb: DynamoDBClient;
}

/**
 * The function's clients with FUNCTION_CLIENT_OPTIONS, the CloudFront one in CloudFront's region; `config` adds
 * settings such as an endpoint and credentials (local mode).
 *
 * @example
 * createFunctionClients({ sqs: { region: 'us-east-1', endpoint: 'http://127.0.0.1:4566' } });
 */
export function createFunctionClients(
  config: { readonly cloudfront?: CloudFrontClientConfig; readonly sqs?: SQSClientConfig; readonly dynamodb?: DynamoDBClientConfig } = {},
): FunctionClients {
  return {
    cloudfront: new CloudFrontClient({ ...FUNCTION_CLIENT_OPTIONS, ...config.cloudfront, region: CLOUDFRONT_REGION }),
    sqs: new SQSClient({ ...FUNCTION_CLIENT_OPTIONS, ...config.sqs }),
    dynamodb: new DynamoDBClient({ ...FUNCTION_CLIENT_OPTIONS, ...config.dynamodb }),
  };
}

export interface HandlerOptions {
  /** The environment to read the settings from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cloudfront?: CloudFrontClient;
  readonly sqs?: SQSClient;
  /** The client of the send leases' table, used when LEASE_TABLE_NAME is set. */
  readonly dynamodb?: DynamoDBClient;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly random?: () => number;
  /** Epoch milliseconds now (tests and simulations). @default Date.now */
  readonly now?: () => number;
}

/**
 * Build the Lambda handler: validates the settings once (a bad configuration throws here, at cold start), creates
 * the clients, and wires middy with Powertools Logger and Metrics around the pipeline.
 *
 * @throws {ConfigurationError} when the environment is invalid
 */
export function createHandler(options: HandlerOptions = {}) {
  const env = options.env ?? process.env;
  const settings = loadHandlerSettings(env);
  const logger = options.logger ?? new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE_NAME });
  const metrics =
    options.metrics ??
    new Metrics({
      namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
      serviceName: env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE_NAME,
    });
  // Endpoints come from the SDK's own AWS_ENDPOINT_URL_CLOUDFRONT / AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL_DYNAMODB.
  const made = options.cloudfront === undefined || options.sqs === undefined || options.dynamodb === undefined ? createFunctionClients() : undefined;
  const cloudfront = options.cloudfront ?? made!.cloudfront;
  const sqs = options.sqs ?? made!.sqs;
  // Concurrent invocations take turns per distribution when the stack gives them a lease table.
  const leases = settings.leaseTableName === undefined ? undefined : new SendLeases(options.dynamodb ?? made!.dynamodb, settings.leaseTableName);
  const router = new DistributionRouter(settings.config);
  const queueUrls = new QueueUrlResolver(sqs);
  const observer: PipelineObserver = {
    info: (message, fields) => logger.info(message, fields),
    warn: (message, fields) => logger.warn(message, fields),
    count: (metric, value) => metrics.addMetric(metric, MetricUnit.Count, value),
    gauge: (metric, value, unit, dimensions) => {
      // A metric of its own, with the distribution as its dimension, published at once (EMF, no API call).
      const single = metrics.singleMetric();
      single.addDimensions({ ...dimensions });
      single.addMetric(metric, unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count, value);
    },
  };
  const inProgress = new InProgressReader();

  const invalidate = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    try {
      return await processBatch(event.Records, {
        cloudfront,
        sqs,
        settings,
        router,
        queueUrls,
        observer,
        remainingTimeMs: typeof context?.getRemainingTimeInMillis === 'function' ? () => context.getRemainingTimeInMillis() : undefined,
        random: options.random,
        now: options.now,
        inProgress,
        leases,
      });
    } catch (error) {
      // A bug, not bad input: receive the whole batch again rather than lose any of it.
      logger.error('unexpected error; the whole batch will be received again', error as Error);
      return { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) };
    }
  };

  return middy(invalidate)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }));
}
