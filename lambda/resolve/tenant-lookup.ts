import { GetDistributionTenantByDomainCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { SQSRecord } from 'aws-lambda';
import { mapConcurrently } from '../concurrency.ts';
import { DEFAULT_TENANT_LOOKUP_NEGATIVE_TTL_SECONDS, DEFAULT_TENANT_LOOKUP_TTL_SECONDS } from '../defaults.ts';
import { awsErrorName, describeAwsError } from '../errors.ts';
import type { InvalidatorConfig } from '../config.ts';
import { parseMessageBody } from '../read/message.ts';
import { parsePageUrl } from './paths.ts';
import type { DistributionRouter, LookedUpTenant, LookupMiss } from './routing.ts';

/**
 * tenantLookup: a platform with thousands of tenants need not list them all. A URL whose host no configured
 * distribution or tenant serves is routed by asking CloudFront which tenant serves that domain
 * (GetDistributionTenantByDomain), when the tenant belongs to a distribution configured with `"tenantLookup": true`.
 * Answers are cached per warm container for a while, negative ones too, so a batch naming a host a thousand times,
 * or the next batches, ask once.
 */

/** GetDistributionTenantByDomain calls in flight at once: CloudFront's API is rate limited per account. */
const LOOKUP_CONCURRENCY = 5;
/** Hosts a warm container remembers; the oldest is forgotten first. */
const CACHE_ENTRIES = 10_000;
/** Hosts looked up at most per batch; the rest are read again on a later receive (a flood of random hosts). */
const MAX_LOOKUPS_PER_BATCH = 200;

export interface TenantLookupOptions {
  /** How long a tenant found stays cached. @default DEFAULT_TENANT_LOOKUP_TTL_SECONDS (300 s) */
  readonly ttlSeconds?: number;
  /** How long "no tenant of ours" stays cached. @default DEFAULT_TENANT_LOOKUP_NEGATIVE_TTL_SECONDS (60 s) */
  readonly negativeTtlSeconds?: number;
}

interface CacheEntry {
  readonly tenant: LookedUpTenant | undefined;
  readonly expiresAt: number;
}

/** What the lookups of a batch found. */
export interface LookupResult {
  readonly found: Map<string, LookedUpTenant>;
  readonly misses: Map<string, LookupMiss>;
}

/** Asks CloudFront which tenant serves a domain, with a TTL cache. Keep one per warm container. */
export class TenantLookup {
  readonly #cache = new Map<string, CacheEntry>();
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  /** GetDistributionTenantByDomain calls made (for tests and logs). */
  public calls = 0;

  public constructor(options: TenantLookupOptions = {}) {
    this.#ttlMs = (options.ttlSeconds ?? DEFAULT_TENANT_LOOKUP_TTL_SECONDS) * 1000;
    this.#negativeTtlMs = (options.negativeTtlSeconds ?? DEFAULT_TENANT_LOOKUP_NEGATIVE_TTL_SECONDS) * 1000;
  }

  /**
   * The tenants serving `hostnames` (lower-case), among those of the `parents` distributions. Never throws: a host
   * CloudFront could not be asked about is a `failed` miss, not cached.
   *
   * @param parents - the distributions with tenantLookup on; a tenant of any other is not ours: `notFound`
   * @param now - epoch milliseconds
   */
  public async lookUp(
    client: CloudFrontClient,
    hostnames: Iterable<string>,
    parents: ReadonlySet<string>,
    now: number,
    abortSignal?: AbortSignal,
  ): Promise<LookupResult> {
    const found = new Map<string, LookedUpTenant>();
    const misses = new Map<string, LookupMiss>();
    const toAsk: string[] = [];
    for (const hostname of new Set(hostnames)) {
      const cached = this.#cache.get(hostname);
      if (cached !== undefined && cached.expiresAt > now) {
        if (cached.tenant !== undefined) found.set(hostname, cached.tenant);
        else misses.set(hostname, { kind: 'notFound' });
      } else if (toAsk.length < MAX_LOOKUPS_PER_BATCH) {
        toAsk.push(hostname);
      } else {
        misses.set(hostname, { kind: 'failed', error: `more than ${MAX_LOOKUPS_PER_BATCH} hosts to look up in one batch` });
      }
    }
    const answers = await mapConcurrently(toAsk, LOOKUP_CONCURRENCY, (hostname) => this.#ask(client, hostname, parents, abortSignal));
    toAsk.forEach((hostname, index) => {
      const answer = answers[index]!;
      if ('error' in answer) {
        misses.set(hostname, { kind: 'failed', error: answer.error });
        return;
      }
      this.#remember(hostname, { tenant: answer.tenant, expiresAt: now + (answer.tenant !== undefined ? this.#ttlMs : this.#negativeTtlMs) });
      if (answer.tenant !== undefined) found.set(hostname, answer.tenant);
      else misses.set(hostname, { kind: 'notFound' });
    });
    return { found, misses };
  }

  async #ask(
    client: CloudFrontClient,
    hostname: string,
    parents: ReadonlySet<string>,
    abortSignal?: AbortSignal,
  ): Promise<{ readonly tenant: LookedUpTenant | undefined } | { readonly error: string }> {
    this.calls++;
    try {
      const output = await client.send(new GetDistributionTenantByDomainCommand({ Domain: hostname }), abortSignal === undefined ? {} : { abortSignal });
      const tenantId = output?.DistributionTenant?.Id;
      const distributionId = output?.DistributionTenant?.DistributionId;
      // A tenant of a distribution without tenantLookup (or of another application) is not ours to invalidate.
      if (tenantId === undefined || distributionId === undefined || !parents.has(distributionId)) return { tenant: undefined };
      return { tenant: { tenantId, distributionId } };
    } catch (error) {
      if (awsErrorName(error) === 'EntityNotFound') return { tenant: undefined };
      return { error: describeAwsError(error) };
    }
  }

  #remember(hostname: string, entry: CacheEntry): void {
    this.#cache.delete(hostname);
    if (this.#cache.size >= CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(hostname, entry);
  }
}

/** The distributions configured with `"tenantLookup": true`. */
export function lookupDistributions(config: Pick<InvalidatorConfig, 'distributions'>): Set<string> {
  return new Set(config.distributions.filter((distribution) => distribution.tenantLookup === true).map((distribution) => distribution.id));
}

/**
 * The hosts of a batch's URLs that no configured name or domain routes (lower-case), to look up. A body or URL that
 * does not parse is skipped: reading the batch words its error.
 */
export function hostsToLookUp(records: readonly SQSRecord[], router: DistributionRouter): Set<string> {
  const hosts = new Set<string>();
  for (const record of records) {
    let urls: readonly string[] | undefined;
    try {
      urls = parseMessageBody(record.body).urls;
    } catch {
      continue;
    }
    for (const url of urls ?? []) {
      try {
        const { hostname } = parsePageUrl(url);
        if (!router.isConfigured(hostname)) hosts.add(hostname.toLowerCase());
      } catch {
        // An invalid URL: the read stage dead-letters it.
      }
    }
  }
  return hosts;
}
