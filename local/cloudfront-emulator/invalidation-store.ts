// Over 250 lines on purpose: the emulator's one model of CloudFront's invalidations (create, get, list with paging,
// completion in time, the in-progress limits, tenants), which the wire layer and the burst simulation both drive.
import { randomInt } from 'node:crypto';
import { entityNotFound, noSuchDistribution, noSuchInvalidation, invalidationBatchAlreadyExists } from './errors.ts';
import { addCounts, checkInProgressCapacity, countPaths, IN_PROGRESS_LIMITS, samePaths, validateBatch, type PathCounts } from './rules.ts';
import type { InvalidationBatchInput, InvalidationRecord, InvalidationStatus, TenantOptions } from './types.ts';

export interface InvalidationStoreProps {
  readonly distributions: readonly string[];
  /**
   * Milliseconds from creation to `Completed`: a fixed delay, or a function drawing one per invalidation (CloudFront
   * takes 60 to 300 s, varying from one invalidation to the next).
   */
  readonly completionDelayMs: number | (() => number);
  /** Epoch milliseconds. */
  readonly now: () => number;
  /**
   * File and wildcard paths in progress per distribution.
   *
   * @default - CloudFront's: 3,000 and 15
   */
  readonly inProgressLimits?: PathCounts;
}

/** The result of CreateInvalidation: the invalidation, and whether it already existed (same CallerReference). */
export interface CreateResult {
  readonly invalidation: InvalidationRecord;
  readonly replayed: boolean;
}

export interface ListQuery {
  /** Start after the invalidation with this id ('' for the newest). */
  readonly marker: string;
  readonly maxItems: number;
}

export interface ListResult {
  readonly items: readonly InvalidationRecord[];
  readonly isTruncated: boolean;
  readonly nextMarker?: string;
}

interface StoredInvalidation {
  /** The distribution; a tenant's invalidation names its multi-tenant distribution here. */
  readonly distributionId: string;
  readonly tenantId?: string;
  readonly id: string;
  readonly callerReference: string;
  readonly paths: readonly string[];
  readonly counts: PathCounts;
  readonly createdAt: number;
  completesAt: number;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A distribution tenant: its multi-tenant distribution, its domains, its own invalidations. */
interface StoredTenant {
  readonly id: string;
  readonly distributionId: string;
  readonly domains: readonly string[];
  readonly invalidations: StoredInvalidation[];
}

const TENANT_ID = /^dt_[A-Za-z0-9]{1,61}$/;

/** Is `id` a distribution tenant's? The tenant operations take tenant ids, the others distribution ids. */
export function isTenantId(id: string): boolean {
  return id.startsWith('dt_');
}

/**
 * Distributions and their invalidations, with CloudFront's rules applied on create. Status is derived from the
 * clock on every read (`InProgress` until `createdAt + completionDelayMs`), so nothing needs a timer.
 */
export class InvalidationStore {
  private readonly now: () => number;
  private readonly completionDelayMs: () => number;
  private readonly inProgressLimits: PathCounts;
  private readonly distributions = new Map<string, StoredInvalidation[]>();
  private readonly ids = new Set<string>();
  private readonly tenants = new Map<string, StoredTenant>();

  public constructor(props: InvalidationStoreProps) {
    this.now = props.now;
    const delay = props.completionDelayMs;
    this.completionDelayMs = typeof delay === 'number' ? () => delay : delay;
    this.inProgressLimits = props.inProgressLimits ?? IN_PROGRESS_LIMITS;
    for (const id of props.distributions) this.addDistribution(id);
  }

  /** Makes a distribution exist; adding an existing one changes nothing. */
  public addDistribution(id: string): void {
    if (typeof id !== 'string' || id === '' || id.includes('/')) {
      throw new TypeError(`distribution id must be a non-empty string without "/" (given ${JSON.stringify(id)})`);
    }
    if (!this.distributions.has(id)) this.distributions.set(id, []);
  }

  public distributionIds(): string[] {
    return [...this.distributions.keys()];
  }

  /**
   * Makes a distribution tenant of an existing distribution exist; adding an existing one changes nothing.
   *
   * @throws TypeError on a malformed id or domain, or an unknown distribution
   */
  public addTenant(tenant: TenantOptions): void {
    if (typeof tenant?.id !== 'string' || !TENANT_ID.test(tenant.id)) {
      throw new TypeError(`tenant id must be "dt_" and 1 to 61 letters and digits (given ${JSON.stringify(tenant?.id)})`);
    }
    if (!this.distributions.has(tenant.distributionId)) {
      throw new TypeError(`tenant ${tenant.id}: distribution ${JSON.stringify(tenant.distributionId)} does not exist; add it first`);
    }
    const domains = (tenant.domains ?? []).map((domain) => {
      if (typeof domain !== 'string' || domain === '') throw new TypeError(`tenant ${tenant.id}: domains must be non-empty strings`);
      return domain.toLowerCase();
    });
    if (!this.tenants.has(tenant.id)) this.tenants.set(tenant.id, { id: tenant.id, distributionId: tenant.distributionId, domains, invalidations: [] });
  }

  /** The ids of all distribution tenants. */
  public tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  /**
   * GetDistributionTenantByDomain: the tenant serving `domain` (case-insensitive).
   *
   * @throws CloudFrontApiError EntityNotFound
   */
  public tenantByDomain(domain: string): { readonly id: string; readonly distributionId: string; readonly domains: readonly string[] } {
    const wanted = domain.toLowerCase();
    for (const tenant of this.tenants.values()) {
      if (tenant.domains.includes(wanted)) return { id: tenant.id, distributionId: tenant.distributionId, domains: [...tenant.domains] };
    }
    throw entityNotFound('The distribution tenant for the specified domain');
  }

  /**
   * CreateInvalidation: validates the batch, answers a repeated CallerReference with the earlier invalidation,
   * and enforces the in-progress limits.
   *
   * @throws CloudFrontApiError NoSuchDistribution, InconsistentQuantities, BatchTooLarge, InvalidArgument,
   *   InvalidationBatchAlreadyExists, TooManyInvalidationsInProgress
   */
  public create(distributionId: string, batch: InvalidationBatchInput): CreateResult {
    const invalidations = this.invalidationsOf(distributionId);
    const tenant = this.tenants.get(distributionId);
    validateBatch(batch);
    const earlier = invalidations.find((inv) => inv.callerReference === batch.callerReference);
    if (earlier) {
      if (!samePaths(earlier.paths, batch.paths)) throw invalidationBatchAlreadyExists(batch.callerReference, earlier.id);
      return { invalidation: this.snapshot(earlier), replayed: true };
    }
    const counts = countPaths(batch.paths);
    // A tenant's invalidations count against its multi-tenant distribution's limits, with the distribution's own and
    // its other tenants': AWS states the limits per distribution only, so the emulator takes the stricter reading.
    checkInProgressCapacity(this.inProgressCounts(this.pool(tenant?.distributionId ?? distributionId)), counts, this.inProgressLimits);
    const createdAt = this.now();
    const stored: StoredInvalidation = {
      distributionId: tenant?.distributionId ?? distributionId,
      ...(tenant !== undefined ? { tenantId: tenant.id } : {}),
      id: this.newId(),
      callerReference: batch.callerReference,
      paths: [...batch.paths],
      counts,
      createdAt,
      completesAt: createdAt + this.completionDelayMs(),
    };
    invalidations.push(stored);
    return { invalidation: this.snapshot(stored), replayed: false };
  }

  /** @throws CloudFrontApiError NoSuchDistribution, NoSuchInvalidation */
  public get(distributionId: string, invalidationId: string): InvalidationRecord {
    const found = this.invalidationsOf(distributionId).find((inv) => inv.id === invalidationId);
    if (!found) throw noSuchInvalidation();
    return this.snapshot(found);
  }

  /**
   * ListInvalidations: newest first; a page ends after `maxItems`, and `nextMarker` is its last id. An unknown
   * marker gives an empty page, so a paginator stops rather than starting over.
   *
   * @throws CloudFrontApiError NoSuchDistribution
   */
  public list(distributionId: string, query: ListQuery): ListResult {
    const newestFirst = [...this.invalidationsOf(distributionId)].reverse();
    const start = query.marker === '' ? 0 : newestFirst.findIndex((inv) => inv.id === query.marker) + 1;
    if (start === 0 && query.marker !== '') return { items: [], isTruncated: false };
    const page = newestFirst.slice(start, start + query.maxItems);
    const isTruncated = start + page.length < newestFirst.length;
    const last = page.at(-1);
    return {
      items: page.map((inv) => this.snapshot(inv)),
      isTruncated,
      ...(isTruncated && last ? { nextMarker: last.id } : {}),
    };
  }

  /** Snapshots of every invalidation (of one distribution or tenant, or of all), oldest first. */
  public all(distributionId?: string): InvalidationRecord[] {
    return this.listsOf(distributionId)
      .flat()
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((inv) => this.snapshot(inv));
  }

  /** Marks every in-progress invalidation (of one distribution, or of all) `Completed` now. */
  public completeAll(distributionId?: string): void {
    const now = this.now();
    for (const inv of this.listsOf(distributionId).flat()) inv.completesAt = Math.min(inv.completesAt, now);
  }

  /** Forgets every invalidation; distributions stay. */
  public clear(): void {
    for (const list of this.distributions.values()) list.length = 0;
    for (const tenant of this.tenants.values()) tenant.invalidations.length = 0;
    this.ids.clear();
  }

  /** The invalidation lists of one distribution (its own) or tenant, or of all. */
  private listsOf(id: string | undefined): StoredInvalidation[][] {
    if (id === undefined) return [...this.distributions.values(), ...[...this.tenants.values()].map((tenant) => tenant.invalidations)];
    return [isTenantId(id) ? (this.tenants.get(id)?.invalidations ?? []) : (this.distributions.get(id) ?? [])];
  }

  /** A distribution's own invalidations and its tenants': what its in-progress limits count. */
  private pool(distributionId: string): StoredInvalidation[] {
    const pool = [...(this.distributions.get(distributionId) ?? [])];
    for (const tenant of this.tenants.values()) if (tenant.distributionId === distributionId) pool.push(...tenant.invalidations);
    return pool;
  }

  private invalidationsOf(distributionId: string): StoredInvalidation[] {
    if (isTenantId(distributionId)) {
      const tenant = this.tenants.get(distributionId);
      if (!tenant) throw entityNotFound('The specified distribution tenant');
      return tenant.invalidations;
    }
    const list = this.distributions.get(distributionId);
    if (!list) throw noSuchDistribution();
    return list;
  }

  private status(inv: StoredInvalidation): InvalidationStatus {
    return this.now() >= inv.completesAt ? 'Completed' : 'InProgress';
  }

  private inProgressCounts(invalidations: readonly StoredInvalidation[]): PathCounts {
    return invalidations
      .filter((inv) => this.status(inv) === 'InProgress')
      .reduce((sum, inv) => addCounts(sum, inv.counts), { files: 0, wildcards: 0 });
  }

  private snapshot(inv: StoredInvalidation): InvalidationRecord {
    return {
      distributionId: inv.distributionId,
      ...(inv.tenantId !== undefined ? { tenantId: inv.tenantId } : {}),
      id: inv.id,
      callerReference: inv.callerReference,
      paths: [...inv.paths],
      createTime: new Date(inv.createdAt),
      status: this.status(inv),
    };
  }

  /** CloudFront-like ids: `I` and 13 upper-case letters and digits, unique within the store. */
  private newId(): string {
    for (;;) {
      let id = 'I';
      for (let i = 0; i < 13; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
      if (!this.ids.has(id)) {
        this.ids.add(id);
        return id;
      }
    }
  }
}
