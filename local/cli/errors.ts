import { awsErrorName } from '../../lambda/errors.ts';

/**
 * The CLI's exit codes and errors. Every command maps its failures to one of these codes; the README (Local mode, The `cfiq` CLI)
 * lists them.
 */
export const EXIT_CODES = {
  /** Done. */
  ok: 0,
  /** Invalid input: a message, path, URL or configuration that the handler's own schema rejects. Nothing was sent. */
  invalidInput: 1,
  /** Usage: an unknown command or flag, a missing argument, a flag value of the wrong form. */
  usage: 2,
  /** AWS or transport: an API call failed (credentials, permissions, unknown queue, connection refused...). */
  aws: 3,
  /** Incomplete: the command ran but did not finish its work (redrive stopped early, the demo lost messages). */
  incomplete: 4,
  /** `wait`, `send --wait`: the message, or a part of it, is in the dead-letter queue. */
  deadLettered: 5,
  /** `wait`, `send --wait`: the timeout passed before every path was invalidated. */
  timedOut: 6,
  /** Interrupted by Ctrl-C (SIGINT) or SIGTERM before it finished. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Base of the errors a command throws on purpose; `exitCode` is the process's exit code. */
export class CliError extends Error {
  public readonly exitCode: ExitCode;

  public constructor(exitCode: ExitCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A command line that cannot be run: the message says what is wrong and the command's `--help` says the rest. */
export class UsageError extends CliError {
  public constructor(message: string, options?: ErrorOptions) {
    super(EXIT_CODES.usage, message, options);
    this.name = 'UsageError';
  }
}

/** Input the handler would reject; the message names the bad value. */
export class InputError extends CliError {
  public constructor(message: string, options?: ErrorOptions) {
    super(EXIT_CODES.invalidInput, message, options);
    this.name = 'InputError';
  }
}

/** An AWS call that failed; `code` is the AWS error code (or the transport error's), from `awsErrorName`. */
export class AwsCallError extends CliError {
  public readonly operation: string;
  public readonly code: string;

  /** @param hint - what to set or check, on a line of its own after the error */
  public constructor(operation: string, code: string, message: string, options?: ErrorOptions & { hint?: string | undefined }) {
    super(EXIT_CODES.aws, `${operation} failed: ${code}: ${message}${options?.hint ? `\n${options.hint}` : ''}`, options);
    this.name = 'AwsCallError';
    this.operation = operation;
    this.code = code;
  }
}

/**
 * Run one AWS call and turn its failure into an {@link AwsCallError} naming the operation and, for the failures a
 * setting explains (no credentials, no region, nothing listening, access denied), what to set.
 *
 * @param hint - what to check when the call fails for a reason {@link awsErrorHint} does not know
 * @throws {AwsCallError}
 */
export async function awsCall<T>(operation: string, call: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const code = awsErrorName(error);
    throw new AwsCallError(operation, code, message || 'no message', { cause: error, hint: awsErrorHint(operation, code, message) ?? hint });
  }
}

/** The IAM service prefix of each API call the CLI makes. */
const SERVICE_OF_OPERATION: Readonly<Record<string, string>> = {
  ListInvalidations: 'cloudfront',
  GetInvalidation: 'cloudfront',
  GetMetricData: 'cloudwatch',
  DescribeStacks: 'cloudformation',
};
/** Batch calls are authorized as their single form. */
const ACTION_OF_BATCH: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** The IAM action an operation ("ListInvalidations EDFDVBD6EXAMPLE", "SendMessage") needs, e.g. `cloudfront:ListInvalidations`. */
export function iamActionOf(operation: string): string {
  const call = operation.split(' ')[0] ?? operation;
  return `${SERVICE_OF_OPERATION[call] ?? 'sqs'}:${ACTION_OF_BATCH[call] ?? call}`;
}

const CREDENTIALS_REFUSED = new Set(['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'InvalidSignatureException']);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'AuthorizationError']);
const NO_QUEUE = new Set(['AWS.SimpleQueueService.NonExistentQueue', 'QueueDoesNotExist']);

/**
 * What to set or check after an AWS call failed, for the failures that a setting explains; undefined otherwise.
 *
 * @example
 * awsErrorHint('ListInvalidations E1', 'AccessDenied', '...'); // 'The credentials may not call cloudfront:ListInvalidations: ...'
 */
export function awsErrorHint(operation: string, code: string, message: string): string | undefined {
  if (code === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return (
      'No AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY). For cfiq local, run ' +
      'the command in the directory cfiq local runs in (or set CFIQ_LOCAL_STATE to its state file), or give its URLs and --endpoint-url.'
    );
  }
  if (/region is missing/i.test(message)) return 'No AWS region: set AWS_REGION or pass --region (a queue URL given with --queue-url or CFIQ_QUEUE_URL also names one).';
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return 'Nothing answers at that endpoint: is cfiq local still running? Otherwise check --endpoint-url, --queue-url and the AWS_ENDPOINT_URL* and CFIQ_* variables.';
  }
  if (['ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'TimeoutError'].includes(code)) {
    return 'AWS could not be reached: check the network (a proxy?), the region, and --endpoint-url or the AWS_ENDPOINT_URL* variables.';
  }
  if (ACCESS_DENIED.has(code)) return `The credentials may not call ${operation ? iamActionOf(operation) : 'this API'}: grant it (docs/operating.md, "IAM for the CLI").`;
  if (CREDENTIALS_REFUSED.has(code)) return 'AWS refused the credentials: refresh them (aws sso login, a new session) or set AWS_PROFILE.';
  if (NO_QUEUE.has(code)) return 'No such queue: check --queue-url / --dlq-url, CFIQ_QUEUE_URL / CFIQ_DLQ_URL, the region, and that the stack is deployed.';
  if (code === 'NoSuchDistribution') return 'No such distribution in this account: check --distribution and the distributions of the configuration (cdk.json or --config).';
  return undefined;
}
