import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { InvalidatorConfig } from '../lambda/config.ts';

/** The invalidation actions of a distribution tenant (CloudFront SaaS Manager): create, and read what is in progress. */
export const TENANT_INVALIDATION_ACTIONS = [
  'cloudfront:CreateInvalidationForDistributionTenant',
  'cloudfront:GetInvalidationForDistributionTenant',
  'cloudfront:ListInvalidationsForDistributionTenant',
] as const;

/** tenantLookup's action: which tenant serves a domain. */
export const TENANT_LOOKUP_ACTION = 'cloudfront:GetDistributionTenantByDomain';

/**
 * The handler's permissions on distribution tenants: the tenant invalidation actions on the configured tenants'
 * ARNs; with tenantLookup on a distribution, GetDistributionTenantByDomain, and the tenant invalidation actions on
 * every tenant of the account, since the tenants a lookup finds are not known at deployment (a tenant's ARN does not
 * name its distribution; the handler only invalidates tenants whose DistributionId is a tenantLookup distribution).
 * None when no tenant is configured and no lookup is on.
 *
 * The resource type, per the Service Authorization Reference, "Actions, resources, and condition keys for Amazon
 * CloudFront" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudfront.html):
 * `distribution-tenant`, `arn:${Partition}:cloudfront::${Account}:distribution-tenant/${Id}` (global: no region).
 */
export function tenantPolicyStatements(stack: Stack, config: Pick<InvalidatorConfig, 'distributions'>): iam.PolicyStatement[] {
  const tenantArn = (id: string) => stack.formatArn({ service: 'cloudfront', region: '', resource: 'distribution-tenant', resourceName: id });
  const lookup = config.distributions.some((distribution) => distribution.tenantLookup === true);
  const tenantIds = config.distributions.flatMap((distribution) => (distribution.tenants ?? []).map((tenant) => tenant.id));
  const statements: iam.PolicyStatement[] = [];
  if (lookup) {
    statements.push(
      new iam.PolicyStatement({ actions: [TENANT_LOOKUP_ACTION, ...TENANT_INVALIDATION_ACTIONS], resources: [tenantArn('*')] }),
    );
  } else if (tenantIds.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: [...TENANT_INVALIDATION_ACTIONS], resources: tenantIds.map(tenantArn) }));
  }
  return statements;
}
