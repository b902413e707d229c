import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The flags every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** The flags of commands that talk to the queues. */
export const QUEUE_OPTIONS = {
  'queue-url': { type: 'string' },
  'dlq-url': { type: 'string' },
  region: { type: 'string' },
  'endpoint-url': { type: 'string' },
  stack: { type: 'string' },
} as const satisfies Options;

export const QUEUE_OPTIONS_HELP = `Where (first found wins):
  --queue-url URL       the invalidation queue      [env CFIQ_QUEUE_URL, else the stack's QueueUrl output]
  --dlq-url URL         the dead-letter queue       [env CFIQ_DLQ_URL, else the stack's DeadLetterQueueUrl output]
  --stack NAME          the deployed stack to read outputs from  [env CFIQ_STACK, default CloudFrontInvalidationQueue]
  --region REGION       [env AWS_REGION, AWS_DEFAULT_REGION, else the queue URL's region]
  --endpoint-url URL    the SQS endpoint  [env AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL; a queue URL on *.localhost
                        (cfiq local) is reached at 127.0.0.1 on its port]`;

/**
 * parseArgs with strict checking, its errors turned into {@link UsageError}s.
 *
 * @throws {UsageError} on an unknown flag, a missing value or an unexpected positional argument
 */
export function parseCommandLine<const T extends Options>(argv: readonly string[], options: T, allowPositionals: boolean) {
  try {
    return parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...options }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), { cause: error });
  }
}

/**
 * A flag's integer value within a range.
 *
 * @param why - why the range is what it is, for the error message
 * @throws {UsageError} naming the flag, the range and the value given
 */
export function integerFlag(name: string, value: string | undefined, fallback: number, min: number, max: number, why?: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}${why === undefined ? '' : ` (${why})`} (given ${JSON.stringify(value)})`);
  }
  return number;
}

/**
 * A flag's number value within a range (fractions allowed).
 *
 * @throws {UsageError} naming the flag, the range and the value given
 */
export function numberFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max} (given ${JSON.stringify(value)})`);
  }
  return number;
}
