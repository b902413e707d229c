import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InvalidatorConfig } from '../lambda/config.ts';
import { parseJsonBody, parseMessageBody } from '../lambda/read/message.ts';
import { parseS3Body } from '../lambda/read/s3-events.ts';
import { bucketRouterOf, resolveS3Body } from '../lambda/resolve/bucket-keys.ts';
import { pathsByDistribution, resolveTargets } from '../lambda/resolve/targets.ts';
import { DistributionRouter } from '../lambda/resolve/routing.ts';
import type { Target } from '../lambda/types.ts';
import type { LocalEnvironment } from './environment.ts';
import { s3Notification } from './s3-events.ts';

/** One publish event of the demo: what a CMS would send, and whether the handler must reject it. */
export interface DemoEvent {
  readonly description: string;
  readonly body: string;
  readonly poison: boolean;
}

export interface DemoSummary {
  readonly events: number;
  readonly poisonEvents: number;
  /** Paths the events ask for, duplicates included. */
  readonly pathsRequested: number;
  /** Distinct paths per distribution the events ask for. */
  readonly uniquePaths: number;
  readonly createInvalidationCalls: number;
  readonly invalidationsCreated: number;
  readonly pathsSubmitted: number;
  readonly deadLettered: number;
  /** Expected paths no invalidation contains, as `DISTRIBUTION PATH`. */
  readonly missingPaths: readonly string[];
  /** Messages still on the invalidation queue (visible, in flight or delayed) at the end. */
  readonly leftOnQueue: number;
  readonly elapsedMs: number;
  /** True when every path was invalidated, every poison event dead-lettered and the queue drained. */
  readonly ok: boolean;
}

/**
 * A realistic burst for the configured distributions: editors publishing news pages and an event page (each
 * event names the page, its parent listing and the home page), a re-publish of the same page (duplicates), an
 * EventBridge-delivered event, a wildcard for a tag section, an image on a second distribution when there is one,
 * and one poison message (JSON cut off mid-write).
 */
export function demoEvents(config: Pick<InvalidatorConfig, 'distributions' | 'buckets'>): DemoEvent[] {
  const [main, media] = config.distributions;
  if (main === undefined) throw new Error('the demo needs at least one configured distribution');
  const site = hostOf(main.hostnames);
  const page = (path: string) => `https://${site}${path}`;
  const valid = (description: string, message: unknown): DemoEvent => ({ description, body: JSON.stringify(message), poison: false });
  const publish = (path: string, parent: string, editor: string) =>
    site === undefined
      ? valid(`${editor} publishes ${path}`, { distributionId: main.id, paths: [path, parent, '/'], source: 'cms', reason: `published by ${editor}` })
      : valid(`${editor} publishes ${path}`, { urls: [page(path), page(parent), page('/')], source: 'cms', reason: `published by ${editor}` });

  const events: DemoEvent[] = [
    publish('/news/2026/city-council-approves-budget/', '/news/', 'alice'),
    publish('/news/2026/new-library-opens/', '/news/', 'bob'),
    publish('/events/summer-festival/', '/events/', 'carol'),
    publish('/news/2026/city-council-approves-budget/', '/news/', 'alice'),
    publish('/news/2026/road-works-on-main-street/', '/news/', 'bob'),
    {
      description: 'an EventBridge rule forwards a "Page Published" event',
      body: JSON.stringify({
        version: '0',
        id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        'detail-type': 'Page Published',
        source: 'cms.pages',
        time: new Date().toISOString(),
        detail:
          site === undefined
            ? { distributionId: main.id, paths: ['/about/contact/', '/about/'], source: 'cms', reason: 'contact page edited' }
            : { urls: [page('/about/contact/'), page('/about/')], source: 'cms', reason: 'contact page edited' },
      }),
      poison: false,
    },
    valid('a tag page is renamed: everything under /tags/budget/', {
      distributionId: main.id,
      paths: ['/tags/budget/*'],
      source: 'cms',
      reason: 'tag renamed',
    }),
  ];
  if (media !== undefined) {
    const mediaHost = hostOf(media.hostnames);
    events.push(
      mediaHost === undefined
        ? valid('an image is replaced', { distributionId: media.id, paths: ['/images/budget-chart.png'], source: 'cms', reason: 'image replaced' })
        : valid('an image is replaced', { urls: [`https://${mediaHost}/images/budget-chart.png`], source: 'cms', reason: 'image replaced' }),
    );
  }
  events.push(...bucketSyncEvents(config));
  events.push({
    description: 'a poison message: the CMS crashed half-way through writing the JSON',
    body: `{"urls": ["${site === undefined ? '/news/' : page('/news/')}"], "source": "cms", "rea`,
    poison: true,
  });
  return events;
}

/** Pages and assets of the demo's site rebuild (`aws s3 sync`), keys below the bucket's keyPrefix. */
const SYNCED_KEYS = [
  'index.html',
  'blog/index.html',
  ...Array.from({ length: 8 }, (_, index) => `blog/post-${index + 1}/index.html`),
  'assets/site.css',
  'assets/site.js',
  ...Array.from({ length: 12 }, (_, index) => `images/photo-${String(index + 1).padStart(2, '0')}.jpg`),
  'images/café menu.png',
] as const;

/**
 * With `buckets` configured: S3's test message (sent when the notification is configured), then a site rebuilt and
 * synced to the first bucket with `aws s3 sync`: one notification per object created, overwritten or deleted, a
 * "folder" key among them, all in one burst.
 */
function bucketSyncEvents(config: Pick<InvalidatorConfig, 'buckets'>): DemoEvent[] {
  const [bucket] = config.buckets ?? [];
  if (bucket === undefined) return [];
  const description = `aws s3 sync rebuilds the site in s3://${bucket.name}/${bucket.keyPrefix}: one S3 notification per object`;
  const notification = (key: string, event?: string): DemoEvent => ({
    description,
    body: JSON.stringify(s3Notification(bucket.name, [`${bucket.keyPrefix}${key}`], event)),
    poison: false,
  });
  return [
    { description: `S3 sends its test event: a notification to the queue was configured on ${bucket.name}`, body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: bucket.name }), poison: false },
    ...SYNCED_KEYS.map((key) => notification(key)),
    notification('images/'),
    notification('blog/old-post/index.html', 'ObjectRemoved:Delete'),
    // A page written twice in the sync (a retried upload): one path all the same.
    notification('blog/index.html'),
  ];
}

/** What a demo body asks for, with the handler's own code: a message's targets, or an S3 event's. */
function targetsOf(body: string, router: DistributionRouter, config: Pick<InvalidatorConfig, 'buckets'>): readonly Target[] {
  const s3Body = parseS3Body(parseJsonBody(body));
  return s3Body === undefined ? resolveTargets(parseMessageBody(body), router) : resolveS3Body(s3Body, bucketRouterOf(config)).targets;
}

/** A hostname to build URLs for: the first exact name, else the domain of a `.domain` entry, else none. */
function hostOf(hostnames: readonly string[] | undefined): string | undefined {
  const exact = hostnames?.find((name) => name !== '*' && !name.startsWith('.'));
  if (exact !== undefined) return exact;
  const domain = hostnames?.find((name) => name.startsWith('.'));
  return domain === undefined ? undefined : `www${domain}`;
}

export interface DemoOptions {
  /** Give up waiting after this long. @default 30 s plus the batching window */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Told what is being sent. */
  readonly onSend?: (event: DemoEvent) => void;
}

/**
 * Send the burst, wait until every expected path was invalidated, the poison messages are in the dead-letter
 * queue and the queue is drained (or the timeout passes), and sum it up.
 */
export async function runDemo(env: LocalEnvironment, options: DemoOptions = {}): Promise<DemoSummary> {
  const started = Date.now();
  const events = demoEvents(env.settings.config);
  const router = new DistributionRouter(env.settings.config);
  const requested = events.filter((event) => !event.poison).map((event) => targetsOf(event.body, router, env.settings.config));
  const expected = pathsByDistribution(requested.flat());
  const pathsRequested = requested.reduce((sum, targets) => sum + targets.length, 0);
  const poisonEvents = events.filter((event) => event.poison).length;
  const deadLetterBaseline = await totalDepth(env, env.deadLetterQueueUrl);

  // A burst, as a CMS saving several pages at once would send it.
  // Events of one kind in a row (a sync's notifications) are announced once.
  await Promise.all(
    events.map((event, index) => {
      if (event.description !== events[index - 1]?.description) options.onSend?.(event);
      return env.sqs.send(new SendMessageCommand({ QueueUrl: env.queueUrl, MessageBody: event.body }));
    }),
  );

  const timeoutMs = options.timeoutMs ?? 30_000 + env.batchingWindowMs;
  const deadline = Date.now() + timeoutMs;
  let missing = missingPaths(env, expected);
  let deadLettered = 0;
  let leftOnQueue = events.length;
  while (!options.signal?.aborted) {
    missing = missingPaths(env, expected);
    deadLettered = (await totalDepth(env, env.deadLetterQueueUrl)) - deadLetterBaseline;
    leftOnQueue = await totalDepth(env, env.queueUrl);
    if ((missing.length === 0 && deadLettered >= poisonEvents && leftOnQueue === 0) || Date.now() > deadline) break;
    await sleep(100);
  }

  const stats = env.emulator.stats();
  const uniquePaths = [...expected.values()].reduce((sum, set) => sum + set.size, 0);
  return {
    events: events.length,
    poisonEvents,
    pathsRequested,
    uniquePaths,
    createInvalidationCalls: stats.byOperation.CreateInvalidation,
    invalidationsCreated: stats.invalidationsCreated,
    pathsSubmitted: stats.pathsAccepted,
    deadLettered,
    missingPaths: missing,
    leftOnQueue,
    elapsedMs: Date.now() - started,
    ok: missing.length === 0 && deadLettered === poisonEvents && leftOnQueue === 0,
  };
}

/** The summary, one fact a line. */
export function formatDemoSummary(summary: DemoSummary): string[] {
  const lines = [
    'Demo summary',
    `  Events sent:              ${summary.events} (${summary.poisonEvents} poison)`,
    `  Paths requested:          ${summary.pathsRequested} (${summary.uniquePaths} distinct)`,
    `  CreateInvalidation calls: ${summary.createInvalidationCalls} (${summary.invalidationsCreated} created)`,
    `  Paths submitted:          ${summary.pathsSubmitted}`,
    `  Dead-lettered:            ${summary.deadLettered}`,
    `  Time:                     ${(summary.elapsedMs / 1000).toFixed(1)} s`,
  ];
  if (summary.ok) {
    lines.push('Result: OK: every requested path was invalidated, the poison message is in the dead-letter queue, the queue is empty');
  } else {
    lines.push('Result: FAILED');
    for (const path of summary.missingPaths) lines.push(`  never invalidated: ${path}`);
    if (summary.deadLettered !== summary.poisonEvents) lines.push(`  dead-lettered ${summary.deadLettered}, expected ${summary.poisonEvents}`);
    if (summary.leftOnQueue > 0) lines.push(`  ${summary.leftOnQueue} message(s) still on the queue`);
  }
  return lines;
}

function missingPaths(env: LocalEnvironment, expected: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const missing: string[] = [];
  for (const [distributionId, paths] of expected) {
    const done = new Set(env.emulator.invalidations(distributionId).flatMap((invalidation) => invalidation.paths));
    for (const path of paths) if (!done.has(path)) missing.push(`${distributionId} ${path}`);
  }
  return missing;
}

async function totalDepth(env: LocalEnvironment, queueUrl: string): Promise<number> {
  const depth = await env.depth(queueUrl);
  return depth.visible + depth.inFlight + depth.delayed;
}
