import { buildSqsEvent, floor, stubbedHandler } from './throughput.ts';
import { median } from './random.ts';

/**
 * Batches back to back, for a sampling profiler: the benchmark's 10,000-record event through the stubbed handler, or
 * through the floor (JSON.parse of each body, its URLs into a Set), with no forced GC between batches. Profile each
 * mode and compare the two, symbol by symbol, to see what the handler spends beyond the floor.
 *
 * @example
 * perf record -e cpu-clock -F 10000 -o bench/tmp/handler.data node --perf-basic-prof bench/batches.ts handler
 * perf record -e cpu-clock -F 10000 -o bench/tmp/floor.data node --perf-basic-prof bench/batches.ts floor
 * perf report -i bench/tmp/handler.data --no-children --sort symbol -n --stdio
 */
const mode = process.argv[2] ?? 'handler';
const batches = Number(process.argv[3] ?? 60);
if (mode !== 'handler' && mode !== 'floor') throw new Error(`mode ${JSON.stringify(mode)}: expected "handler" or "floor"`);

const event = buildSqsEvent(10_000, 5);
const { invoke } = stubbedHandler();

const times: number[] = [];
for (let batch = 0; batch < batches; batch++) {
  const start = performance.now();
  if (mode === 'handler') {
    const { batchItemFailures } = await invoke(event);
    if (batchItemFailures.length > 0) throw new Error(`${batchItemFailures.length} records failed`);
  } else {
    floor(event);
  }
  times.push(performance.now() - start);
}
// stderr: in handler mode stdout carries the metrics' EMF lines.
process.stderr.write(`${mode}: ${batches} batches of 10,000 records, median ${median(times).toFixed(2)} ms\n`);
