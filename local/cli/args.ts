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
    return parseArgs({ args: joinNegativeValues(argv, options), options: { ...COMMON_OPTIONS, ...options }, allowPositionals, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    // parseArgs takes a value starting with "-" for a flag and explains its own syntax: say what is missing instead.
    const flag = /^Option '(-[^']*)' argument (?:is ambiguous|missing)/.exec(message)?.[1];
    if (flag !== undefined) throw new UsageError(`${flag.replace(/^-\w, /, '').replace(/ <value>$/, '')} needs a value`, { cause: error });
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''), { cause: error });
  }
}

/** `--max -1` as `--max=-1`, so that the flag's own check reports the value (parseArgs would take -1 for a flag). */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    const next = argv[index + 1];
    const option = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      index++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
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
