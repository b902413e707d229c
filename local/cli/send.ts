import { MAX_SQS_MESSAGE_BYTES } from '../../lambda/limits.ts';
import { parseMessageBody, type InvalidationMessage } from '../../lambda/read/message.ts';
import { normalizePath, parsePageUrl } from '../../lambda/resolve/paths.ts';
import { resolvePaths } from '../../lambda/resolve/targets.ts';
import { DistributionRouter } from '../../lambda/resolve/routing.ts';
import { findInvalidatorSettings } from '../settings.ts';
import { QUEUE_OPTIONS, QUEUE_OPTIONS_HELP, parseCommandLine } from './args.ts';
import { EXIT_CODES, InputError, UsageError } from './errors.ts';
import { checkedAsInput, describePaths, printDryRun, sendBody, type CheckedBody } from './send-common.ts';
import type { CliIo } from './io.ts';
import { Targets } from './targets.ts';
import { S3_SEND_OPTIONS, S3_SEND_OPTIONS_HELP, sendS3Notification } from './send-s3.ts';
import { printWaitResult, readWaitSettings, resolveMessagePaths, waitExitCode, waitForPurge, waitResultJson, WAIT_OPTIONS, WAIT_OPTIONS_HELP } from './wait.ts';

export const SEND_HELP = `Usage: cfiq send [options] PATH|URL...
       cfiq send [options] --bucket NAME --s3-key KEY...

Send one publish event (one message) asking to invalidate the given paths and page URLs. The message is checked
with the handler's own schema first (and routed with the configured distributions, when known): invalid input
sends nothing.

  PATH                  an invalidation path starting with "/" (a trailing "*" for a prefix), e.g. /news/*
  URL                   an absolute http(s) page URL, routed to a distribution by its hostname
  --distribution ID     the distribution the PATHs go to (needed when several are configured)
  --source S            who sends it, kept in the logs   [default: cfiq]
  --reason R            why, kept in the logs
  --config FILE         the configuration to check against (a cdk.json, or its "invalidator" object)
                        [default: ./cdk.json's "invalidator" context, when there]
  --dry-run             check and print the message; send nothing
  --json                print the result as JSON (with --wait: no progress)
  -q, --quiet           print only the message id
  --wait                then wait until CloudFront has purged every path of the message (see cfiq wait --help):
                        exit 0 once live, 5 if the message is dead-lettered, 6 at the timeout
${WAIT_OPTIONS_HELP}
${S3_SEND_OPTIONS_HELP}
${QUEUE_OPTIONS_HELP}

Exit codes: 0 sent (with --wait: and live), 1 invalid input (nothing sent), 2 usage, 3 AWS error,
5 dead-lettered, 6 timed out (--wait), 130 interrupted.

Examples (with cfiq local running in this directory, or the stack deployed):
  cfiq send --reason "page published" https://www.example.org/news/ https://www.example.org/
  cfiq send --distribution EDFDVBD6EXAMPLE '/news/*'
  cfiq send --wait --timeout 120 https://www.example.org/news/`;

const OPTIONS = {
  ...QUEUE_OPTIONS,
  distribution: { type: 'string' },
  source: { type: 'string' },
  reason: { type: 'string' },
  config: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  wait: { type: 'boolean' },
  ...WAIT_OPTIONS,
  ...S3_SEND_OPTIONS,
} as const;

/** `cfiq send`. */
export async function sendCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS, true);
  if (values.help) {
    io.out(SEND_HELP);
    return EXIT_CODES.ok;
  }
  if (values['s3-key'] !== undefined) {
    // Waiting needs the paths' distributions before sending; an S3 notification's are only known to the handler.
    if (values.wait || values.timeout !== undefined || values['poll-interval'] !== undefined || values['ignore-dlq']) {
      throw new UsageError('--wait, --timeout, --poll-interval and --ignore-dlq go with PATH|URL, not with --s3-key');
    }
    return sendS3Notification(values, positionals, io);
  }
  if (values.bucket !== undefined || values['s3-event'] !== undefined) throw new UsageError('--bucket and --s3-event go with --s3-key KEY');
  if (positionals.length === 0) throw new UsageError('give at least one PATH or URL to invalidate (see cfiq send --help)');

  // Flags first: a usage error outranks the message's own problems.
  const targets = new Targets(values, io, { quiet: values.json === true || values.quiet === true });
  const waitSettings = readWaitSettings(values);
  if (!values.wait && (values.timeout !== undefined || values['poll-interval'] !== undefined || values['ignore-dlq'])) {
    throw new UsageError('--timeout, --poll-interval and --ignore-dlq go with --wait');
  }
  const message = buildMessage(positionals, { distributionId: values.distribution, source: values.source ?? 'cfiq', reason: values.reason });
  const body = JSON.stringify(message);
  const configFile = targets.configFile(values.config);
  const checked = checkMessage(body, configFile, io.cwd);
  if (Buffer.byteLength(body) > MAX_SQS_MESSAGE_BYTES) {
    throw new InputError(`the message is ${Buffer.byteLength(body)} bytes, above SQS's ${MAX_SQS_MESSAGE_BYTES}: send the paths in several messages`);
  }
  // What --wait waits for, known before anything is sent: a message it cannot route is not sent.
  const waitPaths = values.wait
    ? checked.byDistribution !== undefined
      ? new Map(Object.entries(checked.byDistribution))
      : resolveMessagePaths({ distributionId: message.distributionId, paths: message.paths ?? [], urls: message.urls ?? [] }, configFile, io.cwd)
    : undefined;

  if (values['dry-run']) return printDryRun(io, body, message, checked, values.json);

  try {
    const sentAt = Date.now();
    const { messageId, queueUrl } = await sendBody(targets, io, body);
    const sent = { messageId, queueUrl, message, distributions: checked.byDistribution };
    if (values.quiet) io.out(messageId);
    else if (!values.json) io.out(`Sent message ${messageId} to ${queueUrl}: ${checked.description}.`);
    if (waitPaths === undefined) {
      if (values.json && !values.quiet) io.out(JSON.stringify(sent, null, 2));
      return EXIT_CODES.ok;
    }
    const quiet = values.json === true || values.quiet === true;
    const result = await waitForPurge(targets, { messageId, paths: waitPaths, since: sentAt, ...waitSettings, progress: values.json ? undefined : io.err }, io);
    if (values.json && !values.quiet) io.out(JSON.stringify({ ...sent, wait: waitResultJson(result) }, null, 2));
    else if (!quiet) printWaitResult(result, io);
    else if (result.outcome !== 'live') printWaitResult(result, { out: () => undefined, err: io.err });
    return waitExitCode(result);
  } finally {
    targets.destroy();
  }
}

/**
 * The message for the command line's paths and URLs.
 *
 * @throws {InputError} naming an argument that is neither a path nor an http(s) URL
 */
export function buildMessage(
  targets: readonly string[],
  extra: { distributionId?: string | undefined; source?: string | undefined; reason?: string | undefined },
): InvalidationMessage {
  const paths: string[] = [];
  const urls: string[] = [];
  for (const target of targets) {
    if (target.startsWith('/')) paths.push(target);
    else if (/^https?:\/\//i.test(target)) urls.push(target);
    else throw new InputError(`${JSON.stringify(target)} is neither a path (starting with "/") nor an http(s) URL`);
  }
  return {
    ...(extra.distributionId !== undefined ? { distributionId: extra.distributionId } : {}),
    ...(paths.length > 0 ? { paths } : {}),
    ...(urls.length > 0 ? { urls } : {}),
    ...(extra.source !== undefined ? { source: extra.source } : {}),
    ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
  };
}

/**
 * Check a message body as the handler will: the schema, then routing and path rules with the configuration when
 * one is found, else the path and URL rules alone.
 *
 * @throws {InputError} with the handler's own message, naming the bad value
 */
function checkMessage(body: string, configFile: string | undefined, cwd: string): CheckedBody {
  return checkedAsInput('message', () => {
    const message = parseMessageBody(body);
    const settings = findInvalidatorSettings(configFile, cwd);
    if (settings === undefined) {
      for (const path of message.paths ?? []) normalizePath(path);
      for (const url of message.urls ?? []) parsePageUrl(url);
      const count = (message.paths?.length ?? 0) + (message.urls?.length ?? 0);
      return { description: `${count} path(s)/URL(s) (no configuration found: distributions and hostnames not checked)` };
    }
    const { byDistribution, parts } = describePaths(resolvePaths(message, new DistributionRouter(settings.config)));
    return { byDistribution, description: parts.join(', ') };
  });
}
