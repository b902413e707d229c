import { ConfigurationError, InvalidMessageError } from '../../lambda/errors.ts';
import { CliError, EXIT_CODES } from './errors.ts';
import type { CliIo } from './io.ts';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Each command's module, loaded on use: `cfiq send` does not load the emulators. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  send: async () => (await import('./send.ts')).sendCommand,
  'dlq list': async () => (await import('./dlq-list.ts')).dlqListCommand,
  'dlq redrive': async () => (await import('./dlq-redrive.ts')).dlqRedriveCommand,
  status: async () => (await import('./status.ts')).statusCommand,
  local: async () => (await import('./local.ts')).localCommand,
};

export const MAIN_HELP = `Usage: cfiq <command> [options]

The CloudFront invalidation queue's operator CLI.

Commands:
  send PATH|URL...   check and send a publish event to the invalidation queue
  dlq list           list dead-lettered messages and why (without consuming them)
  dlq redrive        move dead-lettered messages back to the invalidation queue
  status             recent invalidations of each distribution
  local              run queue, dead-letter queue, CloudFront emulator and handler on this machine
                     (--demo: send a burst of publish events and sum up)

Run "cfiq <command> --help" for a command's options. Queues come from --queue-url/--dlq-url, CFIQ_QUEUE_URL/
CFIQ_DLQ_URL, or the deployed stack's outputs (--stack, default CloudFrontInvalidationQueue).

Exit codes: 0 ok, 1 invalid input, 2 usage, 3 AWS or transport error, 4 incomplete, 130 interrupted.`;

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
  // Anything else reaching here failed in an AWS call outside awsCall, or is a bug: show it whole.
  io.err(`cfiq ${command}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  const metadata = (error as { $metadata?: unknown }).$metadata;
  return metadata !== undefined || typeof (error as { code?: unknown }).code === 'string' ? EXIT_CODES.aws : 1;
}
