import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsErrorName } from '../../lambda/errors.ts';
import { DEFAULT_STACK_NAME } from '../../lambda/defaults.ts';
import { CLOUDFRONT_REGION } from '../../lambda/limits.ts';
import { STACK_OUTPUTS } from '../../lib/stack-outputs.ts';
import { LOOPBACK_HOST } from '../cloudfront-emulator/constants.ts';
import { LOCAL_CREDENTIALS } from '../credentials.ts';
import { AwsCallError, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';

/** Environment variables the CLI reads (besides the SDK's own AWS_* ones). */
export const CLI_ENVIRONMENT = {
  queueUrl: 'CFIQ_QUEUE_URL',
  deadLetterQueueUrl: 'CFIQ_DLQ_URL',
  stack: 'CFIQ_STACK',
} as const;

export interface TargetFlags {
  readonly 'queue-url'?: string | undefined;
  readonly 'dlq-url'?: string | undefined;
  readonly region?: string | undefined;
  readonly 'endpoint-url'?: string | undefined;
  readonly stack?: string | undefined;
}

type AwsClientConfig = {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
};

/**
 * Where a command's AWS calls go: queue URLs from flags, the environment or the deployed stack's outputs
 * (looked up once, only when needed), and clients configured from flags and the environment.
 */
export class Targets {
  readonly #flags: TargetFlags;
  readonly #io: CliIo;
  #outputs: Promise<Record<string, string>> | undefined;
  #sqs: SQSClient | undefined;

  public constructor(flags: TargetFlags, io: CliIo) {
    this.#flags = flags;
    this.#io = io;
    for (const name of ['queue-url', 'dlq-url', 'endpoint-url'] as const) {
      const value = flags[name];
      if (value !== undefined && !/^https?:\/\/[^\s/]+/.test(value)) {
        throw new UsageError(`--${name} must be an http(s) URL (given ${JSON.stringify(value)})`);
      }
    }
  }

  /** The stack whose outputs name the queues. */
  public get stackName(): string {
    return this.#flags.stack ?? this.#io.env[CLI_ENVIRONMENT.stack] ?? DEFAULT_STACK_NAME;
  }

  /** The invalidation queue's URL. @throws {AwsCallError} when it has to come from a stack that cannot be read */
  public async queueUrl(): Promise<string> {
    return this.#flags['queue-url'] ?? this.#io.env[CLI_ENVIRONMENT.queueUrl] ?? (await this.#output(STACK_OUTPUTS.queueUrl, '--queue-url', CLI_ENVIRONMENT.queueUrl));
  }

  /** The dead-letter queue's URL. @throws {AwsCallError} when it has to come from a stack that cannot be read */
  public async deadLetterQueueUrl(): Promise<string> {
    return (
      this.#flags['dlq-url'] ??
      this.#io.env[CLI_ENVIRONMENT.deadLetterQueueUrl] ??
      (await this.#output(STACK_OUTPUTS.deadLetterQueueUrl, '--dlq-url', CLI_ENVIRONMENT.deadLetterQueueUrl))
    );
  }

  /** One SQS client for the command; `queueUrl` hints the region and, for cfiq local's URLs, the endpoint. */
  public sqs(queueUrl: string): SQSClient {
    this.#sqs ??= new SQSClient(this.#clientConfig('SQS', queueUrl));
    return this.#sqs;
  }

  /** A CloudFront client (CloudFront's API lives in us-east-1); `--endpoint-url` is its endpoint here. */
  public cloudfront(): CloudFrontClient {
    const config = this.#clientConfig('CLOUDFRONT');
    return new CloudFrontClient({ ...config, region: CLOUDFRONT_REGION });
  }

  #clientConfig(service: 'SQS' | 'CLOUDFRONT' | 'CLOUDFORMATION', hintUrl?: string): AwsClientConfig {
    const env = this.#io.env;
    const endpoint =
      (service !== 'CLOUDFORMATION' ? this.#flags['endpoint-url'] : undefined) ??
      env[`AWS_ENDPOINT_URL_${service}`] ??
      env.AWS_ENDPOINT_URL ??
      (hintUrl !== undefined ? loopbackEndpoint(hintUrl) : undefined);
    const region = this.#flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (hintUrl !== undefined ? regionOfQueueUrl(hintUrl) : undefined);
    const config: AwsClientConfig = {};
    if (region !== undefined) config.region = region;
    if (endpoint !== undefined) config.endpoint = endpoint;
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
    if (accessKeyId && secretAccessKey) {
      config.credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    } else if (endpoint !== undefined && isLoopback(endpoint)) {
      // Emulators accept any credentials; don't make a developer configure some for cfiq local.
      config.credentials = { ...LOCAL_CREDENTIALS };
    }
    return config;
  }

  async #output(key: string, flag: string, variable: string): Promise<string> {
    this.#outputs ??= this.#describeStack(flag, variable);
    const outputs = await this.#outputs;
    const value = outputs[key];
    if (value === undefined) {
      throw new AwsCallError('DescribeStacks', 'MissingOutput', `stack ${this.stackName} has no output ${key}; give ${flag} or set ${variable}`);
    }
    return value;
  }

  async #describeStack(flag: string, variable: string): Promise<Record<string, string>> {
    // Loaded only when a stack has to be read: the other commands don't pay for the client.
    const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    const client = new CloudFormationClient(this.#clientConfig('CLOUDFORMATION'));
    try {
      const output = await client.send(new DescribeStacksCommand({ StackName: this.stackName }));
      const stack = output.Stacks?.[0];
      return Object.fromEntries((stack?.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new AwsCallError(
        'DescribeStacks',
        awsErrorName(error),
        `${message} (the queue URLs come from stack ${this.stackName}'s outputs when neither ${flag} nor ${variable} is given)`,
        { cause: error },
      );
    } finally {
      client.destroy();
    }
  }

  /** Release the clients' sockets. */
  public destroy(): void {
    this.#sqs?.destroy();
  }
}

/** The region in an SQS queue URL (`https://sqs.eu-west-1.amazonaws.com/...`, fauxqs' `sqs.us-east-1.localhost`). */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  try {
    const host = new URL(queueUrl).hostname;
    return /^sqs\.([a-z0-9-]+)\./.exec(host)?.[1] ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com$/.exec(host)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The endpoint for a queue URL on `localhost` or a `*.localhost` name (RFC 6761: always loopback), such as
 * fauxqs' `http://sqs.us-east-1.localhost:4566/...`: `http://127.0.0.1:4566`. Undefined for any other URL.
 */
export function loopbackEndpoint(queueUrl: string): string | undefined {
  try {
    const url = new URL(queueUrl);
    if (url.hostname !== 'localhost' && !url.hostname.endsWith('.localhost')) return undefined;
    return `${url.protocol}//${LOOPBACK_HOST}${url.port ? `:${url.port}` : ''}`;
  } catch {
    return undefined;
  }
}

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host.endsWith('.localhost') || host.startsWith('127.') || host === '[::1]';
  } catch {
    return false;
  }
}
