import {
  CreateInvalidationCommand,
  CreateInvalidationForDistributionTenantCommand,
  GetInvalidationCommand,
  GetInvalidationForDistributionTenantCommand,
  ListInvalidationsCommand,
  ListInvalidationsForDistributionTenantCommand,
  type CloudFrontClient,
  type Invalidation,
  type InvalidationBatch,
  type InvalidationList,
} from '@aws-sdk/client-cloudfront';

/**
 * The one place that tells a distribution from a distribution tenant: every stage keys its work by an invalidation
 * target's id (`EDFDVBD6EXAMPLE` or `dt_2wjDZi3hD1ivOXf6rpZJO1AB`), and only the CloudFront calls differ.
 * CloudFront SaaS Manager gives a tenant its own invalidation API with the same shapes:
 * CreateInvalidationForDistributionTenant, GetInvalidationForDistributionTenant,
 * ListInvalidationsForDistributionTenant (`/2020-05-31/distribution-tenant/{Id}/invalidation`).
 */

/** The prefix of every distribution tenant id; a distribution id is upper-case letters and digits only. */
export const TENANT_ID_PREFIX = 'dt_';

/**
 * Is `id` a distribution tenant's (rather than a distribution's)?
 *
 * @example
 * isTenantId('dt_2wjDZi3hD1ivOXf6rpZJO1AB'); // true
 * isTenantId('EDFDVBD6EXAMPLE'); // false
 */
export function isTenantId(id: string): boolean {
  return id.startsWith(TENANT_ID_PREFIX);
}

/** The kind of an invalidation target, as logs and the CLI name it. */
export function targetKind(id: string): 'tenant' | 'distribution' {
  return isTenantId(id) ? 'tenant' : 'distribution';
}

type Options = { readonly abortSignal?: AbortSignal };

function sendOptions(options: Options): Options {
  return options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal };
}

/** CreateInvalidation on a distribution, or CreateInvalidationForDistributionTenant on a tenant. */
export async function sendCreateInvalidation(
  client: CloudFrontClient,
  targetId: string,
  batch: InvalidationBatch,
  options: Options = {},
): Promise<Invalidation | undefined> {
  const output = isTenantId(targetId)
    ? await client.send(new CreateInvalidationForDistributionTenantCommand({ Id: targetId, InvalidationBatch: batch }), sendOptions(options))
    : await client.send(new CreateInvalidationCommand({ DistributionId: targetId, InvalidationBatch: batch }), sendOptions(options));
  return output?.Invalidation;
}

/** ListInvalidations on a distribution, or ListInvalidationsForDistributionTenant on a tenant: one page. */
export async function sendListInvalidations(
  client: CloudFrontClient,
  targetId: string,
  page: { readonly maxItems: number; readonly marker?: string | undefined },
  options: Options = {},
): Promise<InvalidationList | undefined> {
  const output = isTenantId(targetId)
    ? await client.send(new ListInvalidationsForDistributionTenantCommand({ Id: targetId, MaxItems: page.maxItems, Marker: page.marker }), sendOptions(options))
    : await client.send(new ListInvalidationsCommand({ DistributionId: targetId, MaxItems: page.maxItems, Marker: page.marker }), sendOptions(options));
  return output?.InvalidationList;
}

/** GetInvalidation on a distribution, or GetInvalidationForDistributionTenant on a tenant. */
export async function sendGetInvalidation(
  client: CloudFrontClient,
  targetId: string,
  invalidationId: string,
  options: Options = {},
): Promise<Invalidation | undefined> {
  const output = isTenantId(targetId)
    ? await client.send(new GetInvalidationForDistributionTenantCommand({ DistributionTenantId: targetId, Id: invalidationId }), sendOptions(options))
    : await client.send(new GetInvalidationCommand({ DistributionId: targetId, Id: invalidationId }), sendOptions(options));
  return output?.Invalidation;
}
