import type { InvalidatorConfig } from '../config.ts';

/** Bounds of DistributionRouter's memo of routed hostnames. */
const MAX_MEMO_HOSTNAMES = 1024;
const MAX_MEMO_HOSTNAME_LENGTH = 253;

/** Why a host was not routed by a lookup: CloudFront knows no tenant of ours for it, or could not be asked. */
export type LookupMiss = { readonly kind: 'notFound' } | { readonly kind: 'failed'; readonly error: string };

/** A tenant CloudFront named for a hostname (GetDistributionTenantByDomain), and its multi-tenant distribution. */
export interface LookedUpTenant {
  readonly tenantId: string;
  readonly distributionId: string;
}

/**
 * Maps a URL's hostname to the distribution, or distribution tenant, that serves it: an exact name first, then the
 * longest matching domain (`.example.org` matches `example.org` and every subdomain), then a tenant CloudFront named
 * for it (tenantLookup, see tenant-lookup.ts), then `*`. A tenant is a target like a distribution, keyed by its id.
 */
export class DistributionRouter {
  #exact = new Map<string, string>();
  #domains: Array<{ suffix: string; id: string }> = [];
  #any: string | undefined;
  #ids: ReadonlySet<string>;
  /** Configured tenant ids, each with its multi-tenant distribution. */
  #tenants = new Map<string, string>();
  /** This batch's looked-up hosts (lower-case), see withLookedUp. */
  #lookedUp: ReadonlyMap<string, LookedUpTenant> | undefined;
  /** Tenants that remainders of this batch carry with their distribution (TenantDistributionId), by tenant id. */
  #carried: ReadonlyMap<string, string> | undefined;
  /** This batch's hosts CloudFront knows no tenant for (`notFound`), or could not be asked about (`failed`). */
  #misses: ReadonlyMap<string, LookupMiss> | undefined;
  /** Hostnames as given (any case) already routed to a distribution: a batch names a few hosts thousands of times. */
  #routed = new Map<string, string>();

  public constructor(config: Pick<InvalidatorConfig, 'distributions'>) {
    this.#ids = new Set(config.distributions.map((distribution) => distribution.id));
    const add = (id: string, hostnames: readonly string[]) => {
      for (const name of hostnames) {
        if (name === '*') this.#any = id;
        else if (name.startsWith('.')) this.#domains.push({ suffix: name, id });
        else this.#exact.set(name, id);
      }
    };
    for (const { id, hostnames = [], tenants = [] } of config.distributions) {
      add(id, hostnames);
      for (const tenant of tenants) {
        this.#tenants.set(tenant.id, id);
        add(tenant.id, tenant.hostnames ?? []);
      }
    }
    this.#domains.sort((a, b) => b.suffix.length - a.suffix.length);
  }

  /** Configured tenant ids, in configuration order. */
  public get tenantIds(): ReadonlySet<string> {
    return new Set(this.#tenants.keys());
  }

  /** The multi-tenant distribution of a tenant, configured or looked up in this batch; undefined for anything else. */
  public parentOf(tenantId: string): string | undefined {
    const configured = this.#tenants.get(tenantId) ?? this.#carried?.get(tenantId);
    if (configured !== undefined || this.#lookedUp === undefined) return configured;
    for (const tenant of this.#lookedUp.values()) if (tenant.tenantId === tenantId) return tenant.distributionId;
    return undefined;
  }

  /** Whether `hostname` is served by a configured exact name or domain (not `*`): those are never looked up. */
  public isConfigured(hostname: string): boolean {
    return this.#match(hostname) !== undefined;
  }

  /**
   * This router, plus the tenants CloudFront named for some hosts (tenantLookup): they rank after the configured
   * names and domains, before `*`. The configuration and its memo are shared, not copied.
   */
  public withLookedUp(
    lookedUp: ReadonlyMap<string, LookedUpTenant>,
    misses: ReadonlyMap<string, LookupMiss> = new Map(),
    carried: ReadonlyMap<string, string> = new Map(),
  ): DistributionRouter {
    const copy = new DistributionRouter({ distributions: [] });
    copy.#exact = this.#exact;
    copy.#domains = this.#domains;
    copy.#any = this.#any;
    copy.#ids = this.#ids;
    copy.#tenants = this.#tenants;
    copy.#routed = this.#routed;
    copy.#lookedUp = lookedUp;
    copy.#misses = misses;
    copy.#carried = carried;
    return copy;
  }

  /** Why `hostname` (any case) has no route after this batch's lookups; undefined when it was not looked up. */
  public lookupMiss(hostname: string): LookupMiss | undefined {
    return this.#misses?.get(hostname.toLowerCase());
  }

  /** Configured distribution ids, in configuration order. */
  public get distributionIds(): ReadonlySet<string> {
    return this.#ids;
  }

  /** The distribution serving `hostname` (case-insensitive), or undefined. */
  public route(hostname: string): string | undefined {
    let id = this.#routed.get(hostname);
    if (id === undefined) {
      id = this.#match(hostname);
      // A looked-up tenant is not memoized: its answer expires (tenant-lookup.ts). Nor is `*` where lookups may come.
      if (id === undefined) {
        if (this.#lookedUp !== undefined) return this.#lookedUp.get(hostname.toLowerCase())?.tenantId ?? this.#any;
        id = this.#any;
      }
      // Bounded: the configuration is fixed, but the hostnames come from messages.
      if (id !== undefined && hostname.length <= MAX_MEMO_HOSTNAME_LENGTH) {
        if (this.#routed.size >= MAX_MEMO_HOSTNAMES) this.#routed.clear();
        this.#routed.set(hostname, id);
      }
    }
    return id;
  }

  #match(hostname: string): string | undefined {
    const host = hostname.toLowerCase();
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;
    for (const { suffix, id } of this.#domains) {
      if (host.endsWith(suffix) || host === suffix.slice(1)) return id;
    }
    return undefined;
  }
}
