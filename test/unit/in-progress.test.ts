import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand, type InvalidationSummary } from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InProgressReader } from '../../lambda/submit/in-progress.ts';
import { awsError } from '../helpers/factories.ts';

/**
 * InProgressReader with CloudFront mocked at the SDK boundary: what it counts, how it pages, where it stops, what
 * it caches, and that a failure is reported, not thrown.
 */

const DIST = 'EDFDVBD6EXAMPLE';
const OTHER = 'E2QWRUHEXAMPLE';
const NOW = Date.parse('2026-12-06T12:00:00.000Z');

const client = new CloudFrontClient({ region: 'us-east-1' });
const cloudfront = mockClient(client);

/** An invalidation summary created `secondsAgo` before NOW. */
function summary(id: string, secondsAgo: number, status = 'InProgress'): InvalidationSummary {
  return { Id: id, CreateTime: new Date(NOW - secondsAgo * 1_000), Status: status };
}

/** A ListInvalidations page. */
function page(items: InvalidationSummary[], nextMarker?: string) {
  return {
    InvalidationList: {
      Marker: '',
      MaxItems: 100,
      IsTruncated: nextMarker !== undefined,
      Quantity: items.length,
      Items: items,
      ...(nextMarker === undefined ? {} : { NextMarker: nextMarker }),
    },
  };
}

/** Answer GetInvalidation of each id with its paths. */
function invalidations(pathsById: Record<string, string[]>): void {
  for (const [id, paths] of Object.entries(pathsById)) {
    cloudfront.on(GetInvalidationCommand, { Id: id }).resolves({
      Invalidation: {
        Id: id,
        Status: 'InProgress',
        CreateTime: new Date(NOW),
        InvalidationBatch: { CallerReference: id, Paths: { Quantity: paths.length, Items: paths } },
      },
    });
  }
}

/** `count` distinct file paths. */
function files(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `/${prefix}/${index}.html`);
}

beforeEach(() => {
  cloudfront.reset();
});

describe('InProgressReader', () => {
  it('counts the files and wildcards of the invalidations in progress only', async () => {
    // Prepare: two in progress, one completed a minute ago
    cloudfront.on(ListInvalidationsCommand).resolves(page([summary('I3', 10), summary('I2', 40), summary('I1', 120, 'Completed')]));
    invalidations({ I3: ['/a', '/b', '/news/*'], I2: [...files('p', 2_000), '/*'], I1: files('done', 500) });

    // Act
    const snapshot = await new InProgressReader().read(client, DIST, NOW);

    // Assess: 2,002 files and 2 wildcards in 2 invalidations; the oldest created 40 s ago
    expect(snapshot).toStrictEqual({ known: true, files: 2_002, wildcards: 2, invalidations: 2, oldestCreatedAt: NOW - 40_000 });
    expect(cloudfront.commandCalls(GetInvalidationCommand).map((call) => call.args[0].input.Id).sort()).toStrictEqual(['I2', 'I3']);
  });

  it('counts only the status InProgress, in any case: moto’s COMPLETED is not in progress', async () => {
    // Prepare
    cloudfront.on(ListInvalidationsCommand).resolves(page([summary('I3', 10, 'COMPLETED'), summary('I2', 20, 'INPROGRESS'), summary('I1', 30, 'Completed')]));
    invalidations({ I3: ['/3'], I2: ['/2'], I1: ['/1'] });

    // Act
    const snapshot = await new InProgressReader().read(client, DIST, NOW);

    // Assess
    expect(snapshot).toStrictEqual({ known: true, files: 1, wildcards: 0, invalidations: 1, oldestCreatedAt: NOW - 20_000 });
  });

  it('reports nothing in progress, and gets no invalidation, when every one listed is completed', async () => {
    // Prepare
    cloudfront.on(ListInvalidationsCommand).resolves(page([summary('I2', 30, 'Completed'), summary('I1', 90, 'Completed')]));

    // Act
    const snapshot = await new InProgressReader().read(client, DIST, NOW);

    // Assess
    expect(snapshot).toStrictEqual({ known: true, files: 0, wildcards: 0, invalidations: 0 });
    expect(cloudfront.commandCalls(GetInvalidationCommand)).toHaveLength(0);
  });

  it('reports nothing in progress for a distribution without invalidations (no Items)', async () => {
    // Prepare: CloudFront leaves Items out of an empty list
    cloudfront.on(ListInvalidationsCommand).resolves({ InvalidationList: { Marker: '', MaxItems: 100, IsTruncated: false, Quantity: 0 } });

    // Act
    const snapshot = await new InProgressReader().read(client, DIST, NOW);

    // Assess
    expect(snapshot).toStrictEqual({ known: true, files: 0, wildcards: 0, invalidations: 0 });
  });

  it('pages with Marker and NextMarker until a page is not truncated', async () => {
    // Prepare: three pages, all within the last ten minutes
    cloudfront
      .on(ListInvalidationsCommand, { Marker: undefined })
      .resolves(page([summary('I5', 10), summary('I4', 20)], 'I4'))
      .on(ListInvalidationsCommand, { Marker: 'I4' })
      .resolves(page([summary('I3', 30), summary('I2', 40)], 'I2'))
      .on(ListInvalidationsCommand, { Marker: 'I2' })
      .resolves(page([summary('I1', 50)]));
    invalidations({ I5: ['/5'], I4: ['/4'], I3: ['/3'], I2: ['/2'], I1: ['/1/*'] });

    // Act
    const snapshot = await new InProgressReader().read(client, DIST, NOW);

    // Assess
    expect(snapshot).toStrictEqual({ known: true, files: 4, wildcards: 1, invalidations: 5, oldestCreatedAt: NOW - 50_000 });
    expect(cloudfront.commandCalls(ListInvalidationsCommand).map((call) => call.args[0].input)).toStrictEqual([
      { DistributionId: DIST, MaxItems: 100, Marker: undefined },
      { DistributionId: DIST, MaxItems: 100, Marker: 'I4' },
      { DistributionId: DIST, MaxItems: 100, Marker: 'I2' },
    ]);
  });

  it('stops at an invalidation created longer ago than the 30-minute horizon, reading no further page', async () => {
    // Prepare: the first page ends with one 31 minutes old that CloudFront still calls InProgress; a next page exists
    cloudfront
      .on(ListInvalidationsCommand, { Marker: undefined })
      .resolves(page([summary('I9', 20), summary('I8', 31 * 60)], 'I8'))
      .on(ListInvalidationsCommand, { Marker: 'I8' })
      .resolves(page([summary('I7', 32 * 60)]));
    invalidations({ I9: ['/new'], I8: files('old', 100), I7: files('older', 100) });

    // Act
    const snapshot = await new InProgressReader().read(client, DIST, NOW);

    // Assess: only I9 counts; the second page is never asked for
    expect(snapshot).toStrictEqual({ known: true, files: 1, wildcards: 0, invalidations: 1, oldestCreatedAt: NOW - 20_000 });
    expect(cloudfront.commandCalls(ListInvalidationsCommand)).toHaveLength(1);
    expect(cloudfront.commandCalls(GetInvalidationCommand).map((call) => call.args[0].input.Id)).toStrictEqual(['I9']);
  });

  it('gets each invalidation once per (distribution, id) across reads, and again for the same id elsewhere', async () => {
    // Prepare: I1 in progress on both distributions (ids are per distribution)
    cloudfront.on(ListInvalidationsCommand).resolves(page([summary('I1', 10)]));
    cloudfront
      .on(GetInvalidationCommand, { DistributionId: DIST, Id: 'I1' })
      .resolves({ Invalidation: { Id: 'I1', Status: 'InProgress', CreateTime: new Date(NOW), InvalidationBatch: { CallerReference: 'r', Paths: { Quantity: 2, Items: ['/a', '/b'] } } } })
      .on(GetInvalidationCommand, { DistributionId: OTHER, Id: 'I1' })
      .resolves({ Invalidation: { Id: 'I1', Status: 'InProgress', CreateTime: new Date(NOW), InvalidationBatch: { CallerReference: 'r', Paths: { Quantity: 1, Items: ['/*'] } } } });
    const reader = new InProgressReader();

    // Act: the same distribution twice, a later batch; then the other distribution
    const first = await reader.read(client, DIST, NOW);
    const second = await reader.read(client, DIST, NOW + 5_000);
    const other = await reader.read(client, OTHER, NOW + 5_000);

    // Assess: two GetInvalidation calls in all, and the second read counts from the cache
    expect(first).toStrictEqual({ known: true, files: 2, wildcards: 0, invalidations: 1, oldestCreatedAt: NOW - 10_000 });
    expect(second).toStrictEqual(first);
    expect(other).toStrictEqual({ known: true, files: 0, wildcards: 1, invalidations: 1, oldestCreatedAt: NOW - 10_000 });
    expect(cloudfront.commandCalls(GetInvalidationCommand).map((call) => call.args[0].input)).toStrictEqual([
      { DistributionId: DIST, Id: 'I1' },
      { DistributionId: OTHER, Id: 'I1' },
    ]);
    expect(cloudfront.commandCalls(ListInvalidationsCommand)).toHaveLength(3);
  });

  it('gives known: false with the error, and does not throw, when ListInvalidations is refused', async () => {
    // Prepare
    cloudfront.on(ListInvalidationsCommand).rejects(awsError('AccessDenied', 'User is not authorized to perform: cloudfront:ListInvalidations', 403));

    // Act
    const snapshot = await new InProgressReader().read(client, DIST, NOW);

    // Assess
    expect(snapshot).toStrictEqual({
      known: false,
      files: 0,
      wildcards: 0,
      invalidations: 0,
      error: 'AccessDenied: User is not authorized to perform: cloudfront:ListInvalidations',
    });
  });

  it('gives known: false when a later page or a GetInvalidation fails', async () => {
    // Prepare: the second page is throttled on one distribution; GetInvalidation refused on the other
    cloudfront
      .on(ListInvalidationsCommand, { DistributionId: DIST, Marker: undefined })
      .resolves(page([summary('I2', 10)], 'I2'))
      .on(ListInvalidationsCommand, { DistributionId: DIST, Marker: 'I2' })
      .rejects(awsError('Throttling', 'Rate exceeded', 400))
      .on(ListInvalidationsCommand, { DistributionId: OTHER })
      .resolves(page([summary('I1', 10)]))
      .on(GetInvalidationCommand)
      .rejects(awsError('AccessDenied', 'not authorized to perform: cloudfront:GetInvalidation', 403));
    const reader = new InProgressReader();

    // Act
    const paged = await reader.read(client, DIST, NOW);
    const got = await reader.read(client, OTHER, NOW);

    // Assess
    expect(paged).toMatchObject({ known: false, files: 0, wildcards: 0, invalidations: 0, error: 'Throttling: Rate exceeded' });
    expect(got).toMatchObject({ known: false, error: 'AccessDenied: not authorized to perform: cloudfront:GetInvalidation' });
  });
});
