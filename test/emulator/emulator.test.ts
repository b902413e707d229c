/**
 * The CloudFront emulator's behaviour, observed the way the Lambda observes CloudFront: through the real
 * @aws-sdk/client-cloudfront over HTTP.
 */
import {
  GetInvalidationCommand,
  ListInvalidationsCommand,
  paginateListInvalidations,
  type CloudFrontClient,
  type InvalidationSummary,
} from '@aws-sdk/client-cloudfront';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PATH_LENGTH, MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';
import { startCloudFrontEmulator, type CloudFrontEmulator, type CloudFrontEmulatorOptions } from '../../local/cloudfront-emulator/index.ts';
import { cloudFrontClient, createInvalidation, failureOf, FakeClock, filePaths, wildcardPaths } from './support.ts';

const DIST = 'E2EMULATORTEST';
const OTHER_DIST = 'E3EMULATOROTHER';

describe('CloudFront emulator', () => {
  let emulator: CloudFrontEmulator;
  let client: CloudFrontClient;

  async function start(options: CloudFrontEmulatorOptions = { distributions: [DIST] }): Promise<void> {
    emulator = await startCloudFrontEmulator(options);
    client = cloudFrontClient(emulator.endpoint);
  }

  afterEach(async () => {
    client?.destroy();
    await emulator?.close();
  });

  it('defaults', async () => {
    // Prepare
    await start({});

    // Act
    const failure = await failureOf(createInvalidation(client, DIST, ['/index.html']));

    // Assess
    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.distributions).toStrictEqual([]);
    expect(failure).toMatchObject({ name: 'NoSuchDistribution', httpStatusCode: 404 });
    expect(emulator.stats()).toMatchObject({ requests: 1, faults: { throttling: 0, serviceUnavailable: 0, connectionReset: 0 } });
  });

  describe('CreateInvalidation', () => {
    beforeEach(() => start());

    it('answers 201 with a Location header and the Invalidation document', async () => {
      // Act
      const result = await createInvalidation(client, DIST, ['/index.html', '/images/*'], { callerReference: 'ref-1' });

      // Assess
      const invalidation = result.Invalidation!;
      expect(result.$metadata.httpStatusCode).toBe(201);
      expect(result.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(invalidation.Id).toMatch(/^I[A-Z0-9]{13}$/);
      expect(result.Location).toBe(`https://cloudfront.amazonaws.com/2020-05-31/distribution/${DIST}/invalidation/${invalidation.Id}`);
      expect(invalidation).toStrictEqual({
        Id: invalidation.Id,
        Status: 'Completed',
        CreateTime: expect.any(Date),
        InvalidationBatch: { CallerReference: 'ref-1', Paths: { Quantity: 2, Items: ['/index.html', '/images/*'] } },
      });
      expect(emulator.invalidations(DIST)).toStrictEqual([
        {
          distributionId: DIST,
          id: invalidation.Id,
          callerReference: 'ref-1',
          paths: ['/index.html', '/images/*'],
          createTime: invalidation.CreateTime,
          status: 'Completed',
        },
      ]);
    });

    it('answers NoSuchDistribution (404) for an unknown distribution, until it is added', async () => {
      // Act
      const failure = await failureOf(createInvalidation(client, OTHER_DIST, ['/a']));
      emulator.addDistribution(OTHER_DIST);
      const result = await createInvalidation(client, OTHER_DIST, ['/a']);

      // Assess
      expect(failure).toStrictEqual({
        name: 'NoSuchDistribution',
        httpStatusCode: 404,
        message: 'The specified distribution does not exist.',
        fault: 'client',
        code: undefined,
      });
      expect(result.$metadata.httpStatusCode).toBe(201);
      expect(emulator.distributions).toStrictEqual([DIST, OTHER_DIST]);
    });

    it('answers InconsistentQuantities (400) when Quantity differs from the number of paths', async () => {
      // Act
      const failure = await failureOf(createInvalidation(client, DIST, ['/a', '/b'], { quantity: 3 }));

      // Assess
      expect(failure).toMatchObject({
        name: 'InconsistentQuantities',
        httpStatusCode: 400,
        message: 'The specified quantity of Paths (3) does not match the actual quantity supplied (2).',
      });
      expect(emulator.invalidations()).toStrictEqual([]);
    });

    describe.each([
      ['without a leading slash', 'index.html'],
      ['with * in the middle', '/a*b'],
      ['with * at the start', '*/x'],
      ['with two *', '/a/**'],
      [`over ${MAX_PATH_LENGTH} characters`, `/${'a'.repeat(MAX_PATH_LENGTH)}`],
    ])('a path %s', (_, path) => {
      it('is InvalidArgument (400)', async () => {
        // Act
        const failure = await failureOf(createInvalidation(client, DIST, ['/fine', path]));

        // Assess
        expect(failure).toMatchObject({
          name: 'InvalidArgument',
          httpStatusCode: 400,
          message: 'Your request contains one or more invalid invalidation paths.',
        });
      });
    });

    it.each([
      ['the root wildcard', '/*'],
      ['a trailing wildcard', '/images/*'],
      ['a wildcard after a prefix', '/images/logo*'],
      [`exactly ${MAX_PATH_LENGTH} characters`, `/${'a'.repeat(MAX_PATH_LENGTH - 1)}`],
    ])('accepts %s', async (_, path) => {
      // Act
      const result = await createInvalidation(client, DIST, [path]);

      // Assess
      expect(result.Invalidation?.InvalidationBatch?.Paths?.Items).toStrictEqual([path]);
    });

    it('answers InvalidArgument (400) for an empty batch', async () => {
      // Act
      const failure = await failureOf(createInvalidation(client, DIST, []));

      // Assess
      expect(failure).toMatchObject({ name: 'InvalidArgument', httpStatusCode: 400 });
    });

    it(`answers BatchTooLarge (413) over ${MAX_PATHS_PER_INVALIDATION} paths, and accepts exactly that many`, async () => {
      // Act
      const failure = await failureOf(createInvalidation(client, DIST, filePaths(MAX_PATHS_PER_INVALIDATION + 1)));
      const result = await createInvalidation(client, DIST, filePaths(MAX_PATHS_PER_INVALIDATION));

      // Assess
      expect(failure).toMatchObject({ name: 'BatchTooLarge', httpStatusCode: 413 });
      expect(result.Invalidation?.InvalidationBatch?.Paths?.Quantity).toBe(MAX_PATHS_PER_INVALIDATION);
    });

    it('round-trips paths and CallerReference that need XML escaping', async () => {
      // Prepare
      const paths = [
        '/a&b',
        '/q?x=1&y=<2>',
        '/%E2%82%AC',
        `/quotes"and'apostrophes`,
        '/caf\u00e9/\u{1F600}',
        '/tab\tline\nreturn\r\nend',
        '/]]>/&amp;',
        '/ leading-and-trailing-space ',
      ];
      const callerReference = `<ref & "quotes" 'and' ]]> > done>`;

      // Act
      const created = await createInvalidation(client, DIST, paths, { callerReference });
      const got = await client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: created.Invalidation!.Id }));

      // Assess
      expect(created.Invalidation?.InvalidationBatch).toStrictEqual({ CallerReference: callerReference, Paths: { Quantity: paths.length, Items: paths } });
      expect(got.Invalidation).toStrictEqual(created.Invalidation);
      expect(emulator.invalidations(DIST)[0]?.paths).toStrictEqual(paths);
    });
    it('round-trips arbitrary paths through the SDK (property)', async () => {
      // Prepare: printable text mixed with the characters XML and URLs treat specially.
      const piece = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 8 }),
        fc.constantFrom('&', '<', '>', '"', "'", '\r', '\n', '\t', ']]>', '%E2%82%AC', '?a=1&b=2', '\u0085', '\u2028'),
      );
      const path = fc.array(piece, { maxLength: 8 }).map((pieces) => `/${pieces.join('').replaceAll('*', '')}`);

      // Act / Assess
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(path, { minLength: 1, maxLength: 5 }), async (paths) => {
          const created = await createInvalidation(client, DIST, paths);
          expect(created.Invalidation?.InvalidationBatch?.Paths?.Items).toStrictEqual(paths);
          expect(emulator.invalidations(DIST).at(-1)?.paths).toStrictEqual(paths);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('CallerReference', () => {
    beforeEach(() => start({ distributions: [DIST, OTHER_DIST] }));

    it('answers a repeat with the same paths (in any order) with the existing invalidation', async () => {
      // Act
      const first = await createInvalidation(client, DIST, ['/a', '/b'], { callerReference: 'deploy-42' });
      const again = await createInvalidation(client, DIST, ['/b', '/a'], { callerReference: 'deploy-42' });

      // Assess
      expect(again.$metadata.httpStatusCode).toBe(201);
      expect(again.Invalidation).toStrictEqual(first.Invalidation);
      expect(again.Location).toBe(first.Location);
      expect(emulator.invalidations()).toHaveLength(1);
      expect(emulator.stats()).toMatchObject({ invalidationsCreated: 1, replays: 1 });
      expect(emulator.requests.map((r) => r.outcome)).toStrictEqual(['success', 'replayed']);
    });

    it('answers a repeat with other paths with InvalidationBatchAlreadyExists (409)', async () => {
      // Act
      await createInvalidation(client, DIST, ['/a'], { callerReference: 'deploy-43' });
      const failure = await failureOf(createInvalidation(client, DIST, ['/a', '/b'], { callerReference: 'deploy-43' }));

      // Assess
      expect(failure).toMatchObject({ name: 'InvalidationBatchAlreadyExists', httpStatusCode: 409, fault: 'client' });
      expect(emulator.invalidations()).toHaveLength(1);
    });

    it('is scoped to the distribution', async () => {
      // Act
      const first = await createInvalidation(client, DIST, ['/a'], { callerReference: 'shared' });
      const other = await createInvalidation(client, OTHER_DIST, ['/b'], { callerReference: 'shared' });

      // Assess
      expect(other.Invalidation?.Id).not.toBe(first.Invalidation?.Id);
      expect(emulator.invalidations()).toHaveLength(2);
    });
  });

  describe('in-progress limits and completion', () => {
    const DELAY_MS = 60_000;
    let clock: FakeClock;

    beforeEach(async () => {
      clock = new FakeClock();
      await start({ distributions: [DIST, OTHER_DIST], completionDelayMs: DELAY_MS, now: clock.now });
    });

    it('reports InProgress until completionDelayMs has passed, then Completed', async () => {
      // Act
      const created = await createInvalidation(client, DIST, ['/a']);
      const id = created.Invalidation!.Id!;
      clock.advance(DELAY_MS - 1);
      const before = await client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: id }));
      clock.advance(1);
      const after = await client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: id }));

      // Assess
      expect(created.Invalidation?.Status).toBe('InProgress');
      expect(before.Invalidation?.Status).toBe('InProgress');
      expect(after.Invalidation?.Status).toBe('Completed');
      expect(after.Invalidation?.CreateTime).toStrictEqual(new Date(clock.now() - DELAY_MS));
    });

    it(`allows ${MAX_WILDCARDS_IN_PROGRESS} wildcard paths in progress, and more once they complete`, async () => {
      // Act
      await createInvalidation(client, DIST, wildcardPaths(MAX_WILDCARDS_IN_PROGRESS - 1));
      await createInvalidation(client, DIST, ['/last/*']);
      const full = await failureOf(createInvalidation(client, DIST, ['/one-more/*']));
      const fileStillFits = await createInvalidation(client, DIST, ['/plain.html']);
      const otherDistribution = await createInvalidation(client, OTHER_DIST, ['/one-more/*']);
      clock.advance(DELAY_MS);
      const freed = await createInvalidation(client, DIST, ['/one-more/*']);

      // Assess
      expect(full).toMatchObject({
        name: 'TooManyInvalidationsInProgress',
        httpStatusCode: 400,
        message: 'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.',
      });
      expect(fileStillFits.$metadata.httpStatusCode).toBe(201);
      expect(otherDistribution.$metadata.httpStatusCode).toBe(201);
      expect(freed.Invalidation?.Status).toBe('InProgress');
    });

    it(`rejects more than ${MAX_WILDCARDS_IN_PROGRESS} wildcard paths in one request`, async () => {
      // Act
      const failure = await failureOf(createInvalidation(client, DIST, wildcardPaths(MAX_WILDCARDS_IN_PROGRESS + 1)));

      // Assess
      expect(failure).toMatchObject({ name: 'TooManyInvalidationsInProgress', httpStatusCode: 400 });
    });

    it(`allows ${MAX_PATHS_PER_INVALIDATION} file paths in progress, and more once they complete`, async () => {
      // Act
      await createInvalidation(client, DIST, filePaths(MAX_PATHS_PER_INVALIDATION - 10, '/a'));
      await createInvalidation(client, DIST, filePaths(10, '/b'));
      const full = await failureOf(createInvalidation(client, DIST, ['/c.html']));
      const wildcardStillFits = await createInvalidation(client, DIST, ['/c/*']);
      clock.advance(DELAY_MS);
      const freed = await createInvalidation(client, DIST, ['/c.html']);

      // Assess
      expect(full).toMatchObject({
        name: 'TooManyInvalidationsInProgress',
        httpStatusCode: 400,
        message: 'Processing your request will cause you to exceed the maximum number of in-progress invalidations.',
      });
      expect(wildcardStillFits.$metadata.httpStatusCode).toBe(201);
      expect(freed.$metadata.httpStatusCode).toBe(201);
    });

    it('completeInvalidations() completes everything in progress at once', async () => {
      // Prepare
      await createInvalidation(client, DIST, wildcardPaths(MAX_WILDCARDS_IN_PROGRESS));

      // Act
      emulator.completeInvalidations(DIST);
      const next = await createInvalidation(client, DIST, ['/next/*']);

      // Assess
      expect(emulator.invalidations(DIST).map((inv) => inv.status)).toStrictEqual(['Completed', 'InProgress']);
      expect(next.$metadata.httpStatusCode).toBe(201);
      expect(emulator.stats().inProgress).toBe(1);
    });

    it('uses the real clock by default', async () => {
      // Prepare
      await emulator.close();
      await start({ distributions: [DIST], completionDelayMs: 20 });
      const created = await createInvalidation(client, DIST, ['/a']);

      // Act
      await new Promise((resolve) => setTimeout(resolve, 40));
      const got = await client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: created.Invalidation!.Id }));

      // Assess
      expect(created.Invalidation?.Status).toBe('InProgress');
      expect(got.Invalidation?.Status).toBe('Completed');
    });
  });

  describe('GetInvalidation', () => {
    beforeEach(() => start());

    it('returns the invalidation as created', async () => {
      // Prepare
      const created = await createInvalidation(client, DIST, ['/a', '/b/*']);

      // Act
      const got = await client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: created.Invalidation!.Id }));

      // Assess
      expect(got.$metadata.httpStatusCode).toBe(200);
      expect(got.Invalidation).toStrictEqual(created.Invalidation);
    });

    it.each([
      ['an unknown invalidation', DIST, 'INOSUCHINVALID', 'NoSuchInvalidation', 'The specified invalidation does not exist.'],
      ['an unknown distribution', OTHER_DIST, 'INOSUCHINVALID', 'NoSuchDistribution', 'The specified distribution does not exist.'],
    ])('answers 404 for %s', async (_, distributionId, id, name, message) => {
      // Act
      const failure = await failureOf(client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id })));

      // Assess
      expect(failure).toMatchObject({ name, httpStatusCode: 404, message, fault: 'client' });
    });
  });

  describe('ListInvalidations', () => {
    let clock: FakeClock;

    beforeEach(async () => {
      clock = new FakeClock();
      await start({ distributions: [DIST, OTHER_DIST], now: clock.now });
    });

    async function createFive(): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const result = await createInvalidation(client, DIST, [`/page-${i}`]);
        ids.push(result.Invalidation!.Id!);
        clock.advance(1_000);
      }
      return ids;
    }

    it('lists newest first, with the default MaxItems of 100', async () => {
      // Prepare
      const ids = await createFive();

      // Act
      const result = await client.send(new ListInvalidationsCommand({ DistributionId: DIST }));

      // Assess
      expect(result.InvalidationList).toStrictEqual({
        Marker: '',
        MaxItems: 100,
        IsTruncated: false,
        Quantity: 5,
        Items: [...ids].reverse().map((id, i) => ({ Id: id, CreateTime: new Date(clock.now() - (i + 1) * 1_000), Status: 'Completed' })),
      });
    });

    it('pages with MaxItems, Marker and NextMarker', async () => {
      // Prepare
      const newestFirst = (await createFive()).reverse();

      // Act
      const page1 = await client.send(new ListInvalidationsCommand({ DistributionId: DIST, MaxItems: 2 }));
      const page2 = await client.send(
        new ListInvalidationsCommand({ DistributionId: DIST, MaxItems: 2, Marker: page1.InvalidationList!.NextMarker }),
      );
      const page3 = await client.send(
        new ListInvalidationsCommand({ DistributionId: DIST, MaxItems: 2, Marker: page2.InvalidationList!.NextMarker }),
      );

      // Assess
      const ids = (items: InvalidationSummary[] | undefined) => items?.map((item) => item.Id);
      expect(page1.InvalidationList).toMatchObject({ Marker: '', MaxItems: 2, IsTruncated: true, Quantity: 2, NextMarker: newestFirst[1] });
      expect(ids(page1.InvalidationList?.Items)).toStrictEqual(newestFirst.slice(0, 2));
      expect(page2.InvalidationList).toMatchObject({ Marker: newestFirst[1], IsTruncated: true, Quantity: 2, NextMarker: newestFirst[3] });
      expect(ids(page2.InvalidationList?.Items)).toStrictEqual(newestFirst.slice(2, 4));
      expect(page3.InvalidationList).toMatchObject({ Marker: newestFirst[3], IsTruncated: false, Quantity: 1 });
      expect(page3.InvalidationList?.NextMarker).toBeUndefined();
      expect(ids(page3.InvalidationList?.Items)).toStrictEqual(newestFirst.slice(4));
    });

    it("works with the SDK's paginator", async () => {
      // Prepare
      const newestFirst = (await createFive()).reverse();

      // Act
      const seen: string[] = [];
      for await (const page of paginateListInvalidations({ client, pageSize: 2 }, { DistributionId: DIST })) {
        seen.push(...(page.InvalidationList?.Items ?? []).map((item) => item.Id!));
      }

      // Assess
      expect(seen).toStrictEqual(newestFirst);
    });

    it('flips each summary to Completed at its own completion time, as GetInvalidation does', async () => {
      // Prepare: a first invalidation in progress for 30 s, a second for 10 s (CloudFront's vary from one to the next)
      client.destroy();
      await emulator.close();
      const delays = [30_000, 10_000];
      await start({ distributions: [DIST], now: clock.now, completionDelayMs: () => delays.shift() ?? 0 });
      const older = (await createInvalidation(client, DIST, ['/older'])).Invalidation!.Id!;
      const newer = (await createInvalidation(client, DIST, ['/newer'])).Invalidation!.Id!;
      const statuses = async () => {
        const listed = await client.send(new ListInvalidationsCommand({ DistributionId: DIST }));
        const got = await Promise.all([newer, older].map((Id) => client.send(new GetInvalidationCommand({ DistributionId: DIST, Id }))));
        return { listed: listed.InvalidationList!.Items!.map((item) => [item.Id, item.Status]), got: got.map((one) => [one.Invalidation!.Id, one.Invalidation!.Status]) };
      };

      // Act
      const atStart = await statuses();
      clock.advance(10_000);
      const at10s = await statuses();
      clock.advance(20_000);
      const at30s = await statuses();

      // Assess
      expect(atStart).toStrictEqual({ listed: [[newer, 'InProgress'], [older, 'InProgress']], got: [[newer, 'InProgress'], [older, 'InProgress']] });
      expect(at10s).toStrictEqual({ listed: [[newer, 'Completed'], [older, 'InProgress']], got: [[newer, 'Completed'], [older, 'InProgress']] });
      expect(at30s).toStrictEqual({ listed: [[newer, 'Completed'], [older, 'Completed']], got: [[newer, 'Completed'], [older, 'Completed']] });
    });

    it('continues after the Marker when invalidations are created between two pages', async () => {
      // Prepare
      const newestFirst = (await createFive()).reverse();
      const page1 = await client.send(new ListInvalidationsCommand({ DistributionId: DIST, MaxItems: 2 }));
      const added = (await createInvalidation(client, DIST, ['/added-between-pages'])).Invalidation!.Id!;

      // Act
      const rest: string[] = [];
      let marker = page1.InvalidationList!.NextMarker;
      while (marker !== undefined) {
        const page = await client.send(new ListInvalidationsCommand({ DistributionId: DIST, MaxItems: 2, Marker: marker }));
        rest.push(...(page.InvalidationList!.Items ?? []).map((item) => item.Id!));
        marker = page.InvalidationList!.NextMarker;
      }
      const first = await client.send(new ListInvalidationsCommand({ DistributionId: DIST, MaxItems: 1 }));

      // Assess: the later pages hold exactly the older ones; a new first page starts with the new invalidation
      expect([...page1.InvalidationList!.Items!.map((item) => item.Id!), ...rest]).toStrictEqual(newestFirst);
      expect(first.InvalidationList!.Items!.map((item) => item.Id)).toStrictEqual([added]);
    });

    it('lists invalidations created in the same millisecond newest first, by creation order', async () => {
      // Prepare
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await createInvalidation(client, DIST, [`/same-ms-${i}`])).Invalidation!.Id!);

      // Act
      const result = await client.send(new ListInvalidationsCommand({ DistributionId: DIST }));

      // Assess
      expect(result.InvalidationList!.Items!.map((item) => item.Id)).toStrictEqual([...ids].reverse());
      expect(new Set(result.InvalidationList!.Items!.map((item) => item.CreateTime!.getTime())).size).toBe(1);
    });

    it('leaves Items out of an empty list', async () => {
      // Act
      const result = await client.send(new ListInvalidationsCommand({ DistributionId: OTHER_DIST }));

      // Assess
      expect(result.InvalidationList).toStrictEqual({ Marker: '', MaxItems: 100, IsTruncated: false, Quantity: 0 });
    });

    it('answers an unknown Marker with an empty page', async () => {
      // Prepare
      await createFive();

      // Act
      const result = await client.send(new ListInvalidationsCommand({ DistributionId: DIST, Marker: 'INOTANID' }));

      // Assess
      expect(result.InvalidationList).toMatchObject({ Marker: 'INOTANID', IsTruncated: false, Quantity: 0 });
    });

    it.each([
      ['an unknown distribution', { DistributionId: 'ENOSUCHDIST' }, 'NoSuchDistribution', 404],
      ['MaxItems 0', { DistributionId: DIST, MaxItems: 0 }, 'InvalidArgument', 400],
    ])('answers an error for %s', async (_, input, name, httpStatusCode) => {
      // Act
      const failure = await failureOf(client.send(new ListInvalidationsCommand(input)));

      // Assess
      expect(failure).toMatchObject({ name, httpStatusCode });
    });
  });

  describe('requests the SDK cannot send', () => {
    beforeEach(() => start());

    async function post(body: string): Promise<{ status: number; text: string }> {
      const response = await fetch(`${emulator.endpoint}/2020-05-31/distribution/${DIST}/invalidation`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body,
      });
      return { status: response.status, text: await response.text() };
    }

    it.each([
      ['an empty body', '', 'MissingBody'],
      ['text that is not XML', 'not xml', 'MalformedInput'],
      ['mismatched tags', '<InvalidationBatch><Paths></InvalidationBatch>', 'MalformedInput'],
      ['an unknown entity', '<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/&nbsp;</Path></Items></Paths><CallerReference>r</CallerReference></InvalidationBatch>', 'MalformedInput'],
      ['another document', '<DistributionConfig/>', 'MalformedInput'],
      ['no CallerReference', '<InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/a</Path></Items></Paths></InvalidationBatch>', 'MalformedInput'],
      ['a Quantity that is not a number', '<InvalidationBatch><Paths><Quantity>one</Quantity></Paths><CallerReference>r</CallerReference></InvalidationBatch>', 'MalformedInput'],
    ])('answers 400 for %s', async (_, body, code) => {
      // Act
      const response = await post(body);

      // Assess
      expect(response.status).toBe(400);
      expect(response.text).toContain(`<Code>${code}</Code>`);
      expect(emulator.invalidations()).toStrictEqual([]);
    });

    it('reads character references, CDATA, comments and namespace prefixes', async () => {
      // Prepare
      const body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n' +
        '<cf:InvalidationBatch xmlns:cf="http://cloudfront.amazonaws.com/doc/2020-05-31/">\n' +
        '  <cf:Paths>\n    <cf:Quantity> 2 </cf:Quantity>\n    <cf:Items>\n' +
        '      <cf:Path>/caf&#xE9;&#233;&#x1F600;</cf:Path>\n      <cf:Path><![CDATA[/raw<&>]]></cf:Path>\n' +
        '    </cf:Items>\n  </cf:Paths>\n  <cf:CallerReference>r&amp;1</cf:CallerReference>\n</cf:InvalidationBatch>\n';

      // Act
      const response = await post(body);

      // Assess
      expect(response.status).toBe(201);
      expect(emulator.invalidations()[0]).toMatchObject({ paths: ['/caf\u00e9\u00e9\u{1F600}', '/raw<&>'], callerReference: 'r&1' });
    });

    it('answers 501 NotImplemented for other operations', async () => {
      // Act
      const response = await fetch(`${emulator.endpoint}/2020-05-31/distribution/${DIST}`);

      // Assess
      expect(response.status).toBe(501);
      expect(await response.text()).toContain('<Code>NotImplemented</Code>');
      expect(emulator.requests[0]).toMatchObject({ operation: 'Unknown', outcome: 'error', errorCode: 'NotImplemented' });
    });
  });

  describe('inspection', () => {
    beforeEach(() => start({ distributions: [DIST, OTHER_DIST] }));

    it('records every request with its outcome, counts them, and forgets them on reset', async () => {
      // Prepare
      const created = await createInvalidation(client, DIST, ['/a', '/b/*'], { callerReference: 'one' });
      await createInvalidation(client, DIST, ['/a', '/b/*'], { callerReference: 'one' });
      await failureOf(createInvalidation(client, DIST, ['bad']));
      await client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: created.Invalidation!.Id }));
      await client.send(new ListInvalidationsCommand({ DistributionId: OTHER_DIST }));

      // Act
      const requests = emulator.requests;
      const stats = emulator.stats();
      emulator.reset();

      // Assess
      expect(requests.map(({ seq, method, operation, distributionId, statusCode, outcome, errorCode }) => ({ seq, method, operation, distributionId, statusCode, outcome, errorCode }))).toStrictEqual([
        { seq: 1, method: 'POST', operation: 'CreateInvalidation', distributionId: DIST, statusCode: 201, outcome: 'success', errorCode: undefined },
        { seq: 2, method: 'POST', operation: 'CreateInvalidation', distributionId: DIST, statusCode: 201, outcome: 'replayed', errorCode: undefined },
        { seq: 3, method: 'POST', operation: 'CreateInvalidation', distributionId: DIST, statusCode: 400, outcome: 'error', errorCode: 'InvalidArgument' },
        { seq: 4, method: 'GET', operation: 'GetInvalidation', distributionId: DIST, statusCode: 200, outcome: 'success', errorCode: undefined },
        { seq: 5, method: 'GET', operation: 'ListInvalidations', distributionId: OTHER_DIST, statusCode: 200, outcome: 'success', errorCode: undefined },
      ]);
      expect(requests[0]).toMatchObject({ url: `/2020-05-31/distribution/${DIST}/invalidation`, invalidationId: created.Invalidation!.Id, receivedAt: expect.any(Date) });
      expect(stats).toStrictEqual({
        requests: 5,
        byOperation: {
          CreateInvalidation: 3,
          GetInvalidation: 1,
          ListInvalidations: 1,
          CreateInvalidationForDistributionTenant: 0,
          GetInvalidationForDistributionTenant: 0,
          ListInvalidationsForDistributionTenant: 0,
          GetDistributionTenantByDomain: 0,
          Unknown: 0,
        },
        errors: { InvalidArgument: 1 },
        faults: { throttling: 0, serviceUnavailable: 0, connectionReset: 0 },
        invalidationsCreated: 1,
        replays: 1,
        pathsAccepted: 2,
        inProgress: 0,
      });
      expect(emulator.requests).toStrictEqual([]);
      expect(emulator.invalidations()).toStrictEqual([]);
      expect(emulator.distributions).toStrictEqual([DIST, OTHER_DIST]);
    });

    it('reports each request to the logger', async () => {
      // Prepare
      await emulator.close();
      const lines: string[] = [];
      const logger = { info: (message: string) => lines.push(`info ${message}`), warn: (message: string) => lines.push(`warn ${message}`) };
      await start({ distributions: [DIST], logger, faults: { seed: 1, throttleRate: 1 } });

      // Act
      await failureOf(createInvalidation(client, DIST, ['/a']));
      emulator.setFaults(undefined);
      await createInvalidation(client, DIST, ['/a']);

      // Assess
      expect(lines).toStrictEqual([
        `warn cloudfront-emulator: POST /2020-05-31/distribution/${DIST}/invalidation -> 400 Throttling`,
        `info cloudfront-emulator: POST /2020-05-31/distribution/${DIST}/invalidation -> 201`,
      ]);
    });
  });

  describe('options', () => {
    it.each([
      ['an unknown option', { distributions: [], port: 0, colour: 'blue' }, /unknown option\(s\) colour/],
      ['a port out of range', { port: 70_000 }, /port must be an integer between 0 and 65535 inclusive \(given 70000\)/],
      ['a negative completion delay', { completionDelayMs: -1 }, /completionDelayMs must be a finite number of at least 0 \(given -1\)/],
      ['a fault rate above 1', { faults: { seed: 1, throttleRate: 1.5 } }, /faults.throttleRate must be between 0 and 1 inclusive \(given 1.5\)/],
      ['fault rates adding up to more than 1', { faults: { seed: 1, throttleRate: 0.6, connectionResetRate: 0.6 } }, /rates must add up to at most 1/],
      ['a seed that is not a 32-bit integer', { faults: { seed: -1 } }, /faults.seed must be an unsigned 32-bit integer \(given -1\)/],
      ['a distribution id with a slash', { distributions: ['E1/2'] }, /distribution id must be a non-empty string without "\/"/],
    ])('rejects %s', async (_, options, message) => {
      // Act / Assess
      await expect(startCloudFrontEmulator(options as CloudFrontEmulatorOptions)).rejects.toThrow(message);
    });

    it('closes through Symbol.asyncDispose (await using)', async () => {
      // Prepare
      const disposable = await startCloudFrontEmulator({});
      const endpoint = disposable.endpoint;

      // Act
      await disposable[Symbol.asyncDispose]();

      // Assess
      await expect(fetch(endpoint)).rejects.toThrow();
    });

    it('close() can be called twice', async () => {
      // Prepare
      const emulatorToClose = await startCloudFrontEmulator({});

      // Act / Assess
      await emulatorToClose.close();
      await expect(emulatorToClose.close()).resolves.toBeUndefined();
    });
  });
});
