/**
 * Turns one HTTP request into one CloudFront answer: route, read, apply the store, write. No sockets here, so
 * the operations can be exercised without a server.
 */
import { API_VERSION, DEFAULT_LIST_MAX_ITEMS, LOCATION_ORIGIN } from './constants.ts';
import { CloudFrontApiError, entityNotFound, internalError, invalidArgument, noSuchDistribution, notImplemented } from './errors.ts';
import { isTenantId, type InvalidationStore } from './invalidation-store.ts';
import { matchRoute, type Route } from './routes.ts';
import type { OperationName } from './types.ts';
import { distributionTenantDocument, errorDocument, invalidationDocument, invalidationListDocument, parseInvalidationBatch } from './wire-format.ts';

export interface ApiRequest {
  readonly method: string;
  /** Path and query string, as received. */
  readonly url: string;
  readonly body: string;
  /** Sent back in the `x-amzn-RequestId` header and in error documents. */
  readonly requestId: string;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly operation: OperationName;
  readonly distributionId?: string;
  readonly errorCode?: string;
  readonly invalidationId?: string;
  readonly replayed?: boolean;
  /** An unexpected exception, answered as InternalError; the server logs it. */
  readonly failure?: unknown;
}

const CONTENT_TYPE = 'text/xml';

export function handleApiRequest(store: InvalidationStore, request: ApiRequest): ApiResponse {
  const url = new URL(request.url, 'http://emulator.invalid');
  const route = matchRoute(request.method, url.pathname);
  if (!route) return errorResponse(notImplemented(request.method, url.pathname), request.requestId, 'Unknown');
  try {
    return dispatch(store, route, url.searchParams, request);
  } catch (error) {
    if (error instanceof CloudFrontApiError) {
      return errorResponse(error, request.requestId, route.operation, route.distributionId);
    }
    return { ...errorResponse(internalError(), request.requestId, route.operation, route.distributionId), failure: error };
  }
}

function dispatch(store: InvalidationStore, route: Route, query: URLSearchParams, request: ApiRequest): ApiResponse {
  const { operation, distributionId } = route;
  // A distribution operation names a distribution, a tenant operation a tenant: each kind's error for the other.
  const tenantOperation = operation.endsWith('ForDistributionTenant');
  if (operation !== 'GetDistributionTenantByDomain' && isTenantId(distributionId) !== tenantOperation) {
    throw tenantOperation ? entityNotFound('The specified distribution tenant') : noSuchDistribution();
  }
  switch (operation) {
    case 'GetDistributionTenantByDomain': {
      const domain = query.get('domain');
      if (domain === null || domain === '') throw invalidArgument('domain is required.');
      const tenant = store.tenantByDomain(domain);
      return { ...xmlResponse(200, distributionTenantDocument(tenant), request.requestId, { etag: `E${tenant.id.slice(3).toUpperCase()}` }), operation };
    }
    case 'CreateInvalidation':
    case 'CreateInvalidationForDistributionTenant': {
      const { invalidation, replayed } = store.create(distributionId, parseInvalidationBatch(request.body));
      const resource = tenantOperation ? 'distribution-tenant' : 'distribution';
      const location = `${LOCATION_ORIGIN}/${API_VERSION}/${resource}/${encodeURIComponent(distributionId)}/invalidation/${invalidation.id}`;
      return {
        ...xmlResponse(201, invalidationDocument(invalidation), request.requestId, { location }),
        operation,
        distributionId,
        invalidationId: invalidation.id,
        replayed,
      };
    }
    case 'GetInvalidation':
    case 'GetInvalidationForDistributionTenant': {
      const invalidation = store.get(distributionId, route.invalidationId ?? '');
      return {
        ...xmlResponse(200, invalidationDocument(invalidation), request.requestId),
        operation,
        distributionId,
        invalidationId: invalidation.id,
      };
    }
    case 'ListInvalidations':
    case 'ListInvalidationsForDistributionTenant': {
      const marker = query.get('Marker') ?? '';
      const maxItems = parseMaxItems(query.get('MaxItems'));
      const page = store.list(distributionId, { marker, maxItems });
      return {
        ...xmlResponse(200, invalidationListDocument({ marker, maxItems, ...page }), request.requestId),
        operation,
        distributionId,
      };
    }
  }
}

function parseMaxItems(value: string | null): number {
  if (value === null || value === '') return DEFAULT_LIST_MAX_ITEMS;
  const maxItems = /^[0-9]{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(maxItems >= 1)) throw invalidArgument(`MaxItems must be a positive integer (given "${value.slice(0, 30)}").`);
  return maxItems;
}

export function errorResponse(
  error: CloudFrontApiError,
  requestId: string,
  operation: OperationName,
  distributionId?: string,
): ApiResponse {
  return {
    ...xmlResponse(error.statusCode, errorDocument(error, requestId), requestId),
    operation,
    ...(distributionId === undefined ? {} : { distributionId }),
    errorCode: error.code,
  };
}

function xmlResponse(
  statusCode: number,
  body: string,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): Pick<ApiResponse, 'statusCode' | 'headers' | 'body'> {
  return {
    statusCode,
    headers: {
      'content-type': CONTENT_TYPE,
      'content-length': String(Buffer.byteLength(body)),
      'x-amzn-requestid': requestId,
      ...extraHeaders,
    },
    body,
  };
}
