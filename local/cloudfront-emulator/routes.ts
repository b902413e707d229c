import { API_VERSION } from './constants.ts';
import type { OperationName } from './types.ts';

/** A request matched to an operation, with its decoded path labels. */
export interface Route {
  readonly operation: Exclude<OperationName, 'Unknown'>;
  readonly distributionId: string;
  readonly invalidationId?: string;
}

const INVALIDATIONS = new RegExp(`^/${API_VERSION}/distribution/([^/]+)/invalidation/?$`);
const INVALIDATION = new RegExp(`^/${API_VERSION}/distribution/([^/]+)/invalidation/([^/]+)$`);

/**
 * Maps a method and URL path (without query) to the operation the SDK meant, as the API model defines them:
 * POST and GET `/2020-05-31/distribution/{DistributionId}/invalidation`, GET `.../invalidation/{Id}`.
 */
export function matchRoute(method: string, pathname: string): Route | undefined {
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
