import type { SQSRecord } from 'aws-lambda';
import { DEADLINE_MARGIN_MS } from '../defaults.ts';
import { parseMessageBody } from '../read/message.ts';
import { isTenantId } from '../submit/invalidation-api.ts';
import type { PipelineDependencies } from '../types.ts';
import type { DistributionRouter } from './routing.ts';
import { hostsToLookUp, lookupDistributions, TenantLookup } from './tenant-lookup.ts';

/** The message attribute naming the multi-tenant distribution of a re-sent part's `tenantId` (see carriedTenants). */
export const TENANT_DISTRIBUTION_ATTRIBUTE = 'TenantDistributionId';

/** The lookups of a process that gives none: one per warm container, so answers are cached across batches. */
const sharedLookup = new TenantLookup();

/**
 * The router for one batch: the configured one, plus, when a distribution has tenantLookup, the tenants CloudFront
 * names for the batch's hosts that no configured name or domain routes.
 */
export async function routerForBatch(records: readonly SQSRecord[], deps: PipelineDependencies): Promise<DistributionRouter> {
  const parents = lookupDistributions(deps.settings.config);
  if (parents.size === 0) return deps.router;
  const hosts = hostsToLookUp(records, deps.router);
  const lookup = deps.tenantLookup ?? sharedLookup;
  const remaining = deps.remainingTimeMs?.();
  // A third of the working time at most: the batch still has to read what is in progress and send.
  const abortSignal = remaining === undefined ? undefined : AbortSignal.timeout(Math.max(1, Math.floor((remaining - DEADLINE_MARGIN_MS) / 3)));
  const { found, misses } = await lookup.lookUp(deps.cloudfront, hosts, parents, deps.now?.() ?? Date.now(), abortSignal);
  for (const [hostname, miss] of misses) {
    if (miss.kind === 'failed') deps.observer.warn('could not look up the distribution tenant of a host; its messages are retried with backoff', { hostname, error: miss.error });
  }
  return deps.router.withLookedUp(found, misses, carriedTenants(records, parents));
}

/**
 * The tenants that re-sent parts of earlier messages carry with their distribution (TenantDistributionId, set on
 * remainders of a tenant tenantLookup found): no URL of theirs is left to look up. Only distributions with
 * tenantLookup count, as for a tenant CloudFront names.
 */
function carriedTenants(records: readonly SQSRecord[], lookupDistributions: ReadonlySet<string>): Map<string, string> {
  const carried = new Map<string, string>();
  for (const record of records) {
    const parent = record.messageAttributes?.[TENANT_DISTRIBUTION_ATTRIBUTE]?.stringValue;
    if (parent === undefined || !lookupDistributions.has(parent)) continue;
    try {
      const { tenantId } = parseMessageBody(record.body);
      if (tenantId !== undefined) carried.set(tenantId, parent);
    } catch {
      // An invalid body: the read stage dead-letters it.
    }
  }
  return carried;
}

/** Each tenant among `targetIds` with its multi-tenant distribution, whose in-progress budget it shares. */
export function tenantParents(targetIds: Iterable<string>, router: DistributionRouter): Map<string, string> {
  const parents = new Map<string, string>();
  for (const id of targetIds) {
    if (!isTenantId(id)) continue;
    const parent = router.parentOf(id);
    if (parent !== undefined) parents.set(id, parent);
  }
  return parents;
}
