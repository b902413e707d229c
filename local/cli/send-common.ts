import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ConfigurationError, InvalidMessageError } from '../../lambda/errors.ts';
import { EXIT_CODES, InputError, awsCall } from './errors.ts';
import type { CliIo } from './io.ts';
import type { Targets } from './targets.ts';

/** What `cfiq send` checked of a body before sending it (a message, or an S3 notification). */
export interface CheckedBody {
  /** Normalized paths by distribution, when the configuration is known. */
  readonly byDistribution?: Record<string, string[]>;
  readonly description: string;
}

/** `byDistribution` as the JSON output shows it, and `N path(s) for ID` for each, in the order given. */
export function describePaths(byDistribution: ReadonlyMap<string, Iterable<string>>): { byDistribution: Record<string, string[]>; parts: string[] } {
  const paths = Object.fromEntries([...byDistribution].map(([id, list]) => [id, [...list]]));
  return { byDistribution: paths, parts: Object.entries(paths).map(([id, list]) => `${list.length} path(s) for ${id}`) };
}

/**
 * Run a check of the handler's, turning its errors into the CLI's input errors: an invalid body names its code
 * (`what` says what the body is), an invalid configuration its own message.
 */
export function checkedAsInput<T>(what: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof InvalidMessageError) throw new InputError(`invalid ${what} (${error.code}): ${error.message}`, { cause: error });
    if (error instanceof ConfigurationError) throw new InputError(error.message, { cause: error });
    throw error;
  }
}

/** `--dry-run`: the body (or, with --json, the message and its paths by distribution) and what was checked. */
export function printDryRun(io: CliIo, body: string, message: unknown, checked: CheckedBody, json: boolean | undefined): number {
  if (json) io.out(JSON.stringify({ message, distributions: checked.byDistribution }, null, 2));
  else {
    io.out(body);
    io.out(`Checked ${checked.description}; not sent (--dry-run).`);
  }
  return EXIT_CODES.ok;
}

/** Send `body` to the invalidation queue the targets name. */
export async function sendBody(targets: Targets, io: CliIo, body: string): Promise<{ messageId: string; queueUrl: string }> {
  const queueUrl = await targets.queueUrl();
  const output = await awsCall('SendMessage', () =>
    targets.sqs(queueUrl).send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }), { abortSignal: io.signal }),
  );
  return { messageId: output.MessageId ?? '', queueUrl };
}
