import { describe, expect, it } from 'vitest';
import { runBurstLocal } from '../../bench/burst-local.ts';

/**
 * The local-mode burst driver at a small size: 6,000 paths, two full rounds of the 3,000 paths CloudFront allows in
 * progress, invalidations complete after 1 s. Behaviour only: `node bench/burst-local.ts` measures the drain time.
 */
describe('bench: burst through local mode', () => {
  it('invalidates every path of a burst twice the in-progress limit, dead-letters nothing and empties the queue', async () => {
    // Act
    const result = await runBurstLocal({ paths: 6_000, completionDelaySeconds: 1, timeoutMs: 60_000 });

    // Assess
    expect(result.drained).toBe(true);
    expect(result.messages).toBe(600);
    expect(result.pathsInvalidated).toBe(6_000);
    expect(result.pathsMissing).toBe(0);
    expect(result.deadLettered).toStrictEqual({ total: 0, byCode: {} });
    expect(result.queueLeft).toBe(0);
    // 3,000 paths at most in progress: the burst cannot go out in fewer than two invalidations.
    expect(result.invalidationsCreated).toBeGreaterThanOrEqual(2);
    expect(result.lowerBoundSeconds).toBe(2);
  }, 90_000);
});
