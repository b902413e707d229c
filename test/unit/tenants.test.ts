import { CloudFrontClient, GetDistributionTenantByDomainCommand } from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { parseInvalidatorConfig } from '../../lambda/config.ts';
import { parseMessageBody } from '../../lambda/read/message.ts';
import { DistributionRouter } from '../../lambda/resolve/routing.ts';
import { resolveTargets } from '../../lambda/resolve/targets.ts';
import { TenantLookup } from '../../lambda/resolve/tenant-lookup.ts';
import { remainderBody } from '../../lambda/settle/remainders.ts';
import { InProgressBudget } from '../../lambda/submit/in-progress-budget.ts';
import { isTenantId } from '../../lambda/submit/invalidation-api.ts';
import { thrown } from './thrown.ts';

const PLATFORM = 'E2SAASPLATFORM';
const TENANT = 'dt_2wjDZi3hD1ivOXf6rpZJO1AB';
const OTHER_TENANT = 'dt_3xkEAj4iE2jwPYg7sqaKP2BC';

const CONFIG = parseInvalidatorConfig({
  distributions: [
    { id: 'EWWW', hostnames: ['www.example.org'] },
    {
      id: PLATFORM,
      hostnames: ['app.platform.example', '.platform.example'],
      tenants: [
        { id: TENANT, hostnames: ['shop.customer-a.com'] },
        { id: OTHER_TENANT, hostnames: ['.customer-b.com'] },
      ],
    },
  ],
});

describe('distribution tenants: configuration', () => {
  it('accepts tenants with hostnames and tenantLookup', () => {
    // Act
    const config = parseInvalidatorConfig({ distributions: [{ id: PLATFORM, tenants: [{ id: TENANT, hostnames: ['Shop.Customer-A.com'] }], tenantLookup: true }] });

    // Assess
    expect(config.distributions[0]).toStrictEqual({ id: PLATFORM, tenants: [{ id: TENANT, hostnames: ['shop.customer-a.com'] }], tenantLookup: true });
  });

  it.each([
    ['a malformed tenant id', { id: PLATFORM, tenants: [{ id: 'E2NOTATENANT' }] }, /distributions\[0\]\.tenants\[0\]\.id: must be a CloudFront distribution tenant id: "dt_" and 1 to 61 letters and digits \(given "E2NOTATENANT"\)/],
    ['a duplicate tenant id', { id: PLATFORM, tenants: [{ id: TENANT }, { id: TENANT }] }, /duplicate tenant id "dt_2wjDZi3hD1ivOXf6rpZJO1AB"/],
    [
      "a tenant hostname the distribution serves",
      { id: PLATFORM, hostnames: ['shop.example.com'], tenants: [{ id: TENANT, hostnames: ['shop.example.com'] }] },
      /duplicate hostname "shop.example.com" \(already mapped to E2SAASPLATFORM\)/,
    ],
    ['an unknown tenant field', { id: PLATFORM, tenants: [{ id: TENANT, domains: ['a.com'] }] }, /domains/],
  ])('rejects %s', (_name, distribution, message) => {
    // Act / Assess
    expect(() => parseInvalidatorConfig({ distributions: [distribution] })).toThrow(message);
  });
});

describe('distribution tenants: messages and routing', () => {
  const router = new DistributionRouter(CONFIG);

  it.each([
    ['the exact hostname of a tenant', 'https://shop.customer-a.com/p?x=1', { distributionId: TENANT, path: '/p?x=1' }],
    ["a tenant's domain", 'https://www.customer-b.com/p', { distributionId: OTHER_TENANT, path: '/p' }],
    ['the multi-tenant distribution\'s own hostname', 'https://app.platform.example/p', { distributionId: PLATFORM, path: '/p' }],
  ])('a URL on %s goes to it', (_name, url, target) => {
    // Act / Assess
    expect(resolveTargets({ urls: [url] }, router)).toStrictEqual([target]);
  });

  it('a message naming tenantId sends its paths to the tenant, a tenant a target keyed by its id', () => {
    // Act
    const message = parseMessageBody(JSON.stringify({ tenantId: TENANT, paths: ['/a', '/a', '/b'] }));

    // Assess
    expect(resolveTargets(message, router)).toStrictEqual([
      { distributionId: TENANT, path: '/a' },
      { distributionId: TENANT, path: '/b' },
    ]);
    expect(isTenantId(TENANT)).toBe(true);
    expect(isTenantId(PLATFORM)).toBe(false);
  });

  it('an unconfigured tenantId is UnknownTenant; distributionId and tenantId together are InvalidMessage', () => {
    // Act
    const unknown = thrown(() => resolveTargets(parseMessageBody('{"tenantId":"dt_0NOTCONFIGURED","paths":["/a"]}'), router));
    const both = thrown(() => parseMessageBody(JSON.stringify({ distributionId: PLATFORM, tenantId: TENANT, paths: ['/a'] })));

    // Assess
    expect(unknown).toMatchObject({ code: 'UnknownTenant', message: expect.stringContaining(`configured: ${TENANT}, ${OTHER_TENANT}`) });
    expect(both).toMatchObject({ code: 'InvalidMessage', message: expect.stringContaining('give at most one of "distributionId", "tenantId"') });
  });

  it("a tenant's remainder names it as a message does, and reads back to the same targets", () => {
    // Act
    const body = remainderBody({ source: 'cms' }, TENANT, ['/a', '/b']);

    // Assess
    expect(body).toBe(`{"tenantId":"${TENANT}","paths":["/a","/b"],"source":"cms"}`);
    expect(resolveTargets(parseMessageBody(body), router)).toStrictEqual([
      { distributionId: TENANT, path: '/a' },
      { distributionId: TENANT, path: '/b' },
    ]);
  });
});

describe('distribution tenants: in-progress budget', () => {
  const parents = new Map([
    [TENANT, PLATFORM],
    [OTHER_TENANT, PLATFORM],
  ]);

  it("counts what is in progress on a tenant against its parent's budget too", () => {
    // Prepare
    const budget = new InProgressBudget(new Map([[TENANT, { files: 2_000, wildcards: 10 }], [PLATFORM, { files: 500, wildcards: 0 }]]), parents);

    // Act / Assess
    expect(budget.free(TENANT)).toStrictEqual({ files: 500, wildcards: 5 });
    expect(budget.free(OTHER_TENANT)).toStrictEqual({ files: 500, wildcards: 5 });
    expect(budget.free(PLATFORM)).toStrictEqual({ files: 500, wildcards: 5 });
  });

  it("a tenant's request spends its parent's budget, and the other tenants then wait", () => {
    // Prepare
    const budget = new InProgressBudget(new Map(), parents);

    // Act
    const first = budget.reserve(TENANT, Array.from({ length: 15 }, (_, i) => `/d${i}/*`));
    const second = budget.reserve(OTHER_TENANT, ['/x/*']);
    budget.release(TENANT, ['/d0/*']);
    const third = budget.reserve(OTHER_TENANT, ['/x/*']);

    // Assess
    expect(first).toBeUndefined();
    expect(second).toMatch(/15 wildcard paths in progress on E2SAASPLATFORM \(the multi-tenant distribution of dt_3xkEAj4iE2jwPYg7sqaKP2BC\)/);
    expect(third).toBeUndefined();
  });

  it("a tenant's TooManyInvalidationsInProgress fills its parent too", () => {
    // Prepare
    const budget = new InProgressBudget(new Map(), parents);

    // Act
    budget.fill(TENANT);

    // Assess
    expect(budget.free(PLATFORM)).toStrictEqual({ files: 0, wildcards: 0 });
    expect(budget.free(OTHER_TENANT)).toStrictEqual({ files: 0, wildcards: 0 });
    expect(budget.free('EWWW')).toStrictEqual({ files: 3_000, wildcards: 15 });
  });
});

describe('distribution tenants: tenantLookup', () => {
  function lookupClient() {
    const client = new CloudFrontClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(GetDistributionTenantByDomainCommand, { Domain: 'shop.customer-z.com' }).resolves({ DistributionTenant: { Id: 'dt_Z', DistributionId: PLATFORM } });
    mock.on(GetDistributionTenantByDomainCommand, { Domain: 'foreign.example.com' }).resolves({ DistributionTenant: { Id: 'dt_F', DistributionId: 'E0OTHER' } });
    mock
      .on(GetDistributionTenantByDomainCommand, { Domain: 'nobody.example.com' })
      .rejects(Object.assign(new Error('not found'), { name: 'EntityNotFound', $metadata: { httpStatusCode: 404 } }));
    mock.on(GetDistributionTenantByDomainCommand, { Domain: 'throttled.example.com' }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    return { client, mock };
  }

  it('finds tenants of tenantLookup distributions only, caches answers and misses for their TTL, never a failure', async () => {
    // Prepare
    const { client, mock } = lookupClient();
    const lookup = new TenantLookup({ ttlSeconds: 300, negativeTtlSeconds: 60 });
    const hosts = ['shop.customer-z.com', 'foreign.example.com', 'nobody.example.com', 'throttled.example.com'];
    const parents = new Set([PLATFORM]);

    // Act
    const first = await lookup.lookUp(client, hosts, parents, 0);
    const cached = await lookup.lookUp(client, hosts, parents, 59_000);
    const afterNegativeTtl = await lookup.lookUp(client, hosts, parents, 61_000);

    // Assess
    expect(first.found).toStrictEqual(new Map([['shop.customer-z.com', { tenantId: 'dt_Z', distributionId: PLATFORM }]]));
    expect(first.misses.get('foreign.example.com')).toStrictEqual({ kind: 'notFound' });
    expect(first.misses.get('nobody.example.com')).toStrictEqual({ kind: 'notFound' });
    expect(first.misses.get('throttled.example.com')).toMatchObject({ kind: 'failed', error: expect.stringContaining('Throttling') });
    // The failure is asked again every time; the misses after 60 s; the tenant found not before 300 s.
    expect(mock.commandCalls(GetDistributionTenantByDomainCommand).map((call) => call.args[0].input.Domain)).toStrictEqual([
      ...hosts,
      'throttled.example.com',
      'foreign.example.com',
      'nobody.example.com',
      'throttled.example.com',
    ]);
    expect(cached.found.get('shop.customer-z.com')).toBeDefined();
    expect(afterNegativeTtl.found.get('shop.customer-z.com')).toBeDefined();
  });

  it('a looked-up router routes the host to the tenant and names a miss UnknownTenantDomain', () => {
    // Prepare
    const router = new DistributionRouter(CONFIG).withLookedUp(
      new Map([['shop.customer-z.com', { tenantId: 'dt_Z', distributionId: PLATFORM }]]),
      new Map([['nobody.example.com', { kind: 'notFound' as const }]]),
    );

    // Act
    const targets = resolveTargets({ urls: ['https://Shop.Customer-Z.com/a'] }, router);
    const error = thrown(() => resolveTargets({ urls: ['https://nobody.example.com/a'] }, router));

    // Assess
    expect(targets).toStrictEqual([{ distributionId: 'dt_Z', path: '/a' }]);
    expect(router.parentOf('dt_Z')).toBe(PLATFORM);
    expect(error).toMatchObject({ code: 'UnknownTenantDomain' });
  });
});
