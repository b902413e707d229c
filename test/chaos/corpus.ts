import { MESSAGE_ERROR_CODES } from '../../lambda/errors.ts';
import { mulberry32 } from '../../local/cloudfront-emulator/index.ts';

/**
 * The chaos run's publish events: seeded, mostly valid messages over three distributions, and a share of
 * invalid ones of every input error kind (plus a distribution CloudFront does not know). Each body carries its
 * marker `chaos-<n>` (in `reason`, or in the raw text when the body is not JSON), because dead-lettered copies
 * get new message ids. The expected outcome is worked out here, from the generator, not by the handler's code.
 */

/** The three distributions valid messages go to, each with its own hostname. */
export const CHAOS_DISTRIBUTIONS = [
  { id: 'E1CHAOSWWWEXAMPLE', host: 'www.example.org' },
  { id: 'E2CHAOSMEDIAEXAMPLE', host: 'media.example.org' },
  { id: 'E3CHAOSDOCSEXAMPLE', host: 'docs.example.org' },
] as const;

/** Configured in the handler but absent from the CloudFront emulator: its requests get NoSuchDistribution. */
export const GHOST_DISTRIBUTION_ID = 'E9CHAOSGHOSTEXAMPLE';

/** The `invalidator` settings' distributions (as in cdk.json). */
export const CHAOS_CONFIG_DISTRIBUTIONS = [
  ...CHAOS_DISTRIBUTIONS.map((distribution) => ({ id: distribution.id, hostnames: [distribution.host] })),
  { id: GHOST_DISTRIBUTION_ID },
];

/** Paths several messages name on purpose (the home page, a feed, a section wildcard): coalesced, never unique. */
export const SHARED_PATHS = ['/', '/index.html', '/feed.xml', '/blog/*'] as const;

/**
 * The codes invalid messages are built to get, in the order the generator cycles through them: every input error
 * code, and NoSuchDistribution (a configured distribution CloudFront does not know).
 */
export const INVALID_KINDS = [
  // UnknownTenantDomain needs a distribution with tenantLookup, which the chaos configuration has not.
  ...MESSAGE_ERROR_CODES.filter((code): code is Exclude<(typeof MESSAGE_ERROR_CODES)[number], 'UnknownTenantDomain'> => code !== 'UnknownTenantDomain'),
  'NoSuchDistribution',
] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

export type ChaosMessage =
  | {
      readonly n: number;
      readonly kind: 'valid';
      readonly body: string;
      /** Every path the message asks for, per distribution, as CloudFront must receive it. */
      readonly paths: ReadonlyMap<string, readonly string[]>;
      /** The paths no other message names: a second invalidation of one of these is a duplicate. */
      readonly uniquePaths: ReadonlyMap<string, readonly string[]>;
    }
  | { readonly n: number; readonly kind: 'invalid'; readonly body: string; readonly code: InvalidKind };

export interface CorpusOptions {
  readonly count: number;
  readonly seed: number;
  /** Share of invalid messages, in [0, 1]. @default 0.05 */
  readonly invalidRate?: number;
}

/** The marker of message `n`. */
export function marker(n: number): string {
  return `chaos-${n}`;
}

const MARKER_PATTERN = /chaos-(\d+)/;

/** The message number a body (or a dead-lettered copy of it) carries, or undefined. */
export function markerOf(body: string): number | undefined {
  const match = MARKER_PATTERN.exec(body);
  return match === null ? undefined : Number(match[1]);
}

/**
 * `count` messages; message n is invalid when its draw falls under `invalidRate`, and the invalid ones cycle
 * through `INVALID_KINDS` so that every kind appears.
 */
export function chaosCorpus(options: CorpusOptions): ChaosMessage[] {
  const random = mulberry32(options.seed);
  const invalidRate = options.invalidRate ?? 0.05;
  const messages: ChaosMessage[] = [];
  let invalidCount = 0;
  for (let n = 0; n < options.count; n++) {
    if (random() < invalidRate) messages.push(invalidMessage(n, INVALID_KINDS[invalidCount++ % INVALID_KINDS.length]!));
    else messages.push(validMessage(n, random));
  }
  return messages;
}

function validMessage(n: number, random: () => number): ChaosMessage {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const main = pick(CHAOS_DISTRIBUTIONS);
  // One to five pages of an article: about three paths a message.
  const unique = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, index) => `/articles/${n}/p${index}`);
  if (random() < 0.03) unique.push(`/articles/${n}/*`);
  const shared: string[] = random() < 0.12 ? [pick(SHARED_PATHS)] : [];
  const hasWildcard = [...unique, ...shared].some((path) => path.endsWith('*'));
  // A tenth of the messages also touch a second distribution (a page and its image), through URLs; a URL never
  // carries a wildcard, so those messages have none.
  const second = !hasWildcard && random() < 0.1 ? pick(CHAOS_DISTRIBUTIONS.filter((distribution) => distribution !== main)) : undefined;
  const style = random();
  const useUrls = second !== undefined || (!hasWildcard && style < 0.4);
  // Some URLs name a query string, which is part of the path CloudFront receives.
  if (useUrls && random() < 0.2) unique[0] = `${unique[0]}?ref=feed`;
  const secondPath = `/images/${n}.png`;

  const paths = new Map<string, string[]>([[main.id, [...unique, ...shared]]]);
  const uniquePaths = new Map<string, string[]>([[main.id, unique]]);
  if (second !== undefined) {
    paths.set(second.id, [secondPath]);
    uniquePaths.set(second.id, [secondPath]);
  }

  const reason = marker(n);
  let message: Record<string, unknown>;
  if (useUrls) {
    const all = [...unique, ...shared].map((path) => `https://${main.host}${path}`);
    if (second !== undefined) all.push(`https://${second.host}${secondPath}`);
    message = { urls: all, source: 'chaos', reason };
  } else {
    message = { distributionId: main.id, paths: [...unique, ...shared], source: 'chaos', reason };
  }
  // A tenth arrive through an EventBridge rule, the message in `detail`.
  const body = style > 0.9 ? { version: '0', 'detail-type': 'Page Published', source: 'cms.pages', detail: message } : message;
  return { n, kind: 'valid', body: JSON.stringify(body), paths, uniquePaths };
}

function invalidMessage(n: number, code: InvalidKind): ChaosMessage {
  const reason = marker(n);
  const [www] = CHAOS_DISTRIBUTIONS;
  const path = `/articles/${n}/`;
  const bodies: Record<InvalidKind, string> = {
    // The producer died half-way through the JSON.
    InvalidJson: `{"distributionId":"${www.id}","paths":["${path}"],"reason":"${reason}"`,
    // A typo: "path" for "paths".
    InvalidMessage: JSON.stringify({ distributionId: www.id, path: [path], reason }),
    UnknownDistribution: JSON.stringify({ distributionId: 'E0NOTCONFIGUREDEXAMPLE', paths: [path], reason }),
    // Paths without a distribution, while four are configured.
    AmbiguousDistribution: JSON.stringify({ paths: [path], reason }),
    InvalidUrl: JSON.stringify({ urls: [`ftp://${www.host}${path}`], reason }),
    UnknownHost: JSON.stringify({ urls: [`https://unknown.example.net${path}`], reason }),
    InvalidPath: JSON.stringify({ distributionId: www.id, paths: [`/articles/${n}/*/index.html`], reason }),
    // An S3 event notification of a bucket not configured (the chaos run configures none).
    UnknownBucket: JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'chaos-unconfigured-bucket' }, object: { key: `${reason}/index.html` } },
        },
      ],
    }),
    UnknownTenant: JSON.stringify({ tenantId: 'dt_0NOTCONFIGURED', paths: [path], reason }),
    // Valid for the handler, refused by CloudFront: a permanent CloudFront error.
    NoSuchDistribution: JSON.stringify({ distributionId: GHOST_DISTRIBUTION_ID, paths: [path], reason }),
  };
  return { n, kind: 'invalid', body: bodies[code], code };
}

export interface BurstCorpusOptions extends CorpusOptions {
  /** Distinct paths each valid message asks for. @default 10 */
  readonly pathsPerMessage?: number;
}

/**
 * The burst profile's messages: every valid one asks for `pathsPerMessage` paths no other message names, all on the
 * first distribution (a bulk publish: `/burst/<n>/p0` ...), as a path list or, for four in ten, as URLs; the invalid
 * ones are those of {@link chaosCorpus}, cycling through `INVALID_KINDS`.
 */
export function burstCorpus(options: BurstCorpusOptions): ChaosMessage[] {
  const random = mulberry32(options.seed);
  const invalidRate = options.invalidRate ?? 0.05;
  const perMessage = options.pathsPerMessage ?? 10;
  const [www] = CHAOS_DISTRIBUTIONS;
  const messages: ChaosMessage[] = [];
  let invalidCount = 0;
  for (let n = 0; n < options.count; n++) {
    if (random() < invalidRate) {
      messages.push(invalidMessage(n, INVALID_KINDS[invalidCount++ % INVALID_KINDS.length]!));
      continue;
    }
    const paths = Array.from({ length: perMessage }, (_, index) => `/burst/${n}/p${index}`);
    const reason = marker(n);
    const body =
      random() < 0.4
        ? { urls: paths.map((path) => `https://${www.host}${path}`), source: 'chaos', reason }
        : { distributionId: www.id, paths, source: 'chaos', reason };
    const byDistribution = new Map([[www.id, paths]]);
    messages.push({ n, kind: 'valid', body: JSON.stringify(body), paths: byDistribution, uniquePaths: byDistribution });
  }
  return messages;
}
