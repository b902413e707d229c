import { measureThroughput, type ThroughputOptions } from './throughput.ts';

/**
 * Child-process entry of the throughput benchmark, so its peak RSS is the handler's alone. bench/run.ts starts it
 * with `--expose-gc` and an IPC channel and receives one message: the result and the process's peak RSS. Started by
 * hand (for `node --cpu-prof`), it prints the result to stderr instead (stdout carries the EMF metric lines).
 *
 * @example
 * node --expose-gc --cpu-prof --cpu-prof-dir=bench/tmp bench/throughput-worker.ts '{"records":10000,"warmup":3,"iterations":15,"seed":5}' >/dev/null
 */
const options = JSON.parse(process.argv[2] ?? '{"records":10000,"warmup":3,"iterations":15,"seed":5}') as ThroughputOptions;
const rssBeforeMb = process.memoryUsage().rss / 1_048_576;
const result = await measureThroughput(options);
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const message = { ...result, peakRssMb: Math.round(peakRssMb * 10) / 10, rssAtStartMb: Math.round(rssBeforeMb * 10) / 10 };
if (process.send) process.send(message, () => process.exit(0));
else process.stderr.write(`${JSON.stringify(message, null, 2)}\n`);
