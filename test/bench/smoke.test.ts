import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { bundleHandler, measureInit } from '../../bench/coldstart.ts';
import { batchEvents, batchingModel, createReplay, replayWindow } from '../../bench/cost.ts';
import { buildSite } from '../../bench/site.ts';
import { publishStream, WORKING_DAY, type StreamOptions } from '../../bench/stream.ts';
import { buildSqsEvent, measureThroughput } from '../../bench/throughput.ts';

/**
 * The benchmark's code on tiny inputs: structure and invariants only, never timings (`npm run bench` measures).
 */

const TINY_STREAM: StreamOptions = {
  ...WORKING_DAY,
  events: 150,
  durationMs: 3_600_000,
  bursts: 1,
  burstPages: { min: 30, max: 40 },
};

function tinyReplay() {
  const site = buildSite({ pageCount: 300, seed: 3 });
  const events = publishStream(site, TINY_STREAM);
  return { site, events, replay: createReplay(events, site) };
}

describe('bench: synthetic site and publish stream', () => {
  it('builds a site of exactly the pages asked for, each path unique, every parent a page', () => {
    // Act
    const site = buildSite({ pageCount: 300, seed: 3 });

    // Assess
    const paths = new Set(site.pages.map((page) => page.path));
    expect(site.pages).toHaveLength(300);
    expect(paths.size).toBe(300);
    for (const page of site.pages) if (page.parent !== undefined) expect(paths.has(page.parent)).toBe(true);
    expect(site.byRank).toHaveLength(300);
  });

  it('generates the same sorted stream for the same seed, each publish naming page, listing and /', () => {
    // Prepare
    const site = buildSite({ pageCount: 300, seed: 3 });

    // Act
    const first = publishStream(site, TINY_STREAM);
    const second = publishStream(site, TINY_STREAM);

    // Assess
    expect(first).toStrictEqual(second);
    expect(first).toHaveLength(150);
    expect(first.filter((event) => event.burst !== undefined).length).toBeGreaterThanOrEqual(30);
    for (let index = 1; index < first.length; index++) expect(first[index]!.atMs).toBeGreaterThanOrEqual(first[index - 1]!.atMs);
    for (const event of first) {
      const urls = (JSON.parse(event.body) as { urls: string[] }).urls;
      expect(urls[0]).toBe(`https://${site.hostname}${event.page}`);
      expect(urls.at(-1)).toBe(`https://${site.hostname}/`);
      expect(urls.length).toBeLessThanOrEqual(3);
    }
  });
});

describe('bench: cost replay', () => {
  it.each([0, 10, 60, 300])('window %i s: every event in exactly one batch, within the batch size, never before it was published', (window) => {
    // Prepare
    const { events } = tinyReplay();
    const model = batchingModel(window);

    // Act
    const batches = batchEvents(events, model);

    // Assess
    expect(batches.flatMap((batch) => batch.events)).toStrictEqual(events);
    for (const batch of batches) {
      expect(batch.events.length).toBeGreaterThan(0);
      expect(batch.events.length).toBeLessThanOrEqual(model.batchSize);
      for (const event of batch.events) expect(batch.startMs).toBeGreaterThanOrEqual(event.atMs);
    }
  });

  it.each([0, 10, 60, 300])('window %i s: billed paths equal the lower bound, fewer calls and paths than direct', (window) => {
    // Prepare
    const { replay, events } = tinyReplay();

    // Act
    const cost = replayWindow(replay, window);

    // Assess
    expect(cost.directCalls).toBe(events.length);
    expect(cost.paths).toBe(cost.lowerBoundPaths);
    expect(cost.calls).toBe(cost.lowerBoundCalls);
    expect(cost.calls).toBeLessThanOrEqual(cost.directCalls);
    expect(cost.paths).toBeLessThanOrEqual(cost.directPaths);
    expect(cost.overInvalidatedPaths).toBe(0);
    expect(cost.medianDelayMs).toBeLessThanOrEqual(cost.maxDelayMs);
    if (window > 0) expect(cost.maxDelayMs).toBeLessThanOrEqual(window * 1000);
  });

  it('is deterministic', () => {
    expect(replayWindow(tinyReplay().replay, 60)).toStrictEqual(replayWindow(tinyReplay().replay, 60));
  });

  it('with wildcardCollapse: never more billed paths than plain, over-invalidation counted only for wildcards', () => {
    // Prepare
    const { replay } = tinyReplay();
    const plain = replayWindow(replay, 60);

    // Act
    const collapsed = replayWindow(replay, 60, { wildcardCollapse: { minPathsPerDirectory: 5 } });

    // Assess
    expect(collapsed.paths).toBeLessThanOrEqual(plain.paths);
    expect(collapsed.wildcards).toBeGreaterThan(0);
    expect(collapsed.wildcardPaths.every((path) => path.endsWith('/*'))).toBe(true);
  });

  it('counts as over-invalidated the site pages a wildcard covers that its batch did not ask for', () => {
    // Prepare: /news/ and /news/d/ are pages under /news/* that nobody published
    const paths = ['/', '/news/', '/news/a/', '/news/b/', '/news/c/', '/news/d/', '/shop/'];
    const site = { hostname: 'www.example.com', pages: paths.map((path) => ({ path, parent: undefined })), byRank: [], descendants: new Map() };
    const urls = ['/news/a/', '/news/b/', '/news/c/'].map((path) => `https://www.example.com${path}`);
    const replay = createReplay([{ atMs: 0, page: '/news/a/', body: JSON.stringify({ urls }), burst: undefined }], site);

    // Act
    const plain = replayWindow(replay, 60);
    const collapsed = replayWindow(replay, 60, { wildcardCollapse: { minPathsPerDirectory: 3 } });

    // Assess
    expect(plain).toMatchObject({ paths: 3, wildcards: 0, overInvalidatedPaths: 0 });
    expect(collapsed).toMatchObject({ paths: 1, wildcards: 1, wildcardPaths: ['/news/*'], overInvalidatedPaths: 2 });
  });
});

describe('bench: handler throughput', () => {
  it('runs the real handler and the floor on a small event', async () => {
    // Prepare: Powertools Metrics prints its EMF line to stdout
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

    // Act
    let result: Awaited<ReturnType<typeof measureThroughput>>;
    try {
      result = await measureThroughput({ records: 200, warmup: 1, iterations: 2, seed: 1, pageCount: 300, sustainedRounds: 1, sustainedBlock: 2 });
    } finally {
      stdout.mockRestore();
    }

    // Assess
    expect(result.records).toBe(200);
    expect(result.recordsPerSecond).toBeGreaterThan(0);
    expect(result.floorRecordsPerSecond).toBeGreaterThan(0);
    expect(result.createInvalidationCallsPerBatch).toBeGreaterThanOrEqual(3);
    expect(result.urlsPerBatch).toBeGreaterThanOrEqual(200);
    expect(result.urlsPerBatch).toBeLessThanOrEqual(1000);
    expect(result.pathsSubmittedPerBatch).toBe(result.distinctUrlsPerBatch);
    expect(result.sustained.batches).toBe(2);
    expect(result.sustained.msPerBatch).toBeGreaterThan(0);
    expect(result.sustained.ratioToFloor).toBeCloseTo(result.sustained.floorMsPerBatch / result.sustained.msPerBatch, 2);
  });

  it('builds records of 1 to 5 URLs over 3 hosts', () => {
    // Act
    const event = buildSqsEvent(300, 2, 300);

    // Assess
    const hosts = new Set<string>();
    for (const record of event.Records) {
      const urls = (JSON.parse(record.body) as { urls: string[] }).urls;
      expect(urls.length).toBeGreaterThanOrEqual(1);
      expect(urls.length).toBeLessThanOrEqual(5);
      for (const url of urls) hosts.add(new URL(url).hostname);
    }
    expect(hosts.size).toBe(3);
  });
});

describe('bench: cold start and bundle', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cfiq-bundle-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles the handler with only the SDK commands it sends and nothing foreign, and the bundle imports', async () => {
    // Act
    const report = await bundleHandler(outdir);
    const timing = measureInit(report.file, 1);

    // Assess
    expect(report.bundleBytes).toBeGreaterThan(0);
    expect(report.sdkCommands).toStrictEqual([
      'ChangeMessageVisibilityBatchCommand',
      'CreateInvalidationCommand',
      // Distribution tenants: their own invalidation API, and tenantLookup's GetDistributionTenantByDomain.
      'CreateInvalidationForDistributionTenantCommand',
      // The send leases (DynamoDB): take and give back; DescribeEndpoints is the DynamoDB client's own endpoint
      // discovery, built in and never sent unless endpoint discovery is turned on.
      'DeleteItemCommand',
      'DescribeEndpointsCommand',
      'GetDistributionTenantByDomainCommand',
      'GetInvalidationCommand',
      'GetInvalidationForDistributionTenantCommand',
      'GetQueueAttributesCommand',
      'GetQueueUrlCommand',
      'ListInvalidationsCommand',
      'ListInvalidationsForDistributionTenantCommand',
      'PutItemCommand',
      'SendMessageBatchCommand',
    ]);
    expect(report.unexpectedInputs).toStrictEqual([]);
    expect(report.packages.some((entry) => entry.name.startsWith('lambda/'))).toBe(true);
    expect(timing.importNodeMs).toBeGreaterThan(0);
    expect(timing.bareNodeMs).toBeGreaterThan(0);
  });
});
