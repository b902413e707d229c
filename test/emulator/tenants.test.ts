/**
 * The emulator's distribution tenant operations (CloudFront SaaS Manager), through the real
 * @aws-sdk/client-cloudfront over HTTP: the SDK's own requests, the same rules and limits as a distribution's.
 */
import {
  CreateInvalidationForDistributionTenantCommand,
  GetDistributionTenantByDomainCommand,
  GetInvalidationForDistributionTenantCommand,
  ListInvalidationsForDistributionTenantCommand,
  type CloudFrontClient,
} from '@aws-sdk/client-cloudfront';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCloudFrontEmulator, type CloudFrontEmulator } from '../../local/cloudfront-emulator/index.ts';
import { cloudFrontClient, createInvalidation, failureOf, FakeClock, filePaths, wildcardPaths } from './support.ts';

const PARENT = 'E2MULTITENANT';
const TENANT = 'dt_2wjDZi3hD1ivOXf6rpZJO1AB';
const OTHER_TENANT = 'dt_3xkEAj4iE2jwPYg7sqaKP2BC';

function createForTenant(client: CloudFrontClient, tenantId: string, paths: readonly string[], callerReference = `ref-${paths.join(',')}`) {
  return client.send(
    new CreateInvalidationForDistributionTenantCommand({
      Id: tenantId,
      InvalidationBatch: { CallerReference: callerReference, Paths: { Quantity: paths.length, Items: [...paths] } },
    }),
  );
}

describe('CloudFront emulator: distribution tenants', () => {
  let emulator: CloudFrontEmulator;
  let client: CloudFrontClient;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    emulator = await startCloudFrontEmulator({
      distributions: [PARENT],
      tenants: [
        { id: TENANT, distributionId: PARENT, domains: ['shop.customer-a.com'] },
        { id: OTHER_TENANT, distributionId: PARENT, domains: ['Shop.Customer-B.com'] },
      ],
      completionDelayMs: 60_000,
      now: clock.now,
    });
    client = cloudFrontClient(emulator.endpoint);
  });

  afterEach(async () => {
    client?.destroy();
    await emulator?.close();
  });

  it('CreateInvalidationForDistributionTenant creates an invalidation on the tenant, with its Location', async () => {
    // Act
    const output = await createForTenant(client, TENANT, ['/b', '/a']);

    // Assess
    expect(output.Location).toBe(`https://cloudfront.amazonaws.com/2020-05-31/distribution-tenant/${TENANT}/invalidation/${output.Invalidation?.Id}`);
    expect(output.Invalidation).toMatchObject({ Status: 'InProgress', InvalidationBatch: { Paths: { Quantity: 2, Items: ['/b', '/a'] } } });
    expect(emulator.invalidations(TENANT)).toMatchObject([{ distributionId: PARENT, tenantId: TENANT, paths: ['/b', '/a'] }]);
    expect(emulator.invalidations(PARENT)).toStrictEqual([]);
    expect(emulator.stats()).toMatchObject({ invalidationsCreated: 1, byOperation: { CreateInvalidationForDistributionTenant: 1 } });
  });

  it('Get and List for a tenant answer with its invalidations only, newest first', async () => {
    // Prepare
    const first = await createForTenant(client, TENANT, ['/one']);
    clock.advance(1);
    const second = await createForTenant(client, TENANT, ['/two']);
    await createForTenant(client, OTHER_TENANT, ['/other']);

    // Act
    const got = await client.send(new GetInvalidationForDistributionTenantCommand({ DistributionTenantId: TENANT, Id: first.Invalidation!.Id! }));
    const list = await client.send(new ListInvalidationsForDistributionTenantCommand({ Id: TENANT, MaxItems: 1 }));
    const next = await client.send(new ListInvalidationsForDistributionTenantCommand({ Id: TENANT, Marker: list.InvalidationList?.NextMarker }));

    // Assess
    expect(got.Invalidation?.InvalidationBatch?.Paths?.Items).toStrictEqual(['/one']);
    expect(list.InvalidationList).toMatchObject({ IsTruncated: true, Quantity: 1, Items: [{ Id: second.Invalidation?.Id, Status: 'InProgress' }] });
    expect(next.InvalidationList).toMatchObject({ IsTruncated: false, Items: [{ Id: first.Invalidation?.Id }] });
  });

  it('a tenant invalidation reads Completed after the completion delay', async () => {
    // Prepare
    const created = await createForTenant(client, TENANT, ['/a']);

    // Act
    clock.advance(60_000);
    const got = await client.send(new GetInvalidationForDistributionTenantCommand({ DistributionTenantId: TENANT, Id: created.Invalidation!.Id! }));

    // Assess
    expect(got.Invalidation?.Status).toBe('Completed');
  });

  it.each([
    ['an unknown tenant', 'dt_0UNKNOWN', ['/a'], 'EntityNotFound', 404],
    ['a path without a leading slash', TENANT, ['a'], 'InvalidArgument', 400],
    ['a wildcard before the end', TENANT, ['/a*b'], 'InvalidArgument', 400],
    ['more than 3,000 paths', TENANT, filePaths(3_001), 'BatchTooLarge', 413],
  ])('CreateInvalidationForDistributionTenant refuses %s', async (_name, tenantId, paths, code, status) => {
    // Act
    const failure = await failureOf(createForTenant(client, tenantId, paths));

    // Assess
    expect(failure).toMatchObject({ name: code, httpStatusCode: status });
  });

  it('Get and List of an unknown tenant are EntityNotFound; a tenant id on the distribution API is NoSuchDistribution', async () => {
    // Act
    const list = await failureOf(client.send(new ListInvalidationsForDistributionTenantCommand({ Id: 'dt_0UNKNOWN' })));
    const get = await failureOf(client.send(new GetInvalidationForDistributionTenantCommand({ DistributionTenantId: 'dt_0UNKNOWN', Id: 'I1' })));
    const onDistributionApi = await failureOf(createInvalidation(client, TENANT, ['/a']));

    // Assess
    expect(list).toMatchObject({ name: 'EntityNotFound', httpStatusCode: 404 });
    expect(get).toMatchObject({ name: 'EntityNotFound', httpStatusCode: 404 });
    expect(onDistributionApi).toMatchObject({ name: 'NoSuchDistribution', httpStatusCode: 404 });
  });

  it('a repeated CallerReference on a tenant answers the same invalidation; references are scoped to the tenant', async () => {
    // Prepare
    const first = await createForTenant(client, TENANT, ['/a'], 'same');

    // Act
    const again = await createForTenant(client, TENANT, ['/a'], 'same');
    const onOther = await createForTenant(client, OTHER_TENANT, ['/a'], 'same');
    const conflict = await failureOf(createForTenant(client, TENANT, ['/b'], 'same'));

    // Assess
    expect(again.Invalidation?.Id).toBe(first.Invalidation?.Id);
    expect(onOther.Invalidation?.Id).not.toBe(first.Invalidation?.Id);
    expect(conflict).toMatchObject({ name: 'InvalidationBatchAlreadyExists' });
  });

  it("tenants share their multi-tenant distribution's in-progress limits (15 wildcard paths), with the distribution's own", async () => {
    // Prepare: 10 wildcards on the parent, 5 on one tenant
    await createInvalidation(client, PARENT, wildcardPaths(10, '/parent'));
    await createForTenant(client, TENANT, wildcardPaths(5, '/tenant'));

    // Act
    const refused = await failureOf(createForTenant(client, OTHER_TENANT, ['/other/*']));
    const refusedOnParent = await failureOf(createInvalidation(client, PARENT, ['/more/*']));
    clock.advance(60_000);
    const accepted = await createForTenant(client, OTHER_TENANT, ['/other/*']);

    // Assess
    expect(refused).toMatchObject({ name: 'TooManyInvalidationsInProgress', httpStatusCode: 400 });
    expect(refusedOnParent).toMatchObject({ name: 'TooManyInvalidationsInProgress' });
    expect(accepted.Invalidation?.Status).toBe('InProgress');
  });

  it('GetDistributionTenantByDomain finds a tenant by any of its domains, in any case', async () => {
    // Act
    const found = await client.send(new GetDistributionTenantByDomainCommand({ Domain: 'shop.customer-b.com' }));
    const unknown = await failureOf(client.send(new GetDistributionTenantByDomainCommand({ Domain: 'nobody.example.net' })));

    // Assess
    expect(found.DistributionTenant).toMatchObject({
      Id: OTHER_TENANT,
      DistributionId: PARENT,
      Enabled: true,
    });
    expect(found.ETag).toBeDefined();
    // Every domain of the tenant, as the SDK's model reads them
    expect(found.DistributionTenant?.Domains?.map((domain) => domain.Domain).sort()).toStrictEqual(['shop.customer-b.com']);
    expect(unknown).toMatchObject({ name: 'EntityNotFound', httpStatusCode: 404 });
  });

  it('addTenant refuses a tenant of a distribution that does not exist', () => {
    // Act / Assess
    expect(() => emulator.addTenant({ id: 'dt_NEW', distributionId: 'E0NOTHERE' })).toThrow(/distribution "E0NOTHERE" does not exist/);
    expect(() => emulator.addTenant({ id: 'E0NOTATENANT', distributionId: PARENT })).toThrow(/tenant id must be "dt_"/);
  });
});
