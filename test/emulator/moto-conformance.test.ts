/**
 * Conformance: the same SDK call sequences against moto (5.2.1, `moto_server`) and against our emulator.
 * moto is the reference for the wire format: response shapes, field names and types, error names, HTTP statuses
 * and messages. Where moto models less of CloudFront than we do, each test says so and pins down what each side
 * does, so a change in either shows up here.
 *
 * What moto 5.2.1 does not model (found by running it, and in moto/cloudfront/models.py):
 * - invalidations are created `COMPLETED` (upper case) at once; CloudFront says `InProgress`, then `Completed`;
 * - no CallerReference idempotency: a repeat creates a new invalidation, other paths are accepted too;
 * - no path rules (`/a*b`, no leading slash, over 4,000 characters all accepted), no Quantity check (it reports
 *   the number of items and ignores the Quantity sent), no in-progress limits;
 * - ListInvalidations: oldest first, MaxItems and Marker ignored, no Marker element, and an unknown distribution
 *   gives an empty list instead of NoSuchDistribution.
 */
import {
  GetInvalidationCommand,
  ListInvalidationsCommand,
  type CloudFrontClient,
} from '@aws-sdk/client-cloudfront';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PATH_LENGTH } from '../../lambda/limits.ts';
import { startCloudFrontEmulator, type CloudFrontEmulator } from '../../local/cloudfront-emulator/index.ts';
import { createMotoDistribution, motoSkipReason, startMoto, type MotoServer } from '../helpers/moto.ts';
import { cloudFrontClient, createInvalidation, describeFailure, failureOf } from './support.ts';

/** The paths every scenario invalidates: plain, wildcard, and characters XML or URLs treat specially. */
const PATHS = ['/index.html', '/images/*', '/a&b', '/q?x=1&y=<2>', '/%E2%82%AC', `/"quoted'"`];
const OTHER_PATHS = ['/other.html'];

/** Value types, recursively; arrays as the set of their item shapes. Field names and types, not values. */
function shape(value: unknown): unknown {
  if (value instanceof Date) return 'Date';
  if (Array.isArray(value)) {
    const items = new Map(value.map((item) => [JSON.stringify(shape(item)), shape(item)]));
    return [...items.values()];
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shape(v)]),
    );
  }
  return typeof value;
}

interface Side {
  readonly name: 'moto' | 'emulator';
  readonly client: CloudFrontClient;
  readonly distributionId: string;
}

const skipReason = motoSkipReason();

describe.skipIf(skipReason !== undefined)('conformance with moto', () => {
  let moto: MotoServer;
  let emulator: CloudFrontEmulator;
  let motoSide: Side;
  let emulatorSide: Side;

  beforeAll(async () => {
    moto = await startMoto();
    const motoClient = cloudFrontClient(moto.endpoint);
    const distributionId = await createMotoDistribution(motoClient, 'conformance');
    // The emulator gets moto's distribution id, so Location headers and errors compare directly.
    emulator = await startCloudFrontEmulator({ distributions: [distributionId] });
    motoSide = { name: 'moto', client: motoClient, distributionId };
    emulatorSide = { name: 'emulator', client: cloudFrontClient(emulator.endpoint), distributionId };
  });

  afterAll(async () => {
    motoSide?.client.destroy();
    emulatorSide?.client.destroy();
    await emulator?.close();
    await moto?.stop();
  });

  /** Runs `scenario` against both sides (moto first), each with its own CallerReference namespace. */
  async function both<T>(scenario: (side: Side, ref: (name: string) => string) => Promise<T>): Promise<{ moto: T; emulator: T }> {
    const run = (side: Side) => scenario(side, (name) => `${name}-${side.name}-${Date.now()}`);
    return { moto: await run(motoSide), emulator: await run(emulatorSide) };
  }

  it('CreateInvalidation and GetInvalidation: same shape, status code, Location and batch', async () => {
    // Act
    const result = await both(async ({ client, distributionId }, ref) => {
      const created = await createInvalidation(client, distributionId, PATHS, { callerReference: ref('create') });
      const got = await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: created.Invalidation!.Id }));
      return { created, got };
    });

    // Assess: agreement
    expect(shape(result.emulator.created)).toStrictEqual(shape(result.moto.created));
    expect(shape(result.emulator.got)).toStrictEqual(shape(result.moto.got));
    for (const side of [result.moto, result.emulator]) {
      const { created, got } = side;
      expect(created.$metadata.httpStatusCode).toBe(201);
      expect(got.$metadata.httpStatusCode).toBe(200);
      expect(created.Location).toBe(
        `https://cloudfront.amazonaws.com/2020-05-31/distribution/${motoSide.distributionId}/invalidation/${created.Invalidation!.Id}`,
      );
      expect(created.Invalidation?.InvalidationBatch?.Paths).toStrictEqual({ Quantity: PATHS.length, Items: PATHS });
      expect(got.Invalidation).toStrictEqual(created.Invalidation);
      expect(Math.abs(created.Invalidation!.CreateTime!.getTime() - Date.now())).toBeLessThan(60_000);
    }
    // Assess: where moto models less. CloudFront reports InProgress, then Completed; moto says COMPLETED at once.
    expect(result.moto.created.Invalidation?.Status).toBe('COMPLETED');
    expect(result.emulator.created.Invalidation?.Status).toBe('Completed');
  });

  it('ListInvalidations: same shape and defaults; ordering, paging and Marker differ', async () => {
    // Act
    const result = await both(async ({ client, distributionId }, ref) => {
      const first = await createInvalidation(client, distributionId, PATHS, { callerReference: ref('list-1') });
      const second = await createInvalidation(client, distributionId, OTHER_PATHS, { callerReference: ref('list-2') });
      const listed = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
      const paged = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 1 }));
      return { ids: [first.Invalidation!.Id!, second.Invalidation!.Id!], listed, paged };
    });

    // Assess: agreement. CloudFront's model requires Marker, which moto leaves out; the emulator sends it empty.
    const { Marker, ...emulatorList } = result.emulator.listed.InvalidationList!;
    expect(Marker).toBe('');
    expect(shape(emulatorList)).toStrictEqual(shape(result.moto.listed.InvalidationList));
    for (const { listed, ids } of [result.moto, result.emulator]) {
      expect(listed.$metadata.httpStatusCode).toBe(200);
      expect(listed.InvalidationList).toMatchObject({ MaxItems: 100, IsTruncated: false });
      expect(listed.InvalidationList?.Quantity).toBe(listed.InvalidationList?.Items?.length);
      expect(listed.InvalidationList?.Items?.map((item) => item.Id)).toEqual(expect.arrayContaining(ids));
    }
    // Assess: CloudFront lists newest first; moto oldest first.
    const position = (side: typeof result.moto) => side.ids.map((id) => side.listed.InvalidationList!.Items!.findIndex((i) => i.Id === id));
    const [motoFirst, motoSecond] = position(result.moto);
    const [emulatorFirst, emulatorSecond] = position(result.emulator);
    expect(motoFirst).toBeLessThan(motoSecond!);
    expect(emulatorFirst).toBeGreaterThan(emulatorSecond!);
    // Assess: moto ignores MaxItems; the emulator pages.
    expect(result.moto.paged.InvalidationList).toMatchObject({ MaxItems: 100, IsTruncated: false });
    expect(result.moto.paged.InvalidationList?.Quantity).toBe(result.moto.listed.InvalidationList?.Quantity);
    expect(result.emulator.paged.InvalidationList).toMatchObject({ MaxItems: 1, IsTruncated: true, Quantity: 1, NextMarker: expect.any(String) });
  });

  it('ListInvalidations then GetInvalidation of each listed id (what the handler reads before sending): the summary agrees with the invalidation on both sides', async () => {
    // Act
    const result = await both(async ({ client, distributionId }, ref) => {
      await createInvalidation(client, distributionId, PATHS, { callerReference: ref('read-1') });
      await createInvalidation(client, distributionId, OTHER_PATHS, { callerReference: ref('read-2') });
      const listed = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
      const items = listed.InvalidationList?.Items ?? [];
      const got = await Promise.all(items.map((item) => client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: item.Id }))));
      return { items, got };
    });

    // Assess: Id, CreateTime and Status of each summary are the invalidation's own, and the batch carries its paths
    for (const { items, got } of [result.moto, result.emulator]) {
      expect(items.length).toBeGreaterThanOrEqual(2);
      items.forEach((item, index) => {
        const invalidation = got[index]!.Invalidation!;
        expect({ Id: invalidation.Id, CreateTime: invalidation.CreateTime, Status: invalidation.Status }).toStrictEqual({ Id: item.Id, CreateTime: item.CreateTime, Status: item.Status });
        expect(invalidation.InvalidationBatch?.Paths?.Quantity).toBe(invalidation.InvalidationBatch?.Paths?.Items?.length);
      });
    }
    // Assess: the status words differ (moto completes at once, in upper case); the emulator without a delay says Completed
    expect(new Set(result.moto.items.map((item) => item.Status))).toStrictEqual(new Set(['COMPLETED']));
    expect(new Set(result.emulator.items.map((item) => item.Status))).toStrictEqual(new Set(['Completed']));
  });

  it('errors: same name, HTTP status, message and fault for unknown distributions and invalidations', async () => {
    // Act
    const result = await both(async ({ client, distributionId }) => ({
      createUnknownDistribution: await failureOf(createInvalidation(client, 'ENOSUCHDIST0001', ['/a'])),
      getUnknownDistribution: await failureOf(client.send(new GetInvalidationCommand({ DistributionId: 'ENOSUCHDIST0001', Id: 'INOSUCH' }))),
      getUnknownInvalidation: await failureOf(client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: 'INOSUCH' }))),
    }));

    // Assess
    expect(result.emulator).toStrictEqual(result.moto);
    expect(result.moto.createUnknownDistribution).toStrictEqual({
      name: 'NoSuchDistribution',
      httpStatusCode: 404,
      message: 'The specified distribution does not exist.',
      fault: 'client',
      code: undefined,
    });
    expect(result.moto.getUnknownInvalidation).toMatchObject({ name: 'NoSuchInvalidation', httpStatusCode: 404 });
  });

  it('ListInvalidations of an unknown distribution: moto lists nothing, CloudFront (and the emulator) say NoSuchDistribution', async () => {
    // Act
    const motoList = await motoSide.client.send(new ListInvalidationsCommand({ DistributionId: 'ENOSUCHDIST0001' }));
    const emulatorFailure = await failureOf(emulatorSide.client.send(new ListInvalidationsCommand({ DistributionId: 'ENOSUCHDIST0001' })));

    // Assess
    expect(motoList.InvalidationList).toMatchObject({ Quantity: 0, IsTruncated: false });
    expect(emulatorFailure).toMatchObject({ name: 'NoSuchDistribution', httpStatusCode: 404 });
  });

  it('same CallerReference twice: moto creates two invalidations, CloudFront (and the emulator) return the first', async () => {
    // Act
    const result = await both(async ({ client, distributionId }, ref) => {
      const callerReference = ref('twice');
      const first = await createInvalidation(client, distributionId, PATHS, { callerReference });
      const again = await createInvalidation(client, distributionId, PATHS, { callerReference });
      const conflicting = await createInvalidation(client, distributionId, OTHER_PATHS, { callerReference }).catch(describeFailure);
      return { first, again, conflicting };
    });

    // Assess: agreement on the repeat's status code and shape
    expect(result.moto.again.$metadata.httpStatusCode).toBe(201);
    expect(result.emulator.again.$metadata.httpStatusCode).toBe(201);
    expect(shape(result.emulator.again)).toStrictEqual(shape(result.moto.again));
    // Assess: moto does not model idempotency
    expect(result.moto.again.Invalidation?.Id).not.toBe(result.moto.first.Invalidation?.Id);
    expect(result.emulator.again.Invalidation?.Id).toBe(result.emulator.first.Invalidation?.Id);
    expect(result.moto.conflicting).toMatchObject({ $metadata: { httpStatusCode: 201 } });
    expect(result.emulator.conflicting).toMatchObject({ name: 'InvalidationBatchAlreadyExists', httpStatusCode: 409 });
  });

  it('path and quantity rules: moto accepts what CloudFront (and the emulator) reject', async () => {
    // Act
    const cases = {
      starInTheMiddle: { paths: ['/a*b'] },
      noLeadingSlash: { paths: ['index.html'] },
      tooLong: { paths: [`/${'a'.repeat(MAX_PATH_LENGTH)}`] },
      inconsistentQuantity: { paths: ['/a', '/b'], quantity: 3 },
    };
    const result = await both(async ({ client, distributionId }) => {
      const outcomes: Record<string, unknown> = {};
      for (const [name, { paths, ...options }] of Object.entries(cases)) {
        outcomes[name] = await createInvalidation(client, distributionId, paths, options).then(
          (created) => ({ status: created.$metadata.httpStatusCode, quantity: created.Invalidation?.InvalidationBatch?.Paths?.Quantity }),
          (error: unknown) => {
            const failure = describeFailure(error);
            return { status: failure.httpStatusCode, name: failure.name };
          },
        );
      }
      return outcomes;
    });

    // Assess
    expect(result.moto).toStrictEqual({
      starInTheMiddle: { status: 201, quantity: 1 },
      noLeadingSlash: { status: 201, quantity: 1 },
      tooLong: { status: 201, quantity: 1 },
      inconsistentQuantity: { status: 201, quantity: 2 }, // moto reports the items it got, not the Quantity sent
    });
    expect(result.emulator).toStrictEqual({
      starInTheMiddle: { status: 400, name: 'InvalidArgument' },
      noLeadingSlash: { status: 400, name: 'InvalidArgument' },
      tooLong: { status: 400, name: 'InvalidArgument' },
      inconsistentQuantity: { status: 400, name: 'InconsistentQuantities' },
    });
  });
});
