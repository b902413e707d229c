import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatActivity } from '../activity.ts';
import { formatDemoSummary, runDemo } from '../demo.ts';
import { LOCAL_DEFAULTS, startLocalEnvironment, type LocalEnvironment } from '../environment.ts';
import { LOCAL_STATE_VARIABLE, LocalStateFile, localStateOf, localStatePath, type LocalGauges } from '../local-state.ts';
import { loadInvalidatorSettings, type InvalidatorSettings } from '../settings.ts';
import { ConfigurationError } from '../../lambda/errors.ts';
import {
  batchingWindowTooShort,
  MAX_BATCH_SIZE,
  MAX_BATCH_SIZE_WITHOUT_WINDOW,
  MAX_BATCHING_WINDOW_SECONDS,
  MAX_MAX_RECEIVE_COUNT,
  MAX_VISIBILITY_TIMEOUT_SECONDS,
  MIN_BATCH_SIZE,
  MIN_BATCHING_WINDOW_SECONDS_OF_LARGE_BATCHES,
  MIN_MAX_RECEIVE_COUNT,
} from '../../lambda/limits.ts';
import { DEADLINE_MARGIN_MS, MIN_FUNCTION_TIMEOUT_SECONDS } from '../../lambda/defaults.ts';
import { MAX_FUNCTION_TIMEOUT_SECONDS } from '../../lib/service-limits.ts';
import { integerFlag, numberFlag, parseCommandLine } from './args.ts';
import { CliError, EXIT_CODES, InputError, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';

export const LOCAL_HELP = `Usage: cfiq local [options]

Run the whole pipeline on this machine: an SQS emulator (fauxqs, in this process) with the queue and its
dead-letter queue set up as the stack sets them up, a CloudFront emulator, an in-memory DynamoDB (dynalite) with
the send leases' table, and a poller that feeds the Lambda handler batches as Lambda's SQS event source does. All
on 127.0.0.1. It prints the endpoints, then "Ready", then one line per CreateInvalidation and per dead-lettered
message, until Ctrl-C.

  --config FILE            the configuration (a cdk.json, or its "invalidator" object)
                           [default: ./cdk.json's "invalidator" context]
  --sqs-port N             the SQS emulator's port; 0 picks a free one  [default: 0]
  --cloudfront-port N      the CloudFront emulator's port; 0 picks a free one  [default: 0]
  --window S               the batching window, in seconds (fractions allowed)  [default: ${LOCAL_DEFAULTS.batchingWindowSeconds}]
  --batch-size N           records per invocation at most  [default: the configuration's batchSize]
  --concurrency N          invocations at once  [default: ${LOCAL_DEFAULTS.concurrency}]
  --max-receive-count N    receives before a message is dead-lettered  [default: the configuration's]
  --function-timeout S     the function timeout, in seconds, ${MIN_FUNCTION_TIMEOUT_SECONDS} to ${MAX_FUNCTION_TIMEOUT_SECONDS} (the handler keeps the last
                           ${DEADLINE_MARGIN_MS / 1000} s for itself)  [default: ${LOCAL_DEFAULTS.functionTimeoutSeconds}]
  --visibility-timeout S   the queue's visibility timeout  [default: function timeout + window]
  --retry-base-delay S     first retry delay after a transient CloudFront failure  [default: ${LOCAL_DEFAULTS.retryBaseDelaySeconds}]
  --retry-max-delay S      largest retry delay  [default: ${LOCAL_DEFAULTS.retryMaxDelaySeconds}]
  --completion-delay S     how long an invalidation stays InProgress  [default: ${LOCAL_DEFAULTS.completionDelayMs / 1000}]
  --fault-rate R           share of CloudFront requests answered with Throttling or 503 (half each), 0 to 1  [default: 0]
  --fault-seed N           the fault sequence's seed  [default: 1]
  --verbose                also print the handler's JSON logs and metrics and the emulator's requests
  --demo                   send a burst of publish events, wait for them, print a summary and exit

While it runs, it keeps its endpoints, queue URLs and latest backlog gauges in .cfiq/local.json (or the file
CFIQ_LOCAL_STATE names), and removes the file when it stops: cfiq send, wait, status, dlq list and dlq redrive
started in the same directory use it without flags. It stops on Ctrl-C, SIGTERM, SIGHUP, and when the npm process
that started it (npm start) goes away.

Example, from another terminal in the same directory (with the shipped cdk.json):
  cfiq send --wait https://www.example.org/news/

Exit codes: 0 stopped with Ctrl-C (or demo OK), 1 invalid configuration, 2 usage, 3 a port could not be opened,
4 the demo lost messages.`;

const OPTIONS = {
  config: { type: 'string' },
  'sqs-port': { type: 'string' },
  'cloudfront-port': { type: 'string' },
  window: { type: 'string' },
  'batch-size': { type: 'string' },
  concurrency: { type: 'string' },
  'max-receive-count': { type: 'string' },
  'function-timeout': { type: 'string' },
  'visibility-timeout': { type: 'string' },
  'retry-base-delay': { type: 'string' },
  'retry-max-delay': { type: 'string' },
  'completion-delay': { type: 'string' },
  'fault-rate': { type: 'string' },
  'fault-seed': { type: 'string' },
  verbose: { type: 'boolean' },
  demo: { type: 'boolean' },
} as const;

/** `cfiq local` and `cfiq local --demo`. */
export async function localCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(argv, OPTIONS, false);
  if (values.help) {
    io.out(LOCAL_HELP);
    return EXIT_CODES.ok;
  }
  // Flags that need no configuration first: a usage error outranks a configuration problem.
  const window = numberFlag('window', values.window, LOCAL_DEFAULTS.batchingWindowSeconds, 0, MAX_BATCHING_WINDOW_SECONDS);
  let settings;
  try {
    settings = loadInvalidatorSettings(values.config, io.cwd);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new InputError(error.message, { cause: error });
    throw error;
  }
  const batchSize = integerFlag('batch-size', values['batch-size'], settings.batchSize, MIN_BATCH_SIZE, MAX_BATCH_SIZE);
  if (batchingWindowTooShort(batchSize, window)) {
    throw new UsageError(
      `a --batch-size above ${MAX_BATCH_SIZE_WITHOUT_WINDOW} needs a --window of at least ${MIN_BATCHING_WINDOW_SECONDS_OF_LARGE_BATCHES} second, as in Lambda (given ${batchSize} and ${window})`,
    );
  }
  const functionTimeout = integerFlag(
    'function-timeout',
    values['function-timeout'],
    LOCAL_DEFAULTS.functionTimeoutSeconds,
    MIN_FUNCTION_TIMEOUT_SECONDS,
    MAX_FUNCTION_TIMEOUT_SECONDS,
    `the handler starts no CloudFront call with less than ${DEADLINE_MARGIN_MS / 1000} s left`,
  );
  const retryBase = integerFlag('retry-base-delay', values['retry-base-delay'], LOCAL_DEFAULTS.retryBaseDelaySeconds, 0, MAX_VISIBILITY_TIMEOUT_SECONDS);
  const retryMax = integerFlag('retry-max-delay', values['retry-max-delay'], Math.max(retryBase, LOCAL_DEFAULTS.retryMaxDelaySeconds), retryBase, MAX_VISIBILITY_TIMEOUT_SECONDS);
  const faultRate = numberFlag('fault-rate', values['fault-rate'], 0, 0, 1);
  const options = {
    settings,
    sqsPort: integerFlag('sqs-port', values['sqs-port'], 0, 0, 65_535),
    cloudfrontPort: integerFlag('cloudfront-port', values['cloudfront-port'], 0, 0, 65_535),
    batchingWindowSeconds: window,
    batchSize,
    concurrency: integerFlag('concurrency', values.concurrency, LOCAL_DEFAULTS.concurrency, 1, 100),
    maxReceiveCount: integerFlag('max-receive-count', values['max-receive-count'], settings.maxReceiveCount, MIN_MAX_RECEIVE_COUNT, MAX_MAX_RECEIVE_COUNT),
    functionTimeoutSeconds: functionTimeout,
    ...(values['visibility-timeout'] !== undefined
      ? { visibilityTimeoutSeconds: integerFlag('visibility-timeout', values['visibility-timeout'], 0, functionTimeout, MAX_VISIBILITY_TIMEOUT_SECONDS) }
      : {}),
    retryBaseDelaySeconds: retryBase,
    retryMaxDelaySeconds: retryMax,
    completionDelayMs: numberFlag('completion-delay', values['completion-delay'], LOCAL_DEFAULTS.completionDelayMs / 1000, 0, 3600) * 1000,
    ...(faultRate > 0
      ? { faults: { seed: integerFlag('fault-seed', values['fault-seed'], 1, 0, 0xffff_ffff), throttleRate: faultRate / 2, serviceUnavailableRate: faultRate / 2 } }
      : {}),
    verbose: values.verbose ?? false,
    onActivity: (activity: Parameters<typeof formatActivity>[0]) => io.out(formatActivity(activity)),
  };

  // The state file is claimed once the environment is up; gauges reported before that are written with it.
  let stateFile: LocalStateFile | undefined;
  let latestGauges: LocalGauges = {};
  let pendingWrite = false;
  const onGauges = (gauges: LocalGauges) => {
    latestGauges = gauges;
    // One write per turn of the event loop: a batch reports three gauges per distribution at once.
    if (pendingWrite || stateFile === undefined) return;
    pendingWrite = true;
    setImmediate(() => {
      pendingWrite = false;
      stateFile?.updateGauges(latestGauges);
    });
  };

  let env: LocalEnvironment;
  try {
    env = await startLocalEnvironment({ ...options, ...(values.demo ? {} : { onGauges }) });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new CliError(EXIT_CODES.aws, `cannot open the port: ${(error as Error).message} (choose another with --sqs-port / --cloudfront-port, or 0)`);
    }
    throw error;
  }
  try {
    io.out(`SQS endpoint: ${env.sqsEndpoint}`);
    io.out(`Queue URL: ${env.queueUrl}`);
    io.out(`Dead-letter queue URL: ${env.deadLetterQueueUrl}`);
    io.out(`CloudFront endpoint: ${env.cloudfrontEndpoint}`);
    io.out(`Distributions: ${env.distributionIds.join(',')}`);
    io.err(
      `Batching window ${window} s, batch size ${batchSize}, max receive count ${options.maxReceiveCount}, ` +
        `retry delays ${retryBase}-${retryMax} s${faultRate > 0 ? `, fault rate ${faultRate}` : ''}.`,
    );
    if (!values.demo) {
      stateFile = claimStateFile(env, resolve(io.cwd, values.config ?? 'cdk.json'), latestGauges, io);
      io.err(`Send from another terminal in this directory:  ${sendExample(io.cwd, settings)}   (Ctrl-C stops)`);
    }
    io.out('Ready');

    if (values.demo) {
      let announced = false;
      const summary = await runDemo(env, {
        signal: io.signal,
        onSend: (event) => {
          if (!announced) io.out('Sending a burst of publish events, as a CMS would:');
          announced = true;
          io.out(`  ${event.description}`);
        },
      });
      for (const line of formatDemoSummary(summary)) io.out(line);
      if (io.signal.aborted) return EXIT_CODES.interrupted;
      return summary.ok ? EXIT_CODES.ok : EXIT_CODES.incomplete;
    }
    if (!io.signal.aborted) await once(io.signal, 'abort');
    io.err('Stopping…');
    return EXIT_CODES.ok;
  } finally {
    stateFile?.remove();
    stateFile = undefined;
    await env.close();
  }
}

/** Write the state file the other commands find local mode by; a warning (not a failure) when it cannot be. */
function claimStateFile(env: LocalEnvironment, configFile: string, gauges: LocalGauges, io: CliIo): LocalStateFile | undefined {
  const path = localStatePath(io.env, io.cwd);
  try {
    const claimed = LocalStateFile.claim(path, localStateOf(env, configFile, gauges));
    if ('ownedBy' in claimed) {
      io.err(`Another cfiq local (pid ${claimed.ownedBy}) owns ${path}: the other commands find that one; give them this one's URLs (or set ${LOCAL_STATE_VARIABLE}).`);
      return undefined;
    }
    return claimed;
  } catch (error) {
    io.err(`warning: cannot write ${path} (${(error as Error).message}): the other commands need this one's URLs.`);
    return undefined;
  }
}

/**
 * The command the start-up hint prints: one that works as printed with this configuration (a page URL when the
 * first distribution names a hostname, else a path with its distribution), from this directory.
 */
export function sendExample(cwd: string, settings: InvalidatorSettings): string {
  const cli = existsSync(join(cwd, 'scripts', 'npm')) ? 'bash scripts/npm exec -- cfiq' : 'cfiq';
  const [first] = settings.config.distributions;
  const hostname = first?.hostnames?.find((name) => !name.startsWith('.') && !name.startsWith('*'));
  const target =
    hostname !== undefined ? `https://${hostname}/news/` : settings.config.distributions.length === 1 ? '/news/' : `--distribution ${first?.id ?? 'ID'} /news/`;
  return `${cli} send --wait ${target}`;
}
