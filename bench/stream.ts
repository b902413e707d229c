import { randomInt, seededRandom, shuffled, zipfSampler } from './random.ts';
import type { Page, Site } from './site.ts';

/**
 * A seeded publish stream: one working day of a busy content site. Regular publishes arrive as a Poisson process
 * (uniform times, sorted) with pages drawn by Zipf's law over the site's pages; a few bulk-publish bursts each put
 * 100+ pages of one section into the queue within a minute. Each publish names the page URL, its parent listing and
 * `/`, as Wagtail's frontend cache does by default.
 */

/** One publish: what Wagtail would send to the queue, and when. */
export interface PublishEvent {
  /** Milliseconds since the start of the day. */
  readonly atMs: number;
  readonly page: string;
  /** The message body: `{"urls":[...],"source":"wagtail","reason":"page published"}`. */
  readonly body: string;
  /** The index of the bulk-publish burst it belongs to; undefined for a regular publish. */
  readonly burst: number | undefined;
}

export interface StreamOptions {
  readonly seed: number;
  /** Publish events in total, bursts included. */
  readonly events: number;
  readonly durationMs: number;
  /** Bulk-publish bursts and the pages each publishes. */
  readonly bursts: number;
  readonly burstPages: { readonly min: number; readonly max: number };
  /** How long a burst lasts. */
  readonly burstDurationMs: { readonly min: number; readonly max: number };
  /** Zipf exponent of page popularity. */
  readonly zipfExponent: number;
}

/** The benchmark's stream: about 2,000 publishes over 8 hours, 4 bursts of 100 to 160 pages, Zipf exponent 1. */
export const WORKING_DAY: StreamOptions = {
  seed: 20_240_601,
  events: 2000,
  durationMs: 8 * 3_600_000,
  bursts: 4,
  burstPages: { min: 100, max: 160 },
  burstDurationMs: { min: 30_000, max: 60_000 },
  zipfExponent: 1,
};

/**
 * Generate the stream for `site`, sorted by time.
 *
 * @example
 * const events = publishStream(buildSite({ pageCount: 5000, seed: 1 }), WORKING_DAY);
 */
export function publishStream(site: Site, options: StreamOptions): PublishEvent[] {
  const random = seededRandom(options.seed);
  const events: PublishEvent[] = [];
  const url = (path: string) => `https://${site.hostname}${path}`;
  const publish = (page: Page, atMs: number, burst: number | undefined): PublishEvent => {
    const urls = [...new Set([page.path, page.parent ?? '/', '/'])].map(url);
    return { atMs, page: page.path, body: JSON.stringify({ urls, source: 'wagtail', reason: 'page published' }), burst };
  };

  // Bulk publishes: a listing with enough pages under it, some of those pages within a minute.
  const listings = [...site.descendants.entries()].filter(([path]) => path !== '/');
  for (let burst = 0; burst < options.bursts; burst++) {
    const size = randomInt(random, options.burstPages.min, options.burstPages.max);
    const candidates = listings.filter(([, pages]) => pages.length >= size);
    const [, under] = candidates.length > 0 ? candidates[Math.floor(random() * candidates.length)]! : [undefined, site.pages.slice(1)];
    const startMs = random() * (options.durationMs - options.burstDurationMs.max);
    const lengthMs = randomInt(random, options.burstDurationMs.min, options.burstDurationMs.max);
    for (const page of shuffled(random, under).slice(0, size)) events.push(publish(page, Math.floor(startMs + random() * lengthMs), burst));
  }

  const rank = zipfSampler(site.byRank.length, options.zipfExponent);
  const regular = Math.max(0, options.events - events.length);
  for (let index = 0; index < regular; index++) {
    events.push(publish(site.byRank[rank(random)]!, Math.floor(random() * options.durationMs), undefined));
  }
  return events.sort((a, b) => a.atMs - b.atMs);
}
