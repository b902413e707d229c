import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../local/cli/errors.ts';
import { runCli } from '../../local/cli/main.ts';
import type { LocalEnvironment } from '../../local/environment.ts';
import { invalidationsWith, publish, recordingIo, startE2eEnvironment, uniquePath, waitFor, waitForEmpty, waitForPaths } from './support.ts';

const PLATFORM = 'E2SAASPLATFORM';
const TENANT_A = 'dt_2wjDZi3hD1ivOXf6rpZJO1AB';
/** A tenant CloudFront knows but the configuration does not list: found with tenantLookup. */
const TENANT_LOOKED_UP = 'dt_9LookedUpTenant0000000001';

const TENANTS_CONTEXT = {
  distributions: [
    {
      id: PLATFORM,
      hostnames: ['app.platform.example'],
      tenants: [{ id: TENANT_A, hostnames: ['shop.customer-a.com'] }],
      tenantLookup: true,
    },
  ],
  batchSize: 1000,
  maxBatchingWindowSeconds: 60,
  maxReceiveCount: 10,
};

/**
 * Distribution tenants end to end: publish events through fauxqs, the poller, the real handler and the CloudFront
 * emulator's tenant API, with the real SDK on both sides.
 */
describe('local pipeline: distribution tenants', () => {
  let env: LocalEnvironment;

  beforeAll(async () => {
    ({ env } = await startE2eEnvironment({ context: TENANTS_CONTEXT }));
    env.emulator.addTenant({ id: TENANT_LOOKED_UP, distributionId: PLATFORM, domains: ['shop.customer-z.com'] });
  });
  afterAll(() => env?.close());

  it("a URL on a tenant's host and a message naming tenantId are invalidated on the tenant, coalesced into one request", async () => {
    // Prepare
    const page = uniquePath('product');
    const other = uniquePath('listing');

    // Act
    await publish(env, { urls: [`https://shop.customer-a.com${page}`], source: 'e2e' });
    await publish(env, { tenantId: TENANT_A, paths: [page, other] });
    await waitForPaths(env, TENANT_A, [page, other]);
    await waitForEmpty(env, env.queueUrl);

    // Assess
    expect(invalidationsWith(env, TENANT_A, page)).toHaveLength(1);
    expect(invalidationsWith(env, TENANT_A, page)[0]).toMatchObject({ distributionId: PLATFORM, tenantId: TENANT_A });
    expect(env.emulator.invalidations(PLATFORM).filter((invalidation) => invalidation.paths.includes(page))).toStrictEqual([]);
  });

  it('the multi-tenant distribution\'s own hostname still goes to the distribution', async () => {
    // Prepare
    const page = uniquePath('app');

    // Act
    await publish(env, { urls: [`https://app.platform.example${page}`] });
    await waitForPaths(env, PLATFORM, [page]);

    // Assess
    expect(invalidationsWith(env, PLATFORM, page)).toHaveLength(1);
  });

  it('tenantLookup routes a host the configuration does not list to the tenant CloudFront names', async () => {
    // Prepare
    const page = uniquePath('looked-up');

    // Act
    await publish(env, { urls: [`https://shop.customer-z.com${page}`] });
    await waitForPaths(env, TENANT_LOOKED_UP, [page]);

    // Assess
    expect(env.emulator.stats().byOperation.GetDistributionTenantByDomain).toBeGreaterThanOrEqual(1);
  });

  it('a host no tenant serves is dead-lettered as UnknownTenantDomain', async () => {
    // Act
    await publish(env, { urls: [`https://nobody.customer-unknown.com${uniquePath('x')}`] });
    const message = await waitFor(
      'the dead letter',
      async () => {
        const output = await env.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: env.deadLetterQueueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
        );
        return output.Messages?.find((received) => received.Body?.includes('nobody.customer-unknown.com'));
      },
      20_000,
    );

    // Assess
    expect(message.MessageAttributes?.ErrorCode?.StringValue).toBe('UnknownTenantDomain');
  });

  it("cfiq status lists the configured tenants' invalidations", async () => {
    // Prepare
    const page = uniquePath('status');
    await publish(env, { tenantId: TENANT_A, paths: [page] });
    await waitForPaths(env, TENANT_A, [page]);
    const configFile = join(mkdtempSync(join(tmpdir(), 'cfiq-tenants-')), 'cdk.json');
    writeFileSync(configFile, JSON.stringify({ context: { invalidator: TENANTS_CONTEXT } }));
    const status = recordingIo({ AWS_ENDPOINT_URL_CLOUDFRONT: env.cloudfrontEndpoint });

    // Act
    const code = await runCli(['status', '--config', configFile, '--json'], status.io);

    // Assess
    expect(code).toBe(EXIT_CODES.ok);
    const [invalidation] = invalidationsWith(env, TENANT_A, page);
    const { distributions } = JSON.parse(status.stdout()) as { distributions: Array<{ distributionId: string; invalidations: unknown[] }> };
    const tenant = distributions.find(({ distributionId }) => distributionId === TENANT_A);
    expect(tenant?.invalidations).toContainEqual(expect.objectContaining({ invalidationId: invalidation!.id, paths: 1 }));
  });
});
