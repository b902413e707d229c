import { createRequire } from 'node:module';
import { awsErrorName, ConfigurationError, InvalidMessageError } from '../../lambda/errors.ts';
import { awsErrorHint, CliError, EXIT_CODES } from './errors.ts';
import type { CliIo } from './io.ts';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Each command's module, loaded on use: `cfiq send` does not load the emulators. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  send: async () => (await import('./send.ts')).sendCommand,
  wait: async () => (await import('./wait.ts')).waitCommand,
  'dlq list': async () => (await import('./dlq-list.ts')).dlqListCommand,
  'dlq redrive': async () => (await import('./dlq-redrive.ts')).dlqRedriveCommand,
  status: async () => (await import('./status.ts')).statusCommand,
  local: async () => (await import('./local.ts')).localCommand,
};

export const MAIN_HELP = `Usage: cfiq <command> [options]

The CloudFront invalidation queue's operator CLI.

Commands:
  send PATH|URL...   check and send a publish event to the invalidation queue (--wait: until it is live)
  wait MESSAGE_ID    wait until CloudFront has purged what a message asked for
  dlq list           list dead-lettered messages and why (without consuming them)
  dlq redrive        move dead-lettered messages back to the invalidation queue
  status             per distribution: in progress, waiting, oldest waiting age, recent invalidations
  local              run queue, dead-letter queue, CloudFront emulator and handler on this machine
                     (--demo: send a burst of publish events and sum up)

Run "cfiq <command> --help" for a command's options, "cfiq --version" for the version. Queues come from
--queue-url/--dlq-url, CFIQ_QUEUE_URL/CFIQ_DLQ_URL, a cfiq local running in this directory, or the deployed
stack's outputs (--stack, default CloudFrontInvalidationQueue).

Exit codes: 0 ok, 1 invalid input, 2 usage, 3 AWS or transport error, 4 incomplete, 5 dead-lettered (wait),
6 timed out (wait), 130 interrupted.`;

/**
 * The package's version, from its package.json: through the package's own name (its "exports" map), so that the
 * source in a clone and the compiled CLI in the npm package (dist/) find the same file.
 */
export function cliVersion(): string {
  const manifest = createRequire(import.meta.url)('cloudfront-invalidation-queue/package.json') as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

const DLQ_HELP = `Usage: cfiq dlq <list|redrive> [options]

  list      list dead-lettered messages and why (without consuming them)
  redrive   move dead-lettered messages back to the invalidation queue

Run "cfiq dlq list --help" or "cfiq dlq redrive --help" for options.`;

/**
 * Run one command line and return its exit code; errors are printed, never thrown.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), processIo(signal));
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, second, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(MAIN_HELP);
    return first === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    io.out(cliVersion());
    return EXIT_CODES.ok;
  }
  let name = first;
  let args = argv.slice(1);
  if (first === 'dlq') {
    if (second === undefined || second === '--help' || second === '-h') {
      io.out(DLQ_HELP);
      return second === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
    }
    name = `dlq ${second}`;
    args = rest;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    io.err(`cfiq: unknown command "${name}". Run "cfiq --help" for the commands.`);
    return EXIT_CODES.usage;
  }
  try {
    return await (await load())(args, io);
  } catch (error) {
    return report(error, name, io);
  }
}

function report(error: unknown, command: string, io: CliIo): number {
  if (error instanceof CliError) {
    io.err(`cfiq ${command}: ${error.message}`);
    if (error.exitCode === EXIT_CODES.usage) io.err(`Run "cfiq ${command} --help" for usage.`);
    return error.exitCode;
  }
  if (error instanceof ConfigurationError || error instanceof InvalidMessageError) {
    io.err(`cfiq ${command}: ${error.message}`);
    return EXIT_CODES.invalidInput;
  }
  if (io.signal.aborted && (error as { name?: unknown }).name === 'AbortError') {
    io.err(`cfiq ${command}: interrupted`);
    return EXIT_CODES.interrupted;
  }
  // An AWS call outside awsCall: its code, its message and what to set; anything else is a bug: show it whole.
  const metadata = (error as { $metadata?: unknown }).$metadata;
  const code = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  const hint = awsErrorHint('', code, message);
  if (metadata !== undefined || hint !== undefined) {
    io.err(`cfiq ${command}: ${code}: ${message}`);
    if (hint !== undefined) io.err(hint);
    return EXIT_CODES.aws;
  }
  io.err(`cfiq ${command}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return typeof (error as { code?: unknown }).code === 'string' ? EXIT_CODES.aws : 1;
}
