import { GetInvalidationCommand, ListInvalidationsCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InProgressReader } from '../../lambda/submit/in-progress.ts';
import { startCloudFrontEmulator, type CloudFrontEmulator } from '../../local/cloudfront-emulator/index.ts';
import { createMotoDistribution, motoSkipReason, startMoto, type MotoServer } from '../helpers/moto.ts';
import { cloudFrontClient, createInvalidation, FakeClock, filePaths, wildcardPaths } from './support.ts';

/**
 * InProgressReader over HTTP through the real SDK: ListInvalidations and GetInvalidation as the wire carries them,
 * against our CloudFront emulator (invalidations in progress for a while, newest first, paged) and against moto
 * (the reference for the wire shapes; it completes invalidations at once).
 */

const DIST = 'EREADEREXAMPLE';
const OTHER = 'EOTHEREXAMPLE';
const COMPLETION_MS = 60_000;

describe('InProgressReader against the CloudFront emulator', () => {
  let emulator: CloudFrontEmulator;
  let client: CloudFrontClient;
  let clock: FakeClock;

  beforeAll(async () => {
    clock = new FakeClock();
    emulator = await startCloudFrontEmulator({ distributions: [DIST, OTHER], completionDelayMs: COMPLETION_MS, now: clock.now });
    client = cloudFrontClient(emulator.endpoint);
  });
  afterEach(() => emulator.reset());
  afterAll(async () => {
    client?.destroy();
    await emulator?.close();
  });

  /** GetInvalidation requests the emulator answered. */
  const gets = () => emulator.requests.filter((request) => request.operation === 'GetInvalidation').length;

  it('counts what is in progress, and nothing once CloudFront completes it', async () => {
    // Prepare: two invalidations 30 s apart on DIST, one on OTHER
    const start = clock.now();
    await createInvalidation(client, DIST, [...filePaths(2_000), ...wildcardPaths(3)]);
    clock.advance(30_000);
    await createInvalidation(client, DIST, [...filePaths(990, '/more'), '/*']);
    await createInvalidation(client, OTHER, ['/other.html']);
    const reader = new InProgressReader();

    // Act + Assess: both in progress; the oldest created at the start
    expect(await reader.read(client, DIST, clock.now())).toStrictEqual({ known: true, files: 2_990, wildcards: 4, invalidations: 2, oldestCreatedAt: start });
    expect(gets()).toBe(2);

    // ... a minute after the first: it completed, the second has not
    clock.advance(COMPLETION_MS - 30_000);
    expect(await reader.read(client, DIST, clock.now())).toStrictEqual({ known: true, files: 990, wildcards: 1, invalidations: 1, oldestCreatedAt: start + 30_000 });
    // The second invalidation's paths were read once already: no GetInvalidation again
    expect(gets()).toBe(2);

    // ... and once both completed, nothing is in progress
    clock.advance(30_000);
    expect(await reader.read(client, DIST, clock.now())).toStrictEqual({ known: true, files: 0, wildcards: 0, invalidations: 0 });
    expect(gets()).toBe(2);
  });

  it('pages through more than 100 invalidations in progress with the Marker CloudFront returns', async () => {
    // Prepare: 105 invalidations, a path each, 100 ms apart (all within the completion delay)
    for (let index = 0; index < 105; index++) {
      await createInvalidation(client, OTHER, [`/page-${index}.html`]);
      clock.advance(100);
    }

    // Act
    const snapshot = await new InProgressReader().read(client, OTHER, clock.now());

    // Assess: every one counted, from two pages
    expect(snapshot).toStrictEqual({ known: true, files: 105, wildcards: 0, invalidations: 105, oldestCreatedAt: clock.now() - 10_500 });
    const lists = emulator.requests.filter((request) => request.operation === 'ListInvalidations');
    expect(lists).toHaveLength(2);
  });

  it('gives known: false, naming the error, for a distribution CloudFront does not know', async () => {
    // Act
    const snapshot = await new InProgressReader().read(client, 'ENOSUCHDIST', clock.now());

    // Assess
    expect(snapshot).toMatchObject({ known: false, files: 0, wildcards: 0, invalidations: 0, error: expect.stringMatching(/^NoSuchDistribution: /) });
  });
});

const skipReason = motoSkipReason();

describe.skipIf(skipReason !== undefined)('InProgressReader against moto', () => {
  let moto: MotoServer;
  let client: CloudFrontClient;
  let distributionId: string;

  beforeAll(async () => {
    moto = await startMoto();
    client = cloudFrontClient(moto.endpoint);
    distributionId = await createMotoDistribution(client, 'in-progress-reader');
  });
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it('parses moto’s List and Get answers and finds nothing in progress: moto completes invalidations at once', async () => {
    // Prepare
    await createInvalidation(client, distributionId, ['/index.html', '/images/*']);
    await createInvalidation(client, distributionId, filePaths(20));

    // Act
    const snapshot = await new InProgressReader().read(client, distributionId, Date.now());

    // Assess
    expect(snapshot).toStrictEqual({ known: true, files: 0, wildcards: 0, invalidations: 0 });
    // ... and the fields the reader reads are where it reads them, with its types (moto's Status aside)
    const list = (await client.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 }))).InvalidationList!;
    expect(list.IsTruncated).toBe(false);
    expect(list.Items!.map((item) => [typeof item.Id, item.CreateTime instanceof Date, item.Status])).toStrictEqual([
      ['string', true, 'COMPLETED'],
      ['string', true, 'COMPLETED'],
    ]);
    const batches = await Promise.all(
      list.Items!.map(async ({ Id }) => (await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id }))).Invalidation!.InvalidationBatch!.Paths!.Items!),
    );
    expect(batches.map((paths) => [...paths].sort()).sort((a, b) => a.length - b.length)).toStrictEqual([['/images/*', '/index.html'], filePaths(20).sort()]);
  });
});
