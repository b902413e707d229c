import { pick, seededRandom, shuffled, type Random } from './random.ts';

/**
 * A synthetic content site shaped like a busy Wagtail site: a home page, flat sections (news, blog, events...) and
 * sections with one level of sub-listings (docs topics, product categories). Every page path ends in `/`, as
 * Wagtail's do; a few slugs carry non-ASCII letters (Wagtail allows Unicode slugs by default).
 */

/** One page of the site. */
export interface Page {
  /** The URL path, e.g. `/news/harbour-festival-returns/`, as Wagtail serves it (not percent-encoded). */
  readonly path: string;
  /** The path of its parent listing; undefined for the home page. */
  readonly parent: string | undefined;
}

export interface Site {
  readonly hostname: string;
  /** Every page, the home page first; listings before their children. */
  readonly pages: readonly Page[];
  /** The pages in popularity order: `byRank[0]` is the most often published. */
  readonly byRank: readonly Page[];
  /** The pages under each listing path (children and deeper), for bulk publishes. */
  readonly descendants: ReadonlyMap<string, readonly Page[]>;
}

interface SectionShape {
  readonly slug: string;
  /** Share of the site's leaf pages. */
  readonly weight: number;
  /** Sub-listings, each holding an equal share of the section's leaves; 0 for a flat section. */
  readonly subsections: number;
}

/** The sections of the modelled site and their shares of the pages. */
export const SITE_SECTIONS: readonly SectionShape[] = [
  { slug: 'news', weight: 30, subsections: 0 },
  { slug: 'blog', weight: 16, subsections: 0 },
  { slug: 'docs', weight: 15, subsections: 20 },
  { slug: 'products', weight: 12, subsections: 12 },
  { slug: 'events', weight: 8, subsections: 0 },
  { slug: 'research', weight: 8, subsections: 10 },
  { slug: 'stories', weight: 6, subsections: 0 },
  { slug: 'help', weight: 3, subsections: 0 },
  { slug: 'careers', weight: 1, subsections: 0 },
  { slug: 'about', weight: 1, subsections: 0 },
];

const WORDS = [
  'annual', 'report', 'harbour', 'festival', 'returns', 'city', 'council', 'budget', 'new', 'guide', 'how', 'to',
  'install', 'configure', 'release', 'notes', 'summer', 'winter', 'school', 'programme', 'award', 'winners', 'open',
  'call', 'research', 'climate', 'data', 'update', 'team', 'meet', 'the', 'partners', 'launch', 'week', 'review',
  'community', 'garden', 'library', 'museum', 'exhibition', 'river', 'bridge', 'market', 'health', 'study', 'results',
  'policy', 'change', 'energy', 'future', 'history', 'local', 'heroes', 'digital', 'archive', 'open-day', 'café',
  'über', 'naïve', 'résumé', 'quarterly', 'insights', 'faq', 'pricing',
];

/**
 * Build a site of exactly `pageCount` pages (home page and listings included).
 *
 * @example
 * const site = buildSite({ pageCount: 5000, seed: 1 });
 * site.pages.length; // 5000
 */
export function buildSite(options: { pageCount: number; seed: number; hostname?: string }): Site {
  const random = seededRandom(options.seed);
  const listingCount = 1 + SITE_SECTIONS.reduce((sum, section) => sum + 1 + section.subsections, 0);
  const leafCount = options.pageCount - listingCount;
  if (leafCount < SITE_SECTIONS.length) throw new Error(`a site needs more than ${listingCount + SITE_SECTIONS.length} pages`);

  const pages: Page[] = [{ path: '/', parent: undefined }];
  const leavesPerSection = apportion(leafCount, SITE_SECTIONS.map((section) => section.weight));
  const used = new Set<string>();
  SITE_SECTIONS.forEach((section, sectionIndex) => {
    const listing = `/${section.slug}/`;
    pages.push({ path: listing, parent: '/' });
    const parents =
      section.subsections === 0
        ? [listing]
        : Array.from({ length: section.subsections }, (_, index) => `${listing}${slug(random, used, listing)}-${index + 1}/`);
    for (const parent of parents) if (parent !== listing) pages.push({ path: parent, parent: listing });
    const perParent = apportion(leavesPerSection[sectionIndex]!, parents.map(() => 1));
    parents.forEach((parent, index) => {
      for (let leaf = 0; leaf < perParent[index]!; leaf++) pages.push({ path: `${parent}${slug(random, used, parent)}/`, parent });
    });
  });

  const descendants = new Map<string, Page[]>();
  for (const page of pages) {
    for (let ancestor = page.parent; ancestor !== undefined; ancestor = parentOf(ancestor)) {
      let list = descendants.get(ancestor);
      if (list === undefined) descendants.set(ancestor, (list = []));
      list.push(page);
    }
  }
  return { hostname: options.hostname ?? 'www.example.org', pages, byRank: shuffled(random, pages), descendants };
}

/** The listing a page path sits in: `/news/a/` is in `/news/`. */
function parentOf(path: string): string | undefined {
  if (path === '/') return undefined;
  const trimmed = path.slice(0, -1);
  return trimmed.slice(0, trimmed.lastIndexOf('/') + 1);
}

/** A slug of 2 to 5 words, unique under its parent. */
function slug(random: Random, used: Set<string>, parent: string): string {
  for (;;) {
    const words = Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(random, WORDS));
    const candidate = words.join('-');
    if (!used.has(parent + candidate)) {
      used.add(parent + candidate);
      return candidate;
    }
  }
}

/** Split `total` into integer shares proportional to `weights` (largest remainder). */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((weight) => (total * weight) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder);
  for (const { index } of byRemainder) {
    if (left-- <= 0) break;
    shares[index]!++;
  }
  return shares;
}
