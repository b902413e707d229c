import { API_VERSION } from './constants.ts';
import type { OperationName } from './types.ts';

/** A request matched to an operation, with its decoded path labels. */
export interface Route {
  readonly operation: Exclude<OperationName, 'Unknown'>;
  /** The distribution, or for the tenant operations the distribution tenant (`dt_...`); '' for the lookup. */
  readonly distributionId: string;
  readonly invalidationId?: string;
}

const INVALIDATIONS = new RegExp(`^/${API_VERSION}/distribution/([^/]+)/invalidation/?$`);
const INVALIDATION = new RegExp(`^/${API_VERSION}/distribution/([^/]+)/invalidation/([^/]+)$`);
const TENANT_INVALIDATIONS = new RegExp(`^/${API_VERSION}/distribution-tenant/([^/]+)/invalidation/?$`);
const TENANT_INVALIDATION = new RegExp(`^/${API_VERSION}/distribution-tenant/([^/]+)/invalidation/([^/]+)$`);
const TENANT_BY_DOMAIN = `/${API_VERSION}/distribution-tenant`;

/**
 * Maps a method and URL path (without query) to the operation the SDK meant, as the API model defines them:
 * POST and GET `/2020-05-31/distribution/{DistributionId}/invalidation`, GET `.../invalidation/{Id}`.
 */
export function matchRoute(method: string, pathname: string): Route | undefined {
  return matchDistributionRoute(method, pathname) ?? matchTenantRoute(method, pathname);
}

/**
 * The distribution tenant operations (CloudFront SaaS Manager): POST and GET
 * `/2020-05-31/distribution-tenant/{Id}/invalidation`, GET `.../invalidation/{Id}`, and GET
 * `/2020-05-31/distribution-tenant?domain=` (GetDistributionTenantByDomain).
 */
function matchTenantRoute(method: string, pathname: string): Route | undefined {
  if (pathname === TENANT_BY_DOMAIN) return method === 'GET' ? { operation: 'GetDistributionTenantByDomain', distributionId: '' } : undefined;
  const list = TENANT_INVALIDATIONS.exec(pathname);
  if (list) {
    const tenantId = decodeLabel(list[1]);
    if (tenantId === undefined) return undefined;
    if (method === 'POST') return { operation: 'CreateInvalidationForDistributionTenant', distributionId: tenantId };
    if (method === 'GET') return { operation: 'ListInvalidationsForDistributionTenant', distributionId: tenantId };
    return undefined;
  }
  const one = TENANT_INVALIDATION.exec(pathname);
  if (one && method === 'GET') {
    const tenantId = decodeLabel(one[1]);
    const invalidationId = decodeLabel(one[2]);
    if (tenantId === undefined || invalidationId === undefined) return undefined;
    return { operation: 'GetInvalidationForDistributionTenant', distributionId: tenantId, invalidationId };
  }
  return undefined;
}

function matchDistributionRoute(method: string, pathname: string): Route | undefined {
  const list = INVALIDATIONS.exec(pathname);
  if (list) {
    const distributionId = decodeLabel(list[1]);
    if (distributionId === undefined) return undefined;
    if (method === 'POST') return { operation: 'CreateInvalidation', distributionId };
    if (method === 'GET') return { operation: 'ListInvalidations', distributionId };
    return undefined;
  }
  const one = INVALIDATION.exec(pathname);
  if (one && method === 'GET') {
    const distributionId = decodeLabel(one[1]);
    const invalidationId = decodeLabel(one[2]);
    if (distributionId === undefined || invalidationId === undefined) return undefined;
    return { operation: 'GetInvalidation', distributionId, invalidationId };
  }
  return undefined;
}

function decodeLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  try {
    return decodeURIComponent(label);
  } catch {
    return undefined;
  }
}
