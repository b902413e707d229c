/**
 * `npm run chaos [-- --messages N] [--seed S] [--json] ...`: run the chaos scenario (test/chaos/chaos.ts) and print its
 * figures as one JSON object. Exits 1 when a message was lost or another invariant broke, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { runChaos, BURST_PROFILE, CHAOS_DEFAULTS, type ChaosProfile } from './chaos.ts';

const USAGE = `usage: npm run chaos -- [--profile P] [--messages N] [--seed S] [--throw-rate R] [--hang-rate R] [--late-throw-rate R] [--concurrency C] [--max-receive-count M]
                       [--burst N] [--rate R] [--json]

  --profile P            standard (default), or burst: ${BURST_PROFILE.messages} messages of ${BURST_PROFILE.pathsPerMessage} distinct paths on one
                         distribution, all at once, invalidations in progress for ${BURST_PROFILE.completionDelayMs / 1000} s; also fails
                         when a valid message is dead-lettered (RetriesExhausted, BacklogExpired, any code)
  --messages N           publish events to send (default 5000; burst: ${BURST_PROFILE.messages})
  --seed S               seeds the messages, the CloudFront faults and the crashes (default 1)
  --throw-rate R         share of invocations that throw mid-batch (default ${CHAOS_DEFAULTS.throwRate})
  --hang-rate R          share of invocations that hang past the function timeout (default ${CHAOS_DEFAULTS.hangRate})
  --late-throw-rate R    share of invocations that throw right after a dead-letter send (default 0); this
                         dead-letters messages twice, so the "exactly once" check fails by design
  --concurrency C        poller concurrency (default ${CHAOS_DEFAULTS.concurrency}, the stack's maximum concurrency)
  --max-receive-count M  the queue's maxReceiveCount, 2 to 1000 (default ${CHAOS_DEFAULTS.maxReceiveCount})
  --burst N              messages sent at once at the start (default ${CHAOS_DEFAULTS.burst}); the rest follow at --rate
  --rate R               messages a second after the burst, 1 to 100000 (default ${CHAOS_DEFAULTS.sendRatePerSecond})
  --json                 one line of JSON and no progress lines
`;

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      profile: { type: 'string', default: 'standard' },
      messages: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'throw-rate': { type: 'string' },
      'hang-rate': { type: 'string' },
      'late-throw-rate': { type: 'string' },
      concurrency: { type: 'string' },
      'max-receive-count': { type: 'string' },
      burst: { type: 'string' },
      rate: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const integer = (name: string, text: string, min: number, max: number) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`--${name} must be an integer from ${min} to ${max} (given ${text})`);
    return value;
  };
  const rate = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!(value >= 0 && value <= 1)) throw new RangeError(`--${name} must be a number from 0 to 1 (given ${text})`);
    return value;
  };
  return {
    help: values.help,
    json: values.json,
    profile: profileOf(values.profile),
    messages: values.messages === undefined ? undefined : integer('messages', values.messages, 1, 100_000),
    seed: integer('seed', values.seed, 0, 2 ** 32 - 1),
    throwRate: rate('throw-rate', values['throw-rate']),
    hangRate: rate('hang-rate', values['hang-rate']),
    lateThrowRate: rate('late-throw-rate', values['late-throw-rate']),
    concurrency: values.concurrency === undefined ? undefined : integer('concurrency', values.concurrency, 1, 16),
    burst: values.burst === undefined ? undefined : integer('burst', values.burst, 0, 100_000),
    rate: values.rate === undefined ? undefined : integer('rate', values.rate, 1, 100_000),
    maxReceiveCount:
      values['max-receive-count'] === undefined ? undefined : integer('max-receive-count', values['max-receive-count'], 2, 1000),
  };
}

function profileOf(text: string): ChaosProfile {
  if (text !== 'standard' && text !== 'burst') throw new RangeError(`--profile must be standard or burst (given ${text})`);
  return text;
}

let args: ReturnType<typeof parse>;
try {
  args = parse(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const report = await runChaos({
  profile: args.profile,
  ...(args.messages !== undefined ? { messages: args.messages } : {}),
  seed: args.seed,
  ...(args.throwRate !== undefined ? { throwRate: args.throwRate } : {}),
  ...(args.hangRate !== undefined ? { hangRate: args.hangRate } : {}),
  ...(args.lateThrowRate !== undefined ? { lateThrowRate: args.lateThrowRate } : {}),
  ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
  ...(args.maxReceiveCount !== undefined ? { maxReceiveCount: args.maxReceiveCount } : {}),
  ...(args.burst !== undefined ? { burst: args.burst } : {}),
  ...(args.rate !== undefined ? { sendRatePerSecond: args.rate } : {}),
  ...(args.json ? {} : { onProgress: (line: string) => process.stderr.write(`chaos: ${line}\n`) }),
});
process.stdout.write(`${JSON.stringify(report, null, args.json ? undefined : 2)}\n`);
if (!report.ok) process.stderr.write(`chaos: FAILED: ${report.lost} lost, ${report.violationCount} violation(s)\n`);
// Crashed invocations hold promises that never settle: exit rather than wait for the event loop to empty.
process.exit(report.ok ? 0 : 1);
