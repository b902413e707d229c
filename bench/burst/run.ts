import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MIN_PATHS_PER_DIRECTORY } from '../../lambda/defaults.ts';
import { BURST_MODEL, burstPaths, simulateBurst, type BurstResult } from './burst-simulation.ts';

/**
 * The burst scenario of `npm run bench` (issue 12), alone: `node bench/burst/run.ts` prints a table of the current
 * code (plain and with the wildcard collapse) beside the "before" figures stored in bench/results.json.
 *
 *   node bench/burst/run.ts                       # 10,000, 60,000 and 300,000 paths; prints, writes nothing
 *   node bench/burst/run.ts --write               # also stores `burst` in bench/results.json (keeping `before`)
 *   node bench/burst/run.ts --record-before       # measures this code as `before` and stores it (with its commit)
 *   node bench/burst/run.ts --sizes 10000 --seed 2
 */

export const BURST_SIZES = [10_000, 60_000, 300_000] as const;
export const BURST_SEED = 1;
export const BURST_COMMAND = 'node bench/burst/run.ts';
const RESULTS_FILE = fileURLToPath(new URL('../results.json', import.meta.url));
/** The collapse variant: the threshold's default, and only under a backlog of more than 3 rounds (9,000 paths owed). */
const COLLAPSE = { minPathsPerDirectory: DEFAULT_MIN_PATHS_PER_DIRECTORY, whenBacklogRoundsAbove: 3 } as const;
/** Issue 12's targets. */
export const BURST_TARGETS = { validDeadLettered: 0, drainToLowerBound: 1.15, refusedShareOfCalls: 0.01 } as const;

/** The figures issue 12 asks for, per size, and the ones that explain them. */
export type BurstFigures = BurstResult;

/** One measured variant: the code it ran (commit), when, and its figures per size. */
export interface BurstRun {
  /** `git rev-parse --short HEAD` when measured (with "(lambda/ modified)" for uncommitted handler changes). */
  readonly commit: string | undefined;
  /** The last commit that changed lambda/: the handler code measured. */
  readonly lambdaCommit: string | undefined;
  readonly date: string;
  readonly machine: string;
  readonly seed: number;
  readonly sizes: Record<string, BurstFigures>;
}

export interface BurstSection {
  readonly command: string;
  readonly model: Record<string, unknown>;
  readonly targets: Record<string, string>;
  /** The code before issue 12's change, measured once and kept. */
  readonly before?: BurstRun;
  /** The code of this run. */
  readonly after: BurstRun;
  /** The code of this run with `wildcardCollapse: { minPathsPerDirectory: 10 }`. */
  readonly collapse: BurstRun;
  /** Of `after`, per size: each target met or not. */
  readonly met: Record<string, Record<string, boolean>>;
}

/**
 * Run the scenario for every size, plain and with the collapse, on the code checked out now.
 *
 * @param before - the stored "before" run, carried over unchanged
 */
export async function measureBurst(options: { sizes?: readonly number[]; seed?: number; before?: BurstRun; log?: (line: string) => void } = {}): Promise<BurstSection> {
  const sizes = options.sizes ?? BURST_SIZES;
  const seed = options.seed ?? BURST_SEED;
  const log = options.log ?? (() => {});
  const plain: Record<string, BurstFigures> = {};
  const collapsed: Record<string, BurstFigures> = {};
  for (const paths of sizes) {
    const prepared = burstPaths(paths, seed);
    log(`burst: ${paths.toLocaleString('en-US')} paths, plain`);
    plain[paths] = await simulateBurst({ paths, seed }, prepared);
    log(`burst: ${paths.toLocaleString('en-US')} paths, wildcardCollapse`);
    collapsed[paths] = await simulateBurst({ paths, seed, wildcardCollapse: COLLAPSE }, prepared);
  }
  const after = run(seed, plain);
  return {
    command: BURST_COMMAND,
    model: {
      ...BURST_MODEL,
      pathsPerMessage: 10,
      siteFactor: 2,
      completionSeconds: '60 to 300, uniform, seeded (mean 180)',
      latency: 'each CloudFront call 500 ms, each SQS call 20 ms, each DynamoDB call 10 ms of virtual time; the handler computes in 0 s',
      sendLeases: 'on, as the stack deploys it: concurrent invocations take turns per distribution (leaseCalls: taken, and refused while another held it)',
      lowerBound: 'ceil(paths / 3,000) rounds x the mean completion time (180 s)',
      drain: 'when the source queue is empty and the last created invalidation has completed; null when the run hit its 24 h cap',
      calls: 'CreateInvalidation calls; refusedCalls: those answered TooManyInvalidationsInProgress',
      validDeadLettered: 'dead-letter queue entries (all messages are valid): the handler`s own sends and the redrive policy`s moves',
      overInvalidatedPaths: 'site pages under each created wildcard that the burst did not ask for, summed over wildcards; site pages only (no assets)',
    },
    targets: {
      validDeadLettered: `= ${BURST_TARGETS.validDeadLettered}`,
      drainToLowerBound: `<= ${BURST_TARGETS.drainToLowerBound}`,
      refusedShareOfCalls: `<= ${BURST_TARGETS.refusedShareOfCalls}`,
      billedPaths: '= paths (without collapse)',
    },
    ...(options.before === undefined ? {} : { before: options.before }),
    after,
    collapse: run(seed, collapsed),
    met: Object.fromEntries(Object.entries(plain).map(([size, figures]) => [size, targetsMet(figures)])),
  };
}

/** Issue 12's targets for one size. */
export function targetsMet(figures: BurstFigures): Record<string, boolean> {
  return {
    validDeadLettered: figures.validDeadLettered === BURST_TARGETS.validDeadLettered,
    // A drain that dead-letters paths is no drain: the bound counts every path invalidated.
    drainToLowerBound:
      figures.drainSeconds !== null &&
      figures.conservation.invalidated === figures.paths &&
      figures.drainSeconds <= BURST_TARGETS.drainToLowerBound * figures.lowerBoundDrainSeconds,
    refusedShareOfCalls: figures.refusedCalls <= BURST_TARGETS.refusedShareOfCalls * figures.calls,
    billedPaths: figures.billedPaths === figures.paths,
  };
}

function run(seed: number, sizes: Record<string, BurstFigures>): BurstRun {
  return { commit: gitCommit(), lambdaCommit: lastLambdaCommit(), date: new Date().toISOString(), machine: machine(), seed, sizes };
}

/** A table of the three variants, size by size. */
export function renderBurstTable(section: BurstSection): string {
  const header = ['variant', 'paths', 'valid DLQ', 'refused / calls', 'drain s', 'lower bound s', 'drain / bound', 'billed paths', 'over-invalidated', 'wall s'];
  const rows: string[][] = [header];
  const variants: Array<[string, BurstRun | undefined]> = [
    [`before (lambda/ ${section.before?.lambdaCommit ?? 'not recorded'})`, section.before],
    [`after (lambda/ ${section.after.lambdaCommit ?? '?'})`, section.after],
    ['after + collapse', section.collapse],
  ];
  for (const [name, variant] of variants) {
    for (const [size, f] of Object.entries(variant?.sizes ?? {})) {
      rows.push([
        name,
        integer(Number(size)),
        `${integer(f.validDeadLettered)} (${integer(f.validDeadLetteredPaths)} paths)`,
        `${integer(f.refusedCalls)} / ${integer(f.calls)}`,
        f.drainSeconds === null ? `capped at ${integer(f.simulatedSeconds)}` : integer(f.drainSeconds),
        integer(f.lowerBoundDrainSeconds),
        f.drainSeconds === null ? '-' : (f.drainSeconds / f.lowerBoundDrainSeconds).toFixed(2),
        integer(f.billedPaths),
        integer(f.overInvalidatedPaths),
        String(f.wallSeconds),
      ]);
    }
  }
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const table = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')).join('\n');
  const met = Object.entries(section.met)
    .map(([size, targets]) => `  ${integer(Number(size))} paths: ${Object.entries(targets).map(([name, ok]) => `${name} ${ok ? 'met' : 'NOT met'}`).join(', ')}`)
    .join('\n');
  return `${table}\n\ntargets (after):\n${met}`;
}

/** The stored `burst` section of bench/results.json, if any. */
export function storedBurst(): Partial<BurstSection> | undefined {
  if (!existsSync(RESULTS_FILE)) return undefined;
  return (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as { burst?: Partial<BurstSection> }).burst;
}

/** Replace the `burst` section of bench/results.json, leaving the rest as it is. */
export function writeBurst(section: BurstSection): void {
  const results = existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...results, burst: section }, null, 2)}\n`);
}

function gitCommit(): string | undefined {
  const cwd = fileURLToPath(new URL('.', import.meta.url));
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync('git', ['status', '--porcelain', '--', '../../lambda'], { cwd, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? ' (lambda/ modified)' : ''}`;
}

function lastLambdaCommit(): string | undefined {
  const cwd = fileURLToPath(new URL('.', import.meta.url));
  const log = spawnSync('git', ['log', '-1', '--format=%h', '--', '../../lambda'], { cwd, encoding: 'utf8' });
  return log.status === 0 ? log.stdout.trim() || undefined : undefined;
}

function machine(): string {
  return `${os.cpus()[0]?.model ?? 'unknown'}, ${os.availableParallelism()} cores, Node ${process.version}`;
}

const integer = (value: number): string => value.toLocaleString('en-US');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      seed: { type: 'string' },
      write: { type: 'boolean', default: false },
      'record-before': { type: 'boolean', default: false },
    },
  });
  const sizes = values.sizes?.split(',').map((size) => Number(size.replaceAll('_', '')));
  if (sizes?.some((size) => !Number.isInteger(size) || size < 1)) throw new Error(`--sizes takes positive integers separated by commas (given ${values.sizes})`);
  const seed = values.seed === undefined ? BURST_SEED : Number(values.seed);
  const stored = storedBurst();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let section = await measureBurst({ ...(sizes ? { sizes } : {}), seed, ...(stored?.before ? { before: stored.before } : {}), log });
  if (values['record-before']) section = { ...section, before: section.after };
  console.log(renderBurstTable(section));
  if (values.write || values['record-before']) {
    writeBurst(section);
    console.log('\nwrote `burst` in bench/results.json');
  }
}

if (import.meta.main) await main();
