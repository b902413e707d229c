import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsErrorName } from '../../lambda/errors.ts';
import { DEFAULT_STACK_NAME } from '../../lambda/defaults.ts';
import { CLOUDFRONT_REGION } from '../../lambda/limits.ts';
import { STACK_OUTPUTS } from '../../lib/stack-outputs.ts';
import { LOOPBACK_HOST } from '../cloudfront-emulator/constants.ts';
import { LOCAL_CREDENTIALS } from '../credentials.ts';
import { LOCAL_DEAD_LETTER_QUEUE_NAME, LOCAL_QUEUE_NAME } from '../queues.ts';
import { localStatePath, readLocalState, type LocalState } from '../local-state.ts';
import { AwsCallError, UsageError, awsErrorHint } from './errors.ts';
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
  readonly 'cloudfront-endpoint-url'?: string | undefined;
  readonly stack?: string | undefined;
}

export interface TargetOptions {
  /** Which service `--endpoint-url` points at: SQS for the queue commands, CloudFront for status. @default 'SQS' */
  readonly endpointFlagService?: 'SQS' | 'CLOUDFRONT';
  /** Print no note on standard error (the local mode found, a stale state file). @default false */
  readonly quiet?: boolean;
}

export type AwsService = 'SQS' | 'CLOUDFRONT' | 'CLOUDFORMATION' | 'CLOUDWATCH';

export type AwsClientConfig = {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
};

/**
 * Where a command's AWS calls go: queue URLs from flags, the environment, a `cfiq local` running in this directory
 * (its state file) or the deployed stack's outputs (looked up once, only when needed), and clients configured from
 * flags and the environment.
 */
export class Targets {
  readonly #flags: TargetFlags;
  readonly #io: CliIo;
  readonly #options: TargetOptions;
  #outputs: Promise<Record<string, string>> | undefined;
  #sqs: SQSClient | undefined;
  #local: { state: LocalState | undefined } | undefined;

  public constructor(flags: TargetFlags, io: CliIo, options: TargetOptions = {}) {
    this.#flags = flags;
    this.#io = io;
    this.#options = options;
    for (const name of ['queue-url', 'dlq-url', 'endpoint-url', 'cloudfront-endpoint-url'] as const) {
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

  /**
   * The `cfiq local` running in this directory, when the command should use it: its state file names a live process,
   * no stack is named (`--stack`, `CFIQ_STACK`), and every URL given (flags, `CFIQ_*_URL`, `AWS_ENDPOINT_URL*`) is
   * one of its own.
   */
  public local(): LocalState | undefined {
    this.#local ??= { state: this.#findLocal() };
    return this.#local.state;
  }

  #findLocal(): LocalState | undefined {
    const env = this.#io.env;
    if (this.#flags.stack !== undefined || env[CLI_ENVIRONMENT.stack]) return undefined;
    const lookup = readLocalState(localStatePath(env, this.#io.cwd));
    if (lookup.kind === 'stale') {
      if (!this.#options.quiet) this.#io.err(`cfiq: ignoring ${lookup.path}: the cfiq local that wrote it (pid ${lookup.pid}) is no longer running`);
      return undefined;
    }
    if (lookup.kind !== 'running') return undefined;
    const { state } = lookup;
    const own = new Set([state.queueUrl, state.deadLetterQueueUrl, state.sqsEndpoint, state.cloudfrontEndpoint].map(withoutTrailingSlash));
    const given = [
      this.#flags['queue-url'],
      this.#flags['dlq-url'],
      this.#flags['endpoint-url'],
      this.#flags['cloudfront-endpoint-url'],
      env[CLI_ENVIRONMENT.queueUrl],
      env[CLI_ENVIRONMENT.deadLetterQueueUrl],
      env.AWS_ENDPOINT_URL,
      env.AWS_ENDPOINT_URL_SQS,
      env.AWS_ENDPOINT_URL_CLOUDFRONT,
    ].filter((url): url is string => Boolean(url));
    if (given.some((url) => !own.has(withoutTrailingSlash(url)))) return undefined;
    if (!this.#options.quiet) this.#io.err(`cfiq: using the cfiq local running in this directory (pid ${state.pid}; ${lookup.path})`);
    return state;
  }

  /** The configuration file to check and route with: `--config`, else the local mode's, else undefined (./cdk.json). */
  public configFile(flag: string | undefined): string | undefined {
    return flag ?? this.local()?.configFile;
  }

  /** The invalidation queue's URL. @throws {AwsCallError} when it has to come from a stack that cannot be read */
  public async queueUrl(): Promise<string> {
    const given = this.#flags['queue-url'] ?? this.#io.env[CLI_ENVIRONMENT.queueUrl];
    if (given) return given;
    const local = this.local() ?? this.#localOf(this.#flags['dlq-url'] ?? this.#io.env[CLI_ENVIRONMENT.deadLetterQueueUrl]);
    if (local !== undefined) return local.queueUrl;
    return await this.#output(STACK_OUTPUTS.queueUrl, '--queue-url', CLI_ENVIRONMENT.queueUrl);
  }

  /** The dead-letter queue's URL. @throws {AwsCallError} when it has to come from a stack that cannot be read */
  public async deadLetterQueueUrl(): Promise<string> {
    const given = this.#flags['dlq-url'] ?? this.#io.env[CLI_ENVIRONMENT.deadLetterQueueUrl];
    if (given) return given;
    const local = this.local() ?? this.#localOf(this.#flags['queue-url'] ?? this.#io.env[CLI_ENVIRONMENT.queueUrl]);
    if (local !== undefined) return local.deadLetterQueueUrl;
    return await this.#output(STACK_OUTPUTS.deadLetterQueueUrl, '--dlq-url', CLI_ENVIRONMENT.deadLetterQueueUrl);
  }

  /** Both queues of a local mode, from one of its queue URLs (their names are fixed), for a URL given without the other. */
  #localOf(url: string | undefined): Pick<LocalState, 'queueUrl' | 'deadLetterQueueUrl'> | undefined {
    if (!url || loopbackEndpoint(url) === undefined) return undefined;
    const match = /^(.*\/)([^/]+)$/.exec(url);
    if (match === null) return undefined;
    const [, base, name] = match;
    if (name !== LOCAL_QUEUE_NAME && name !== LOCAL_DEAD_LETTER_QUEUE_NAME) return undefined;
    return { queueUrl: `${base}${LOCAL_QUEUE_NAME}`, deadLetterQueueUrl: `${base}${LOCAL_DEAD_LETTER_QUEUE_NAME}` };
  }

  /** One SQS client for the command; `queueUrl` hints the region and, for cfiq local's URLs, the endpoint. */
  public sqs(queueUrl: string): SQSClient {
    this.#sqs ??= new SQSClient(this.clientConfig('SQS', queueUrl));
    return this.#sqs;
  }

  /** A CloudFront client (CloudFront's API lives in us-east-1). */
  public cloudfront(): CloudFrontClient {
    const config = this.clientConfig('CLOUDFRONT');
    return new CloudFrontClient({ ...config, region: CLOUDFRONT_REGION });
  }

  /**
   * A client's region, endpoint and credentials: flags, then the environment (`AWS_ENDPOINT_URL_<SERVICE>`,
   * `AWS_ENDPOINT_URL`, `AWS_REGION`...), then the local mode found, then what a queue URL tells. Dummy credentials
   * for a loopback endpoint when the environment has none.
   */
  public clientConfig(service: AwsService, hintUrl?: string): AwsClientConfig {
    const env = this.#io.env;
    const flags = this.#flags;
    const local = service === 'CLOUDFORMATION' || service === 'CLOUDWATCH' ? undefined : this.local();
    const flagged =
      service === 'CLOUDFRONT'
        ? (flags['cloudfront-endpoint-url'] ?? (this.#options.endpointFlagService === 'CLOUDFRONT' ? flags['endpoint-url'] : undefined))
        : service === 'SQS' && this.#options.endpointFlagService !== 'CLOUDFRONT'
          ? flags['endpoint-url']
          : undefined;
    const endpoint =
      flagged ??
      env[`AWS_ENDPOINT_URL_${service}`] ??
      env.AWS_ENDPOINT_URL ??
      (service === 'CLOUDFRONT' ? local?.cloudfrontEndpoint : undefined) ??
      (service === 'SQS' ? (local?.sqsEndpoint ?? (hintUrl !== undefined ? loopbackEndpoint(hintUrl) : undefined)) : undefined);
    const region =
      flags.region ??
      env.AWS_REGION ??
      env.AWS_DEFAULT_REGION ??
      local?.region ??
      (hintUrl !== undefined ? regionOfQueueUrl(hintUrl) : undefined) ??
      this.#givenQueueRegion();
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

  /** The region of a queue URL given on the command line or in the environment, for the other clients. */
  #givenQueueRegion(): string | undefined {
    for (const url of [this.#flags['queue-url'], this.#flags['dlq-url'], this.#io.env[CLI_ENVIRONMENT.queueUrl], this.#io.env[CLI_ENVIRONMENT.deadLetterQueueUrl]]) {
      const region = url ? regionOfQueueUrl(url) : undefined;
      if (region !== undefined) return region;
    }
    return undefined;
  }

  /**
   * One of the deployed stack's outputs, or undefined when the stack has no such output (an older version).
   *
   * @throws {AwsCallError} when the stack cannot be read
   */
  public async stackOutput(key: string): Promise<string | undefined> {
    this.#outputs ??= this.#describeStack('--queue-url', CLI_ENVIRONMENT.queueUrl);
    return (await this.#outputs)[key];
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
    const client = new CloudFormationClient(this.clientConfig('CLOUDFORMATION'));
    try {
      const output = await client.send(new DescribeStacksCommand({ StackName: this.stackName }), { abortSignal: this.#io.signal });
      const stack = output.Stacks?.[0];
      return Object.fromEntries((stack?.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = awsErrorName(error);
      throw new AwsCallError(
        'DescribeStacks',
        code,
        `${message} (the queue URLs come from stack ${this.stackName}'s outputs when neither ${flag} nor ${variable} is given, and no cfiq local runs in this directory)`,
        { cause: error, hint: awsErrorHint('DescribeStacks', code, message) },
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

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
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

/** Is this endpoint on this machine (127.x, ::1, localhost or a *.localhost name)? */
export function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host.endsWith('.localhost') || host.startsWith('127.') || host === '[::1]';
  } catch {
    return false;
  }
}
