// Over 250 lines on purpose: the throughput measurement and its floor, defined side by side so that both time
// the same work the same way.
import { createHash } from 'node:crypto';
import { CloudFrontClient, CreateInvalidationCommand, type CreateInvalidationCommandInput } from '@aws-sdk/client-cloudfront';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_FUNCTION_TIMEOUT_SECONDS, DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../lambda/defaults.ts';
import { createHandler } from '../lambda/wiring.ts';
import { createLambdaContext, type LocalFunction } from '../local/context.ts';
import { median, randomInt, seededRandom, zipfSampler, type Random } from './random.ts';
import { buildSite, type Site } from './site.ts';

/**
 * Handler throughput: one large SQS event through the real handler (createHandler, middy, Powertools Metrics, the
 * pipeline), the CloudFront and SQS clients stubbed at the SDK boundary with aws-sdk-client-mock. Beside it, in the
 * same process and run, the floor: `JSON.parse` of each body and its URLs into a Set.
 */

/** The three distributions of the throughput event: an exact host, a domain, and a shop. */
export const THROUGHPUT_CONFIG = {
  distributions: [
    { id: 'EDFDVBD6EXAMPLE', hostnames: ['www.example.org', 'example.org'] },
    { id: 'E2QWRUHEXAMPLE', hostnames: ['.example.net'] },
    { id: 'E3OYTKTEXAMPLE', hostnames: ['shop.example.com'] },
  ],
};
const SITES: ReadonlyArray<{ hostname: string; seed: number; share: number }> = [
  { hostname: 'www.example.org', seed: 11, share: 0.6 },
  { hostname: 'news.example.net', seed: 12, share: 0.3 },
  { hostname: 'shop.example.com', seed: 13, share: 0.1 },
];
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:invalidation-queue';
const DEAD_LETTER_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/invalidation-dlq';
const BENCH_FUNCTION: LocalFunction = { functionName: 'invalidator', accountId: '123456789012' };

/**
 * An SQS event of `records` publish messages: each names 1 to 5 URLs of one of three sites (a Zipf-drawn page, its
 * listing, `/`, then other pages), with the attributes the event source sets. Returned as the Lambda runtime hands
 * an event over, parsed from JSON, so its strings are flat like Lambda's, not the concatenations built here.
 */
export function buildSqsEvent(records: number, seed: number, pageCount = 5000): SQSEvent {
  const random = seededRandom(seed);
  const sites = SITES.map((site) => ({ ...site, model: buildSite({ pageCount, seed: site.seed, hostname: site.hostname }) }));
  const rank = zipfSampler(pageCount, 1);
  const Records: SQSRecord[] = [];
  for (let index = 0; index < records; index++) {
    const site = chooseSite(random, sites);
    const urls = pageUrls(random, site.model, rank, randomInt(random, 1, 5));
    const body = JSON.stringify({ urls, source: 'wagtail', reason: 'page published' });
    Records.push(sqsRecord(index, body, 1_717_243_200_000 + index));
  }
  return JSON.parse(JSON.stringify({ Records })) as SQSEvent;
}

function chooseSite<T extends { share: number }>(random: Random, sites: readonly T[]): T {
  let draw = random();
  for (const site of sites) {
    draw -= site.share;
    if (draw < 0) return site;
  }
  return sites.at(-1)!;
}

function pageUrls(random: Random, site: Site, rank: (random: Random) => number, count: number): string[] {
  const page = site.byRank[rank(random)]!;
  const paths = new Set([page.path, page.parent ?? '/', '/']);
  const wanted = [...paths].slice(0, count);
  for (let attempt = 0; wanted.length < count && attempt < 50; attempt++) {
    const other = site.byRank[rank(random)]!.path;
    if (!wanted.includes(other)) wanted.push(other);
  }
  return wanted.map((path) => `https://${site.hostname}${path}`);
}

function sqsRecord(index: number, body: string, sentTimestamp: number): SQSRecord {
  const messageId = `${String(index).padStart(8, '0')}-0000-4000-8000-000000000000`;
  return {
    messageId,
    receiptHandle: `AQEB${Buffer.from(`${messageId}:${'x'.repeat(120)}`).toString('base64')}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(sentTimestamp),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(sentTimestamp + 250),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

/**
 * The floor the handler is measured against: JSON.parse of each body and its URLs into a Set.
 *
 * @returns the URLs of the event's bodies, and the distinct ones
 */
export function floor(event: SQSEvent): { urls: number; distinctUrls: number } {
  const seen = new Set<string>();
  let urls = 0;
  for (const record of event.Records) {
    const message = JSON.parse(record.body) as { urls: string[] };
    for (const url of message.urls) seen.add(url);
    urls += message.urls.length;
  }
  return { urls, distinctUrls: seen.size };
}

export interface ThroughputOptions {
  readonly records: number;
  readonly warmup: number;
  readonly iterations: number;
  readonly seed: number;
  /** Sites of the event, in pages each. @default 5000 */
  readonly pageCount?: number;
  /** Rounds of the sustained measurement: a block of handler batches, then a block of floor batches. @default 2 */
  readonly sustainedRounds?: number;
  /** Batches per block of the sustained measurement. @default 15 */
  readonly sustainedBlock?: number;
}

export interface ThroughputResult {
  readonly records: number;
  readonly iterations: number;
  readonly recordsPerSecond: number;
  readonly msPerBatch: number;
  readonly msPerBatchMin: number;
  readonly msPerBatchMax: number;
  readonly floorRecordsPerSecond: number;
  readonly floorMsPerBatch: number;
  /** recordsPerSecond / floorRecordsPerSecond. */
  readonly ratioToFloor: number;
  /** URLs in the event's bodies, and the distinct ones. */
  readonly urlsPerBatch: number;
  readonly distinctUrlsPerBatch: number;
  readonly createInvalidationCallsPerBatch: number;
  readonly pathsSubmittedPerBatch: number;
  /** One stubbed CreateInvalidation `send`, measured alone. */
  readonly stubMicrosPerCall: number;
  /** The stubbed calls' share of a batch's time. */
  readonly stubShareOfBatch: number;
  /** The process's peak RSS after the timed rounds, before the sustained blocks. */
  readonly peakRssMbTimed: number;
  /** What ran before each timed batch: a minor GC (with `--expose-gc`), or nothing. */
  readonly gcBetweenIterations: 'minor' | 'none';
  /**
   * Batches back to back, as a warm Lambda runs them: no forced GC, so each side pays for the collections its own
   * garbage causes. Mean ms per batch (collections included) of the handler and of the floor, and their ratio.
   */
  readonly sustained: { readonly batches: number; readonly msPerBatch: number; readonly floorMsPerBatch: number; readonly ratioToFloor: number };
}

/**
 * The handler as the benchmark runs it: createHandler with middy and Powertools (Logger SILENT, Metrics publishing),
 * CloudFront and SQS stubbed with aws-sdk-client-mock. `stats` counts the CreateInvalidation calls and their paths.
 */
export function stubbedHandler() {
  const cloudfront = new CloudFrontClient({ region: 'us-east-1' });
  const sqs = new SQSClient({ region: 'us-east-1' });
  const stats = { calls: 0, pathsSubmitted: 0 };
  mockClient(cloudfront)
    .on(CreateInvalidationCommand)
    .callsFake(async (input: CreateInvalidationCommandInput) => {
      stats.calls++;
      stats.pathsSubmitted += input.InvalidationBatch?.Paths?.Quantity ?? 0;
      return { Location: 'https://cloudfront.amazonaws.com/', Invalidation: { Id: `I${stats.calls}`, Status: 'InProgress', CreateTime: new Date(0) } };
    });
  // No record fails in the benchmark event: any SQS call is a bug the caller reports.
  const sqsMock = mockClient(sqs);
  sqsMock.onAnyCommand().resolves({});
  const handler = createHandler({
    env: { INVALIDATOR_CONFIG: JSON.stringify(THROUGHPUT_CONFIG), DEAD_LETTER_QUEUE_URL },
    cloudfront,
    sqs,
    logger: new Logger({ serviceName: DEFAULT_SERVICE_NAME, logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: DEFAULT_METRICS_NAMESPACE, serviceName: DEFAULT_SERVICE_NAME }),
  });
  /** One invocation, with a fresh context whose remaining time counts down from now. */
  const invoke = async (event: SQSEvent) =>
    (await handler(event, createLambdaContext(BENCH_FUNCTION, DEFAULT_FUNCTION_TIMEOUT_SECONDS * 1000))) as SQSBatchResponse;
  return { handler, invoke, stats, sqsCalls: () => sqsMock.calls().length, cloudfront };
}

/**
 * Run the measurement in this process. Run it in a fresh child process for a clean peak RSS (bench/throughput-worker.ts).
 *
 * @example
 * await measureThroughput({ records: 10_000, warmup: 3, iterations: 15, seed: 1 });
 */
export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const event = buildSqsEvent(options.records, options.seed, options.pageCount);
  const { handler, stats, sqsCalls, cloudfront } = stubbedHandler();
  // Before each timed batch, a minor GC empties the young generation, so neither side pays for the other's garbage.
  // Not a full GC: it also frees the maps (object shapes) whose objects all died, and V8 then throws away the compiled
  // code that relied on them. The handler's per-batch objects all die with the batch, so after a full GC every batch
  // ran partly unoptimized (--trace-deopt: "embedded weak objects cleared"), at about 1.5 times its time: a cost of
  // the measurement, since nothing collects the whole heap between a Lambda's invocations.
  const gc = (globalThis as { gc?: (options: { type: 'minor' | 'major' }) => void }).gc;
  const collectYoung = () => gc?.({ type: 'minor' });

  const newContext = () => createLambdaContext(BENCH_FUNCTION, DEFAULT_FUNCTION_TIMEOUT_SECONDS * 1000);
  /** One handler batch, in an invocation context whose remaining time counts down from its making. */
  const handlerBatch = async (context = newContext()): Promise<void> => {
    const response = (await handler(event, context)) as SQSBatchResponse;
    if (response.batchItemFailures.length > 0) throw new Error(`${response.batchItemFailures.length} records failed in the benchmark event`);
  };
  let distinctUrls = 0;
  let urls = 0;
  const floorBatch = (): void => {
    ({ urls, distinctUrls } = floor(event));
  };
  const runHandler = async (): Promise<number> => {
    // A fresh invocation context each batch, made outside the timing.
    const context = newContext();
    collectYoung();
    const start = performance.now();
    await handlerBatch(context);
    return performance.now() - start;
  };
  const runFloor = (): number => {
    collectYoung();
    const start = performance.now();
    floorBatch();
    return performance.now() - start;
  };

  for (let round = 0; round < options.warmup; round++) {
    await runHandler();
    runFloor();
  }
  stats.calls = 0;
  stats.pathsSubmitted = 0;
  const handlerMs: number[] = [];
  const floorMs: number[] = [];
  // Alternate, so a slower stretch of the machine hits both alike.
  for (let round = 0; round < options.iterations; round++) {
    handlerMs.push(await runHandler());
    floorMs.push(runFloor());
  }
  const callsPerBatch = stats.calls / options.iterations;
  const pathsPerBatch = stats.pathsSubmitted / options.iterations;
  // The process's high-water mark so far: the sustained blocks below, with no GC forced, let the heap grow further.
  const peakRssMbTimed = round(process.resourceUsage().maxRSS / 1024, 1);
  const sustained = await measureSustained(options, { handlerBatch, floorBatch, collectYoung });
  if (sqsCalls() > 0) throw new Error(`the benchmark event made ${sqsCalls()} SQS calls; expected none`);

  // The stub alone: the same number of sends with a full request, timed without the handler.
  const stubInput: CreateInvalidationCommandInput = {
    DistributionId: 'EDFDVBD6EXAMPLE',
    InvalidationBatch: { CallerReference: 'cfiq-bench', Paths: { Quantity: 3000, Items: Array.from({ length: 3000 }, (_, i) => `/p/${i}`) } },
  };
  const stubRounds = 2000;
  const stubStart = performance.now();
  for (let round = 0; round < stubRounds; round++) await cloudfront.send(new CreateInvalidationCommand(stubInput));
  const stubMicrosPerCall = ((performance.now() - stubStart) * 1000) / stubRounds;

  const msPerBatch = median(handlerMs);
  const floorMsPerBatch = median(floorMs);
  const recordsPerSecond = (options.records * 1000) / msPerBatch;
  const floorRecordsPerSecond = (options.records * 1000) / floorMsPerBatch;
  return {
    records: options.records,
    iterations: options.iterations,
    recordsPerSecond: Math.round(recordsPerSecond),
    msPerBatch: round(msPerBatch, 2),
    msPerBatchMin: round(Math.min(...handlerMs), 2),
    msPerBatchMax: round(Math.max(...handlerMs), 2),
    floorRecordsPerSecond: Math.round(floorRecordsPerSecond),
    floorMsPerBatch: round(floorMsPerBatch, 3),
    ratioToFloor: round(recordsPerSecond / floorRecordsPerSecond, 4),
    urlsPerBatch: urls,
    distinctUrlsPerBatch: distinctUrls,
    createInvalidationCallsPerBatch: callsPerBatch,
    pathsSubmittedPerBatch: pathsPerBatch,
    stubMicrosPerCall: round(stubMicrosPerCall, 2),
    stubShareOfBatch: round((callsPerBatch * stubMicrosPerCall) / 1000 / msPerBatch, 5),
    gcBetweenIterations: gc === undefined ? 'none' : 'minor',
    peakRssMbTimed,
    sustained,
  };
}

/**
 * Blocks of handler batches and of floor batches, each block's batches back to back with no GC forced: the mean time
 * per batch includes the collections of the block's own garbage. A minor GC between blocks (untimed) keeps one block's
 * garbage from being collected in the next.
 */
async function measureSustained(
  options: ThroughputOptions,
  { handlerBatch, floorBatch, collectYoung }: { handlerBatch: () => Promise<void>; floorBatch: () => void; collectYoung: () => void },
): Promise<ThroughputResult['sustained']> {
  const rounds = options.sustainedRounds ?? 2;
  const block = options.sustainedBlock ?? 15;
  let handlerMs = 0;
  let floorMs = 0;
  for (let round = 0; round < rounds; round++) {
    collectYoung();
    let start = performance.now();
    for (let batch = 0; batch < block; batch++) await handlerBatch();
    handlerMs += performance.now() - start;
    collectYoung();
    start = performance.now();
    for (let batch = 0; batch < block; batch++) floorBatch();
    floorMs += performance.now() - start;
  }
  const batches = rounds * block;
  return {
    batches,
    msPerBatch: round(handlerMs / batches, 2),
    floorMsPerBatch: round(floorMs / batches, 3),
    ratioToFloor: round(floorMs / handlerMs, 4),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
