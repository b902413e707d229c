// Over 250 lines on purpose: the benchmark's entry point and its report (results.json, RESULTS.md), one section
// per measurement in the order they run.
import { fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MIN_PATHS_PER_DIRECTORY } from '../lambda/defaults.ts';
import { HANDLER_BUNDLING } from '../lib/handler-bundling.ts';
import { bundleHandler, measureInit, type BundleReport, type InitTiming } from './coldstart.ts';
import { ASSUMED_INVOCATION_MS, createReplay, replayWindow, type WindowCost } from './cost.ts';
import { summarizeProfile } from './profile-summary.ts';
import { measureBurst, renderBurstTable, storedBurst, writeBurst, type BurstSection } from './burst/run.ts';
import { buildSite } from './site.ts';
import { publishStream, WORKING_DAY } from './stream.ts';
import type { ThroughputOptions, ThroughputResult } from './throughput.ts';

/**
 * `npm run bench`: cost and API calls (virtual time), the wildcard optimizer, handler throughput and memory, cold
 * start and bundle, and the burst scenario (simulated time, bench/burst/). Prints a table and writes
 * bench/results.json and bench/RESULTS.md. A benchmark, not a test: nothing here fails on a slow figure; the
 * targets are reported as met or not. `npm run bench -- --only burst` runs the burst scenario alone and replaces
 * only the `burst` section of bench/results.json.
 */

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const TMP_DIR = fileURLToPath(new URL('./tmp/', import.meta.url));
const COMMAND = 'npm run bench';
const SITE = { pageCount: 5000, seed: 7 };
const WINDOWS = [0, 10, 60, 300] as const;
/** Beyond the SQS event source's 300-second maximum: what the call target would need, for illustration only. */
const WINDOWS_BEYOND_SQS = [900, 1800] as const;
const OPTIMIZER_THRESHOLDS = [5, DEFAULT_MIN_PATHS_PER_DIRECTORY, 20, 50];
const THROUGHPUT: ThroughputOptions = { records: 10_000, warmup: 3, iterations: 25, seed: 5 };
const THROUGHPUT_PROCESSES = 3;
const COLD_START_RUNS = 15;
/** For comparison only: the Lambda runtime's SDK instead of a bundled one (NodejsFunction's default without bundleAwsSDK). */
const RUNTIME_SDK_EXTERNALS = ['@aws-sdk/*'] as const;
const TARGETS = { callReduction60: 50, pathsToLowerBound60: 1, throughputRatioToFloor: 0.5, initMs: 150 };

async function runBenchmarks() {
  const started = performance.now();
  const loadAtStart = os.loadavg();
  rmSync(TMP_DIR, { recursive: true, force: true });
  mkdirSync(TMP_DIR, { recursive: true });

  log('cost: replaying the publish stream');
  const site = buildSite(SITE);
  const events = publishStream(site, WORKING_DAY);
  const replay = createReplay(events, site);
  const windows = Object.fromEntries(
    WINDOWS.map((window) => {
      log(`cost: ${events.length.toLocaleString('en-US')} events through a ${window} s batching window`);
      return [`window${window}`, replayWindow(replay, window)];
    }),
  ) as Record<
    `window${(typeof WINDOWS)[number]}`,
    WindowCost
  >;
  log(`cost: windows beyond SQS's maximum (${WINDOWS_BEYOND_SQS.join(', ')} s), then the wildcard optimizer sweep`);
  const beyond = WINDOWS_BEYOND_SQS.map((window) => replayWindow(replay, window));
  const sweep = OPTIMIZER_THRESHOLDS.map((minPathsPerDirectory) => ({
    minPathsPerDirectory,
    ...pick(replayWindow(replay, 60, { wildcardCollapse: { minPathsPerDirectory } }), ['calls', 'paths', 'wildcards', 'overInvalidatedPaths', 'wildcardPaths']),
  }));
  const optimizer60 = { ...sweep.find((entry) => entry.minPathsPerDirectory === DEFAULT_MIN_PATHS_PER_DIRECTORY)!, plainPaths: windows.window60.paths };
  const bursts = new Set(events.flatMap((event) => (event.burst === undefined ? [] : [event.burst])));

  log('cold start: bundling and importing the handler');
  const stack = await bundleHandler(`${TMP_DIR}bundle`);
  const sdkExternal = await bundleHandler(`${TMP_DIR}bundle-sdk-external`, RUNTIME_SDK_EXTERNALS);
  log(`cold start: ${COLD_START_RUNS} imports of each bundle`);
  const init = measureInit(stack.file, COLD_START_RUNS);
  const initSourceMaps = measureInit(stack.file, COLD_START_RUNS, '--enable-source-maps');
  const initSdkExternal = measureInit(sdkExternal.file, COLD_START_RUNS);

  log(`throughput: ${THROUGHPUT_PROCESSES} child processes, ${THROUGHPUT.records} records, ${THROUGHPUT.iterations} batches each`);
  const throughputRuns: Array<ThroughputResult & { peakRssMb: number; rssAtStartMb: number }> = [];
  for (let run = 0; run < THROUGHPUT_PROCESSES; run++) {
    const measured = await throughputInChild(THROUGHPUT);
    throughputRuns.push(measured);
    log(`throughput: run ${run + 1} of ${THROUGHPUT_PROCESSES}: ${Math.round(measured.recordsPerSecond).toLocaleString('en-US')} records/s`);
  }
  // The run with the median ratio to the floor stands for all; every run is kept in results.json.
  const byRatio = [...throughputRuns].sort((a, b) => a.ratioToFloor - b.ratioToFloor);
  const throughput = byRatio[byRatio.length >> 1]!;
  log('throughput: one more child process under --cpu-prof, to see what dominates');
  const profile = await profileThroughput(THROUGHPUT);

  log('burst: simulated time, the code checked out now (the stored "before" run is kept)');
  const before = storedBurst()?.before;
  const burst = await measureBurst({ ...(before ? { before } : {}), log });

  const durationSeconds = Math.round((performance.now() - started) / 100) / 10;
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: loadAtStart.map((value) => Math.round(value * 100) / 100),
    loadAverageAtEnd: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
  const window60 = windows.window60;
  const results = {
    command: COMMAND,
    date: new Date().toISOString(),
    commit: gitCommit(),
    durationSeconds,
    machine,
    cost: {
      stream: {
        seed: WORKING_DAY.seed,
        events: events.length,
        burstEvents: events.filter((event) => event.burst !== undefined).length,
        bursts: bursts.size,
        hours: WORKING_DAY.durationMs / 3_600_000,
        sitePages: site.pages.length,
        zipfExponent: WORKING_DAY.zipfExponent,
      },
      model: {
        batchSize: 'DEFAULT_BATCH_SIZE (1000); 10 at window 0 (SQS allows more only with a window of at least 1 s)',
        maxConcurrency: 'DEFAULT_MAX_CONCURRENCY (2)',
        assumedInvocationMs: ASSUMED_INVOCATION_MS,
        window0: 'long polling: a message arriving while an invocation slot is free is delivered at once, alone; while both slots are busy, messages wait and the next free slot takes up to 10',
      },
      ...windows,
      beyondSqsMaximum: beyond,
      optimizer60,
      optimizerSweep60: sweep,
    },
    throughput: {
      records: throughput.records,
      recordsPerSecond: throughput.recordsPerSecond,
      msPerBatch: throughput.msPerBatch,
      floorRecordsPerSecond: throughput.floorRecordsPerSecond,
      floorMsPerBatch: throughput.floorMsPerBatch,
      ratioToFloor: throughput.ratioToFloor,
      sustained: throughput.sustained,
      gcBetweenIterations: throughput.gcBetweenIterations,
      // Through the timed rounds; the sustained blocks after them let the heap grow further (peakRssMbAfterSustained).
      peakRssMb: throughput.peakRssMbTimed,
      peakRssMbAfterSustained: throughput.peakRssMb,
      rssAtStartMb: throughput.rssAtStartMb,
      urlsPerBatch: throughput.urlsPerBatch,
      distinctUrlsPerBatch: throughput.distinctUrlsPerBatch,
      createInvalidationCallsPerBatch: throughput.createInvalidationCallsPerBatch,
      stubMicrosPerCall: throughput.stubMicrosPerCall,
      stubShareOfBatch: throughput.stubShareOfBatch,
      runs: throughputRuns,
      profile,
    },
    coldStart: {
      bundleBytes: stack.bundleBytes,
      initMs: init.initMs,
      bareNodeMs: init.bareNodeMs,
      importNodeMs: init.importNodeMs,
      runs: init.runs,
      bundling: { source: 'lib/handler-bundling.ts (HANDLER_BUNDLING, as the InvalidationQueue construct bundles it)', ...HANDLER_BUNDLING },
      bundle: summarizeBundle(stack),
      variants: {
        enableSourceMaps: { ...init, ...initSourceMaps, bundleBytes: stack.bundleBytes },
        sdkExternal: { ...initSdkExternal, bundleBytes: sdkExternal.bundleBytes },
      },
    },
    burst,
    targets: {
      callReduction60: { target: `>= ${TARGETS.callReduction60}x`, measured: window60.callReduction, met: window60.callReduction >= TARGETS.callReduction60 },
      pathsToLowerBound60: { target: '1.00', measured: window60.pathsToLowerBound, met: window60.pathsToLowerBound <= TARGETS.pathsToLowerBound60 },
      throughputRatioToFloor: {
        target: `>= ${TARGETS.throughputRatioToFloor}`,
        measured: throughput.ratioToFloor,
        met: throughput.ratioToFloor >= TARGETS.throughputRatioToFloor,
      },
      initMs: { target: `<= ${TARGETS.initMs} ms`, measured: init.initMs, met: init.initMs <= TARGETS.initMs },
      bundleOnlyWhatHandlerUses: {
        target: 'no unused or foreign code',
        measured: `${stack.unusedBytes} unused bytes, ${stack.unexpectedInputs.length} foreign inputs`,
        met: stack.unusedBytes === 0 && stack.unexpectedInputs.length === 0,
      },
    },
  };

  return { results, stack, timings: { init, initSourceMaps, initSdkExternal }, sdkExternal };
}

async function main(): Promise<void> {
  const only = onlyArgument();
  if (only === 'burst') {
    const before = storedBurst()?.before;
    const burst = await measureBurst({ ...(before ? { before } : {}), log });
    writeBurst(burst);
    console.log(renderBurstTable(burst));
    console.log('\nwrote `burst` in bench/results.json (bench/RESULTS.md is written by a full run)');
    return;
  }
  const { results, stack, timings, sdkExternal } = await runBenchmarks();
  writeFileSync(`${BENCH_DIR}results.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${BENCH_DIR}RESULTS.md`, renderMarkdown(results, stack, timings, sdkExternal) + keptHistory());
  console.log(renderTable(results));
  console.log(`\nwrote bench/results.json and bench/RESULTS.md in ${results.durationSeconds} s`);
}

/** `--only burst` (or `--only=burst`); the only scenario that runs alone so far. */
function onlyArgument(): string | undefined {
  const args = process.argv.slice(2);
  const index = args.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
  if (index === -1) return undefined;
  const value = args[index]!.includes('=') ? args[index]!.slice('--only='.length) : args[index + 1];
  if (value !== 'burst') throw new Error(`--only takes "burst" (given ${JSON.stringify(value ?? null)})`);
  return value;
}

function throughputInChild(
  options: ThroughputOptions,
  execArgv: readonly string[] = ['--expose-gc'],
): Promise<ThroughputResult & { peakRssMb: number; rssAtStartMb: number }> {
  return new Promise((resolve, reject) => {
    // stdout is dropped: Powertools Metrics prints one EMF line per batch there.
    const child = fork(fileURLToPath(new URL('./throughput-worker.ts', import.meta.url)), [JSON.stringify(options)], {
      execArgv: [...execArgv],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let result: (ThroughputResult & { peakRssMb: number; rssAtStartMb: number }) | undefined;
    child.on('message', (message) => (result = message as typeof result));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`throughput worker exited with ${code}`))));
  });
}

/** The functions of interest in the handler, by the start of their profile name. */
const PROFILED = [
  ['processBatch (whole pipeline)', 'processBatch lambda/process-batch.ts'],
  ['parseMessageBody (JSON.parse + checks)', 'parseMessageBody lambda/read/message.ts'],
  ['  of which zod safeParse (messages the fast path declines)', 'safeParse zod/'],
  ['resolveTargets (URLs parsed and routed once a batch)', 'resolveTargets lambda/resolve/targets.ts'],
  ['  of which parsePageUrl (fast path, else WHATWG URL)', 'parsePageUrl lambda/resolve/paths.ts'],
  ['    of which WHATWG URL', 'URL node:internal/url'],
  ['planInvalidations', 'planInvalidations lambda/plan/plan.ts'],
  ['  of which coalesce (sort, drop covered paths)', 'coalesceDistinct lambda/plan/coalesce.ts'],
  ['  of which callerReference (SHA-256)', 'callerReference lambda/plan/plan.ts'],
  ['garbage collector (whole process)', '(garbage collector)'],
] as const;

/**
 * A separate, untimed run under `--cpu-prof` (without forced GCs, so the collector's share is the handler's own):
 * the time per batch of the pipeline's stages, inclusive (callees and what V8 inlined into them).
 */
async function profileThroughput(options: ThroughputOptions) {
  const directory = `${TMP_DIR}profile`;
  const result = await throughputInChild(options, ['--cpu-prof', `--cpu-prof-dir=${directory}`]);
  const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'))!;
  const summary = summarizeProfile(`${directory}/${file}`);
  // Every handler batch the child ran: warm-up, timed, and sustained.
  const batches = options.warmup + options.iterations + result.sustained.batches;
  const find = (prefix: string) => summary.inclusive.find((entry) => entry.name.startsWith(prefix));
  return {
    command: `node --cpu-prof bench/throughput-worker.ts '${JSON.stringify(options)}'; node bench/profile-summary.ts PROFILE`,
    batches,
    sampledMs: summary.totalMs,
    msPerBatch: PROFILED.map(([label, prefix]) => ({ stage: label, ms: Math.round(((find(prefix)?.ms ?? 0) / batches) * 10) / 10 })),
    topSelf: summary.self.slice(0, 10),
  };
}

function summarizeBundle(report: BundleReport) {
  return {
    sourceMapBytes: report.sourceMapBytes,
    packages: report.packages.slice(0, 12),
    topInputs: report.topInputs,
    sdkCommands: report.sdkCommands,
    unexpectedInputs: report.unexpectedInputs,
    unusedBytes: report.unusedBytes,
    unusedInputs: report.unusedInputs.length,
    largestUnusedInputs: report.unusedInputs.slice(0, 5),
  };
}

function gitCommit(): string | undefined {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: BENCH_DIR, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync('git', ['status', '--porcelain', '--', '../lambda'], { cwd: BENCH_DIR, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? ' (lambda/ modified)' : ''}`;
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, value[key]])) as Pick<T, K>;
}

const BENCH_STARTED = performance.now();

/** A progress line on standard error, with the time since the run began: the results files stay as they are. */
function log(message: string): void {
  process.stderr.write(`bench: [${Math.round((performance.now() - BENCH_STARTED) / 1000)} s] ${message}\n`);
}

type Results = Awaited<ReturnType<typeof runBenchmarks>>['results'];

const integer = (value: number): string => value.toLocaleString('en-US');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function renderTable(results: Results): string {
  const rows: string[][] = [['mode', 'calls', 'billed paths', 'lower bound', 'calls vs direct', 'median delay', 'max delay']];
  const direct = results.cost.window60;
  rows.push(['direct (one call per publish)', integer(direct.directCalls), integer(direct.directPaths), '-', '1.00x', '0 s', '0 s']);
  for (const window of WINDOWS) {
    const cost = results.cost[`window${window}`];
    rows.push([`ours, window ${window} s`, integer(cost.calls), integer(cost.paths), integer(cost.lowerBoundPaths), `${cost.callReduction.toFixed(2)}x`, seconds(cost.medianDelayMs), seconds(cost.maxDelayMs)]);
  }
  const optimizer = results.cost.optimizer60;
  rows.push([`ours, 60 s, wildcardCollapse ${optimizer.minPathsPerDirectory}`, integer(optimizer.calls), integer(optimizer.paths), `+${integer(optimizer.overInvalidatedPaths)} over-invalidated`, '', '', '']);
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const table = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')).join('\n');
  const t = results.throughput;
  const c = results.coldStart;
  const targets = Object.entries(results.targets)
    .map(([name, target]) => `  ${target.met ? 'met    ' : 'NOT met'}  ${name}: ${target.measured} (target ${target.target})`)
    .join('\n');
  return [
    `${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}`,
    '',
    table,
    '',
    `throughput: ${integer(t.recordsPerSecond)} records/s (${t.msPerBatch} ms per ${integer(t.records)}-record batch); floor ${integer(t.floorRecordsPerSecond)} records/s; ratio ${t.ratioToFloor.toFixed(3)} (sustained, GC included: ${t.sustained.ratioToFloor.toFixed(3)}); peak RSS ${t.peakRssMb} MB (${t.peakRssMbAfterSustained} MB after the sustained blocks)`,
    `cold start: bundle ${integer(c.bundleBytes)} bytes; import ${c.importNodeMs} ms - bare node ${c.bareNodeMs} ms = ${c.initMs} ms (median of ${c.runs})`,
    '',
    'targets:',
    targets,
    '',
    'burst (simulated time):',
    renderBurstTable(results.burst),
  ].join('\n');
}

function renderMarkdown(
  results: Results,
  stack: BundleReport,
  timings: { init: InitTiming; initSourceMaps: InitTiming; initSdkExternal: InitTiming },
  sdkExternal: BundleReport,
): string {
  const m = results.machine;
  const s = results.cost.stream;
  const t = results.throughput;
  const mib = (bytes: number) => `${integer(bytes)} (${(bytes / 1024).toFixed(0)} KiB)`;
  const costRows = WINDOWS.map((window) => {
    const cost = results.cost[`window${window}`];
    return `| ours, window ${window} s | ${integer(cost.batches)} | ${integer(cost.calls)} | ${cost.callReduction.toFixed(2)}x | ${integer(cost.paths)} | ${integer(cost.lowerBoundPaths)} | ${cost.pathsToLowerBound.toFixed(2)} | ${seconds(cost.medianDelayMs)} | ${seconds(cost.p95DelayMs)} | ${seconds(cost.maxDelayMs)} |`;
  });
  const beyondRows = results.cost.beyondSqsMaximum.map(
    (cost) => `| window ${cost.windowSeconds} s (not possible with SQS) | ${integer(cost.calls)} | ${cost.callReduction.toFixed(2)}x | ${integer(cost.paths)} | ${seconds(cost.medianDelayMs)} |`,
  );
  const sweepRows = results.cost.optimizerSweep60.map(
    (entry) =>
      `| ${entry.minPathsPerDirectory} | ${integer(entry.paths)} | ${(entry.paths / results.cost.window60.paths).toFixed(2)} | ${entry.wildcards} | ${integer(entry.overInvalidatedPaths)} | ${entry.wildcardPaths.map((path) => `\`${path}\``).join(' ')} |`,
  );
  const targetRows = Object.entries(results.targets).map(([name, target]) => `| ${name} | ${target.target} | ${target.measured} | ${target.met ? 'met' : '**not met**'} |`);
  const packageRows = stack.packages.slice(0, 10).map((entry) => `| ${entry.name} | ${integer(entry.bytes)} | ${entry.files} |`);
  const inputRows = stack.topInputs.slice(0, 10).map((input) => `| ${input.path} | ${integer(input.bytes)} |`);
  const timingRow = (name: string, timing: InitTiming, bytes: number) =>
    `| ${name} | ${mib(bytes)} | ${timing.importNodeMs} | ${timing.bareNodeMs} | ${timing.initMs} |`;
  return `# Benchmark results

Generated by \`${results.command}\` (bench/run.ts) on ${results.date}${results.commit ? `, commit ${results.commit}` : ''}; took ${results.durationSeconds} s.
Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}. Load average (1, 5, 15 min) at start
${m.loadAverageAtStart.join(', ')}, at end ${m.loadAverageAtEnd.join(', ')}: the machine is shared, so the timed figures (throughput, cold
start) move by tens of percent between runs; the cost figures are deterministic.

## Targets

| target | wanted | measured | |
| --- | --- | --- | --- |
${targetRows.join('\n')}

## 1. Cost and API calls (virtual time, deterministic)

Stream (seed ${s.seed}): ${integer(s.events)} publish events over ${s.hours} hours on a site of ${integer(s.sitePages)} pages, pages drawn by Zipf's
law (exponent ${s.zipfExponent}), each naming the page URL, its parent listing and \`/\`; ${s.bursts} bulk-publish bursts make
${integer(s.burstEvents)} of the events (100 to 160 pages each, within 30 to 60 s). Each batch goes through parseMessageBody, resolveTargets and
planInvalidations. Batching model: a window opens at the first message and the invocation starts when it closes (or at
1,000 records); at most 2 invocations in flight (DEFAULT_MAX_CONCURRENCY), each assumed to take ${ASSUMED_INVOCATION_MS} ms. Window 0:
long polling delivers a message at once, alone, when an invocation slot is free; while both are busy, messages wait and
the next free slot takes up to 10 (SQS allows a batch above 10 only with a window of at least 1 s). Delay: publish to
the start of the invocation that submits its paths. Direct: one CreateInvalidation per publish, its own paths, no delay.

| mode | invocations | CreateInvalidation calls | calls vs direct | billed paths | lower bound | paths / lower bound | median delay | p95 delay | max delay |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
| direct | - | ${integer(results.cost.window60.directCalls)} | 1.00x | ${integer(results.cost.window60.directPaths)} | - | - | 0 s | 0 s | 0 s |
${costRows.join('\n')}

Calls cannot fall below the number of invocations, one per window that has a message. At this stream's rate (about 4
publishes a minute) a 60 s window leaves ${integer(results.cost.window60.batches)} invocations; for illustration only, longer windows than SQS allows:

| window | calls | calls vs direct | billed paths | median delay |
| --- | --- | --- | --- | --- |
${beyondRows.join('\n')}

### Wildcard collapse (opt-in \`wildcardCollapse\`), 60 s window

Over-invalidated: site pages that a submitted wildcard covers and no message of that batch asked for, summed over
batches (the ${integer(s.sitePages)} pages only; assets and query variants under a wildcard are not counted).

| minPathsPerDirectory | billed paths | vs plain (${integer(results.cost.window60.paths)}) | wildcards | over-invalidated pages | wildcards submitted |
| --- | --- | --- | --- | --- | --- |
${sweepRows.join('\n')}

## 2. Handler throughput and memory

One SQS event of ${integer(t.records)} records (${integer(t.urlsPerBatch)} URLs, ${integer(t.distinctUrlsPerBatch)} distinct, 1 to 5 per body, 3 distributions; parsed from JSON, as the Lambda runtime hands it over) through
createHandler (middy, Powertools Logger at SILENT, Powertools Metrics publishing), CloudFront and SQS stubbed with
aws-sdk-client-mock; ${t.createInvalidationCallsPerBatch} CreateInvalidation calls per batch. In a child process with \`--expose-gc\`, ${THROUGHPUT.warmup} warm-up rounds, then
${THROUGHPUT.iterations} rounds of one handler batch and one floor batch (JSON.parse of each body and its URLs into a Set), each after a
minor GC (the young generation emptied, so neither pays for the other's garbage); medians. ${results.throughput.runs.length} child processes; the one
with the median ratio to the floor is reported.

| | records/s | ms per batch |
| --- | --- | --- |
| handler | ${integer(t.recordsPerSecond)} | ${t.msPerBatch} |
| floor | ${integer(t.floorRecordsPerSecond)} | ${t.floorMsPerBatch} |
| ratio | ${t.ratioToFloor.toFixed(3)} | |

Not a full GC before each batch, as earlier versions of this benchmark ran: a full GC also frees the object shapes whose objects all
died, and V8 then discards the compiled code that relied on them. The handler's per-batch objects all die with the
batch, so every timed batch ran partly unoptimized (\`--trace-deopt\`: "embedded weak objects cleared"), at about
1.5 times its time; nothing collects the whole heap between a Lambda's invocations.

Sustained, as a warm Lambda runs batch after batch: ${t.sustained.batches} handler batches and ${t.sustained.batches} floor batches, in blocks of
back-to-back batches with no forced GC (a minor GC, untimed, between blocks), mean time per batch with the collections
each side's garbage causes: handler ${t.sustained.msPerBatch} ms, floor ${t.sustained.floorMsPerBatch} ms, ratio ${t.sustained.ratioToFloor.toFixed(3)}. The handler
keeps its batch (accepted messages, the batch's URLs and targets) until the end, so its young-generation collections
copy more than the floor's; the ratio above leaves collections out for both.

Peak RSS of the process: ${t.peakRssMb} MB through the timed rounds (${t.rssAtStartMb} MB after loading the modules, before building the
event); ${t.peakRssMbAfterSustained} MB by the end of the sustained blocks, where no GC is forced and V8, on a machine with memory to spare, lets
the old generation grow before collecting it.

The stub: ${t.stubMicrosPerCall} µs per CreateInvalidation send, ${(t.stubShareOfBatch * 100).toFixed(3)}% of a batch.
All runs (records/s, floor records/s, ratio, sustained ratio, peak RSS MB through the timed rounds): ${results.throughput.runs.map((run) => `${integer(run.recordsPerSecond)} / ${integer(run.floorRecordsPerSecond)} / ${run.ratioToFloor.toFixed(3)} / ${run.sustained.ratioToFloor.toFixed(3)} / ${run.peakRssMbTimed}`).join('; ')}.

What dominates (${t.profile.command}: ${t.profile.batches} batches under the profiler, untimed, no forced GC; per batch, inclusive):

| stage | ms per batch |
| --- | --- |
${t.profile.msPerBatch.map((entry) => `| ${entry.stage.replace(/^ +/, (indent) => '&nbsp;'.repeat(indent.length))} | ${entry.ms} |`).join('\n')}

Top self time: ${t.profile.topSelf
    .slice(0, 6)
    .map((entry) => `${entry.name} ${(entry.share * 100).toFixed(1)}%`)
    .join('; ')}.

## 3. Cold start and bundle

Bundled with esbuild as the InvalidationQueue construct bundles it: lib/handler-bundling.ts, one definition for both
(HANDLER_ESBUILD_OPTIONS: bundle, minify, source map without sources content, platform node, target node24, format ESM,
main fields module/main, the createRequire banner, AWS SDK bundled). Time: a fresh \`node -e "import(bundle)"\` less a fresh \`node -e 0\`, median of ${timings.init.runs} interleaved runs each,
with INVALIDATOR_CONFIG and DEAD_LETTER_QUEUE_URL set.

| bundle | bytes | import (ms) | bare node (ms) | init (ms) |
| --- | --- | --- | --- | --- |
${timingRow('as the stack bundles it (AWS SDK bundled)', timings.init, stack.bundleBytes)}
${timingRow('same, NODE_OPTIONS=--enable-source-maps', timings.initSourceMaps, stack.bundleBytes)}
${timingRow("AWS SDK external (the runtime's copy, NodejsFunction's default)", timings.initSdkExternal, sdkExternal.bundleBytes)}

Source map: ${integer(stack.sourceMapBytes)} bytes. SDK commands in the bundle: ${stack.sdkCommands.join(', ')}. Foreign inputs (CDK, test or
build tools, local mode): ${stack.unexpectedInputs.length === 0 ? 'none' : stack.unexpectedInputs.join(', ')}. ${unusedSentence(stack)}

| package | bytes in bundle | files |
| --- | --- | --- |
${packageRows.join('\n')}

| input | bytes in bundle |
| --- | --- |
${inputRows.join('\n')}

${burstMarkdown(results.burst)}
`;
}

/** Section 4 of RESULTS.md: the burst scenario, every variant and size. */
function burstMarkdown(burst: BurstSection): string {
  const rows: string[] = [];
  const variants = [
    ['before', burst.before],
    ['after', burst.after],
    ['after + wildcardCollapse', burst.collapse],
  ] as const;
  for (const [name, run] of variants) {
    for (const [size, f] of Object.entries(run?.sizes ?? {})) {
      const drain = f.drainSeconds === null ? `capped (${integer(f.simulatedSeconds)})` : integer(f.drainSeconds);
      const ratio = f.drainSeconds === null ? '-' : (f.drainSeconds / f.lowerBoundDrainSeconds).toFixed(2);
      rows.push(
        `| ${name} (lambda/ ${run?.lambdaCommit ?? '?'}, measured on ${run?.commit ?? '?'}) | ${integer(Number(size))} | ${integer(f.validDeadLettered)} | ${integer(f.refusedCalls)} | ${integer(f.calls)} | ${drain} | ${integer(f.lowerBoundDrainSeconds)} | ${ratio} | ${integer(f.billedPaths)} | ${integer(f.overInvalidatedPaths)} |`,
      );
    }
  }
  const model = Object.entries(burst.model).map(([name, value]) => `- ${name}: ${String(value)}`);
  return `## 4. Burst (simulated time, deterministic)

\`${burst.command}\` (bench/burst/): N distinct paths of one distribution, 10 to a message, all enqueued at t = 0, drained by
the real processBatch against SQS and CloudFront simulated at the SDK-command level. Targets: ${Object.entries(burst.targets)
    .map(([name, target]) => `${name} ${target}`)
    .join('; ')}. "before" is the code before issue 12's change, measured once and kept (${burst.before?.date ?? 'not recorded'}).

| variant | paths | valid dead-lettered | refused calls | calls | drain s | lower bound s | drain / bound | billed paths | over-invalidated |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Model:
${model.join('\n')}`;
}

/** zod's JSON Schema generator in the bundle, or the absence of it. */
function unusedSentence(stack: BundleReport): string {
  if (stack.unusedBytes === 0) {
    return "Code the handler never runs: none (zod's JSON Schema generator, which only `npm run schema` calls, is not in\nthe bundle: the handler's schemas are zod/mini ones, whose classes do not reference it).";
  }
  const inputs = stack.unusedInputs.map((input) => `${input.path} ${integer(input.bytes)}`).join(', ');
  return `Code the handler never runs: ${integer(stack.unusedBytes)} bytes, zod's JSON Schema generator (${inputs}): classic zod's
schema classes reference it through their \`toJSONSchema()\` method, so esbuild keeps it; only \`npm run schema\` calls it.`;
}

await main();

/** The hand-kept part of RESULTS.md: everything from its `<!-- Everything above is written` marker on, kept as it is. */
function keptHistory(): string {
  const file = `${BENCH_DIR}RESULTS.md`;
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('<!-- Everything above is written');
  return start === -1 ? '' : `\n${text.slice(start)}`;
}
