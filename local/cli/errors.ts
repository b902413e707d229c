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

  public constructor(operation: string, code: string, message: string, options?: ErrorOptions) {
    super(EXIT_CODES.aws, `${operation} failed: ${code}: ${message}`, options);
    this.name = 'AwsCallError';
    this.operation = operation;
    this.code = code;
  }
}

/**
 * Run one AWS call and turn its failure into an {@link AwsCallError} naming the operation.
 *
 * @throws {AwsCallError}
 */
export async function awsCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new AwsCallError(operation, awsErrorName(error), message || 'no message', { cause: error });
  }
}
