/**
 * Seeded fault injection: reproducible, counted, shaped like CloudFront's own failures, and survivable by the
 * SDK's standard retry mode.
 */
import { CloudFrontClient, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOUDFRONT_REGION } from '../../lambda/limits.ts';
import {
  FaultInjector,
  mulberry32,
  startCloudFrontEmulator,
  type CloudFrontEmulator,
  type FaultKind,
  type FaultOptions,
} from '../../local/cloudfront-emulator/index.ts';
import { cloudFrontClient, createInvalidation, failureOf, fakeCredentials } from './support.ts';

const DIST = 'E2FAULTTEST';
const ALL_FAULTS: FaultOptions = { seed: 7, throttleRate: 0.2, serviceUnavailableRate: 0.2, connectionResetRate: 0.2 };

describe('fault injection', () => {
  const started: CloudFrontEmulator[] = [];
  const clients: CloudFrontClient[] = [];

  async function start(faults?: FaultOptions): Promise<{ emulator: CloudFrontEmulator; client: CloudFrontClient }> {
    const emulator = await startCloudFrontEmulator({ distributions: [DIST], ...(faults ? { faults } : {}) });
    const client = cloudFrontClient(emulator.endpoint);
    started.push(emulator);
    clients.push(client);
    return { emulator, client };
  }

  /** Sends `count` ListInvalidations one after the other; returns what each one met. */
  async function outcomes(client: CloudFrontClient, count: number): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < count; i++) {
      try {
        await client.send(new ListInvalidationsCommand({ DistributionId: DIST }));
        seen.push('ok');
      } catch (error) {
        const e = error as Error & { code?: string };
        seen.push(e.code === 'ECONNRESET' ? 'reset' : e.name);
      }
    }
    return seen;
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await Promise.all(started.splice(0).map((emulator) => emulator.close()));
  });

  describe('mulberry32', () => {
    it('gives the same sequence for the same seed, and another for another seed', () => {
      // Act
      const a = mulberry32(42);
      const b = mulberry32(42);
      const c = mulberry32(43);
      const first = Array.from({ length: 100 }, () => a());

      // Assess
      expect(Array.from({ length: 100 }, () => b())).toStrictEqual(first);
      expect(Array.from({ length: 100 }, () => c())).not.toStrictEqual(first);
      expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    });
  });

  describe('FaultInjector', () => {
    it('injects roughly the configured shares and counts them', () => {
      // Prepare
      const injector = new FaultInjector({ seed: 3, throttleRate: 0.1, serviceUnavailableRate: 0.2, connectionResetRate: 0.3 });

      // Act
      const draws = Array.from({ length: 10_000 }, () => injector.next());

      // Assess
      const share = (kind: FaultKind) => draws.filter((d) => d === kind).length / draws.length;
      expect(share('throttling')).toBeCloseTo(0.1, 1);
      expect(share('serviceUnavailable')).toBeCloseTo(0.2, 1);
      expect(share('connectionReset')).toBeCloseTo(0.3, 1);
      expect(injector.counts()).toStrictEqual({
        throttling: draws.filter((d) => d === 'throttling').length,
        serviceUnavailable: draws.filter((d) => d === 'serviceUnavailable').length,
        connectionReset: draws.filter((d) => d === 'connectionReset').length,
      });
    });

    it('restarts the sequence on reset()', () => {
      // Prepare
      const injector = new FaultInjector(ALL_FAULTS);
      const first = Array.from({ length: 50 }, () => injector.next());

      // Act
      injector.reset();

      // Assess
      expect(Array.from({ length: 50 }, () => injector.next())).toStrictEqual(first);
    });
  });

  it('gives the same faults for the same seed and request order', async () => {
    // Prepare
    const one = await start(ALL_FAULTS);
    const two = await start(ALL_FAULTS);
    const three = await start({ ...ALL_FAULTS, seed: 8 });
    const expected = (() => {
      const injector = new FaultInjector(ALL_FAULTS);
      const names: Record<FaultKind, string> = { throttling: 'Throttling', serviceUnavailable: 'ServiceUnavailable', connectionReset: 'reset' };
      return Array.from({ length: 30 }, () => {
        const fault = injector.next();
        return fault ? names[fault] : 'ok';
      });
    })();

    // Act
    const first = await outcomes(one.client, 30);
    const second = await outcomes(two.client, 30);
    const other = await outcomes(three.client, 30);

    // Assess
    expect(first).toStrictEqual(expected);
    expect(second).toStrictEqual(first);
    expect(other).not.toStrictEqual(first);
    expect(new Set(first)).toStrictEqual(new Set(['ok', 'Throttling', 'ServiceUnavailable', 'reset']));
    const stats = one.emulator.stats();
    expect(stats.faults).toStrictEqual({
      throttling: first.filter((o) => o === 'Throttling').length,
      serviceUnavailable: first.filter((o) => o === 'ServiceUnavailable').length,
      connectionReset: first.filter((o) => o === 'reset').length,
    });
    expect(one.emulator.requests.filter((r) => r.outcome === 'fault').map((r) => r.fault)).toHaveLength(30 - first.filter((o) => o === 'ok').length);
  });

  it('answers Throttling with the XML CloudFront sends (HTTP 400, "Rate exceeded")', async () => {
    // Prepare
    const { emulator, client } = await start({ seed: 1, throttleRate: 1 });

    // Act
    const response = await fetch(`${emulator.endpoint}/2020-05-31/distribution/${DIST}/invalidation`);
    const body = await response.text();
    const failure = await failureOf(createInvalidation(client, DIST, ['/a']));

    // Assess
    const requestId = response.headers.get('x-amzn-requestid');
    expect(response.status).toBe(400);
    expect(body).toBe(
      '<?xml version="1.0"?>\n' +
        '<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type>' +
        `<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
    expect(failure).toMatchObject({ name: 'Throttling', httpStatusCode: 400, message: 'Rate exceeded' });
    expect(emulator.invalidations()).toStrictEqual([]);
  });

  it('answers ServiceUnavailable with HTTP 503', async () => {
    // Prepare
    const { emulator, client } = await start({ seed: 1, serviceUnavailableRate: 1 });

    // Act
    const failure = await failureOf(createInvalidation(client, DIST, ['/a']));

    // Assess
    expect(failure).toMatchObject({ name: 'ServiceUnavailable', httpStatusCode: 503 });
    expect(emulator.requests).toMatchObject([
      { operation: 'CreateInvalidation', distributionId: DIST, outcome: 'fault', fault: 'serviceUnavailable', statusCode: 503, errorCode: 'ServiceUnavailable' },
    ]);
  });

  it('resets the connection without answering', async () => {
    // Prepare
    const { emulator, client } = await start({ seed: 1, connectionResetRate: 1 });

    // Act
    const failure = await failureOf(createInvalidation(client, DIST, ['/a']));

    // Assess
    expect(failure.code).toBe('ECONNRESET');
    expect(emulator.requests).toMatchObject([{ operation: 'CreateInvalidation', distributionId: DIST, outcome: 'fault', fault: 'connectionReset' }]);
    expect(emulator.requests[0]?.statusCode).toBeUndefined();
    expect(emulator.invalidations()).toStrictEqual([]);
  });

  it('can be turned on and off at run time', async () => {
    // Prepare
    const { emulator, client } = await start();

    // Act
    const before = await outcomes(client, 2);
    emulator.setFaults({ seed: 1, throttleRate: 1 });
    const during = await outcomes(client, 2);
    emulator.setFaults(undefined);
    const after = await outcomes(client, 2);

    // Assess
    expect([...before, ...during, ...after]).toStrictEqual(['ok', 'ok', 'Throttling', 'Throttling', 'ok', 'ok']);
    expect(emulator.stats().faults.throttling).toBe(2);
  });

  it("lets the SDK's standard retry mode (3 attempts) recover from throttling, 503s and resets", async () => {
    // Prepare: with seed 1 and these rates, 12 sequential calls meet 1 Throttling, 2 ServiceUnavailable and
    // 2 resets, never three in a row, so every call succeeds within 3 attempts (asserted below, not assumed).
    const emulator = await startCloudFrontEmulator({
      distributions: [DIST],
      faults: { seed: 1, throttleRate: 0.1, serviceUnavailableRate: 0.1, connectionResetRate: 0.1 },
    });
    started.push(emulator);
    // The SDK's defaults, spelled out so AWS_MAX_ATTEMPTS or AWS_RETRY_MODE in the environment cannot change them.
    const client = new CloudFrontClient({
      endpoint: emulator.endpoint,
      region: CLOUDFRONT_REGION,
      credentials: fakeCredentials,
      retryMode: 'standard',
      maxAttempts: 3,
    });
    clients.push(client);

    // Act
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await createInvalidation(client, DIST, [`/page-${i}.html`]));

    // Assess
    const faults = emulator.stats().faults;
    expect(faults.throttling).toBeGreaterThan(0);
    expect(faults.serviceUnavailable).toBeGreaterThan(0);
    expect(faults.connectionReset).toBeGreaterThan(0);
    expect(results.every((r) => r.$metadata.httpStatusCode === 201)).toBe(true);
    expect(results.reduce((sum, r) => sum + (r.$metadata.attempts ?? 0), 0)).toBe(emulator.requests.length);
    expect(Math.max(...results.map((r) => r.$metadata.attempts ?? 0))).toBe(3);
    // A faulted request has no effect, so retries create no duplicates.
    expect(emulator.invalidations(DIST).map((inv) => inv.paths[0])).toStrictEqual(results.map((_, i) => `/page-${i}.html`));
  });
});
