import { CreateInvalidationCommand, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { describe, expect, it } from 'vitest';
import { burstPaths, lowerBoundDrainSeconds, simulateBurst, type BurstOptions } from '../../bench/burst/burst-simulation.ts';
import { SimulatedCloudFront } from '../../bench/burst/simulated-cloudfront.ts';
import { VirtualClock } from '../../bench/burst/virtual-time.ts';

/**
 * The burst simulator on tiny inputs: conservation and determinism, never timings (`node bench/burst/run.ts`
 * measures). 600 paths against an in-progress limit of 100 file paths, so the limit is met again and again.
 */

const TINY: BurstOptions = {
  paths: 600,
  seed: 4,
  inProgressLimits: { files: 100, wildcards: 15 },
  maxPathsPerInvalidation: 100,
  batchSize: 20,
};

describe('bench: burst simulation', () => {
  it('accounts for every path: invalidated or in a dead-lettered message, none lost', async () => {
    // Act
    const result = await simulateBurst(TINY);

    // Assess
    const { asked } = burstPaths(TINY.paths, TINY.seed);
    expect(result.paths).toBe(600);
    expect(result.messages).toBe(60);
    expect(result.capped).toBe(false);
    expect(result.conservation.pending).toBe(0);
    expect(result.conservation.lost).toBe(0);
    expect(result.conservation.invalidated + result.conservation.deadLettered).toBeGreaterThanOrEqual(asked.length);
    expect(result.refusedCalls).toBeGreaterThan(0);
    expect(result.calls).toBeGreaterThanOrEqual(result.refusedCalls + result.invalidationsCreated);
    // Without the collapse every billed path is one the burst asked for; a path billed twice is possible (a retry).
    expect(result.billedPaths).toBeGreaterThanOrEqual(result.conservation.invalidated);
    expect(result.overInvalidatedPaths).toBe(0);
    expect(result.drainSeconds).not.toBeNull();
    expect(result.lowerBoundDrainSeconds).toBe(6 * 180);
  });

  it('gives the same figures for the same seed', async () => {
    // Act
    const [first, second] = [await simulateBurst(TINY), await simulateBurst(TINY)];

    // Assess
    expect({ ...first, wallSeconds: 0 }).toStrictEqual({ ...second, wallSeconds: 0 });
  });

  it('counts the collapse variant\'s over-invalidated pages, and still loses nothing', async () => {
    // Act
    const result = await simulateBurst({ ...TINY, wildcardCollapse: { minPathsPerDirectory: 2 } });

    // Assess
    expect(result.wildcardsCreated).toBeGreaterThan(0);
    expect(result.overInvalidatedPaths).toBeGreaterThan(0);
    expect(result.conservation.lost).toBe(0);
    expect(result.conservation.pending).toBe(0);
  });

  it('with the send leases, two invocations never spend the same free budget: no call refused, where without them one is', async () => {
    // Prepare: CloudFront's real limits, so the handler's budget is CloudFront's; 20,000 paths, 7 rounds
    const burst: BurstOptions = { paths: 20_000, seed: 1 };

    // Act
    const withLeases = await simulateBurst(burst);
    const without = await simulateBurst({ ...burst, sendLeases: false });

    // Assess: the invocations did meet (a lease was refused while the other held it), and took turns
    expect(withLeases.leaseCalls.refused).toBeGreaterThan(0);
    expect(withLeases.refusedCalls).toBe(0);
    expect(without.refusedCalls).toBeGreaterThan(0);
    expect(withLeases.validDeadLettered + without.validDeadLettered).toBe(0);
    expect(withLeases.conservation.invalidated).toBe(20_000);
  });

  it('lower bound: rounds of 3,000 paths times the mean completion time', () => {
    expect(lowerBoundDrainSeconds(60_000, 3_000, { min: 60, max: 300 })).toBe(3_600);
    expect(lowerBoundDrainSeconds(10_000, 3_000, { min: 60, max: 300 })).toBe(720);
  });
});

describe('bench: simulated CloudFront', () => {
  function simulated() {
    const clock = new VirtualClock();
    const cloudfront = new SimulatedCloudFront({
      clock,
      epochMs: Date.UTC(2026, 0, 5),
      distributions: ['E1'],
      completionDelayMs: () => 60_000,
      latencyMs: 0,
      inProgressLimits: { files: 2, wildcards: 1 },
    });
    return { clock, cloudfront, client: cloudfront.client() };
  }
  const create = (reference: string, paths: string[]) =>
    new CreateInvalidationCommand({ DistributionId: 'E1', InvalidationBatch: { CallerReference: reference, Paths: { Quantity: paths.length, Items: paths } } });

  it('refuses past the in-progress limit as the SDK throws it, and lists newest first until completion', async () => {
    // Prepare
    const { clock, client } = simulated();
    const outcomes: unknown[] = [];
    const lists: unknown[] = [];

    // Act
    clock.schedule(0, () => {
      void (async () => {
        outcomes.push(await client.send(create('a', ['/a'])));
        outcomes.push(await client.send(create('b', ['/b'])));
        outcomes.push(await client.send(create('c', ['/c'])).catch((error: unknown) => error));
        lists.push(await client.send(new ListInvalidationsCommand({ DistributionId: 'E1', MaxItems: 1 })));
      })();
    });
    clock.schedule(60_000, () => {
      void (async () => {
        lists.push(await client.send(new ListInvalidationsCommand({ DistributionId: 'E1' })));
      })();
    });
    await clock.run({ untilMs: 120_000 });

    // Assess
    const [first, second] = outcomes as Array<{ Invalidation: { Id: string } }>;
    expect(outcomes[2]).toMatchObject({ name: 'TooManyInvalidationsInProgress', $metadata: { httpStatusCode: 400 } });
    expect(lists[0]).toMatchObject({
      InvalidationList: { Marker: '', MaxItems: 1, IsTruncated: true, Quantity: 1, NextMarker: second!.Invalidation.Id, Items: [{ Id: second!.Invalidation.Id, Status: 'InProgress' }] },
    });
    expect(lists[1]).toMatchObject({
      InvalidationList: { IsTruncated: false, Quantity: 2, Items: [{ Id: second!.Invalidation.Id, Status: 'Completed' }, { Id: first!.Invalidation.Id, Status: 'Completed' }] },
    });
  });

  it('answers GetInvalidation with the paths', async () => {
    // Prepare
    const { clock, client } = simulated();
    let got: unknown;

    // Act
    clock.schedule(0, () => {
      void (async () => {
        const created = (await client.send(create('a', ['/a', '/b']))) as { Invalidation: { Id: string } };
        got = await client.send(new GetInvalidationCommand({ DistributionId: 'E1', Id: created.Invalidation.Id }));
      })();
    });
    await clock.run({ untilMs: 1_000 });

    // Assess
    expect(got).toMatchObject({ Invalidation: { Status: 'InProgress', InvalidationBatch: { CallerReference: 'a', Paths: { Quantity: 2, Items: ['/a', '/b'] } } } });
  });
});
