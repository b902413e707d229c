import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../lambda/settle/backoff.ts';
import { MAX_VISIBILITY_TIMEOUT_SECONDS } from '../../lambda/limits.ts';

const policy = { baseDelaySeconds: 30, maxDelaySeconds: 900 };
/** A random source just below 1: the delay at its ceiling. */
const highest = (): number => 0.999_999_999;

describe('retryDelaySeconds', () => {
  it.each([
    [1, 30],
    [2, 60],
    [3, 120],
    [4, 240],
    [5, 480],
    [6, 900],
    [20, 900],
    [1000, 900],
  ])('on receive %i, draws up to %i seconds', (receiveCount, ceiling) => {
    // Act
    const delay = retryDelaySeconds(receiveCount, policy, highest);

    // Assess
    expect(delay).toBe(ceiling - 1);
  });

  it('draws uniformly below the ceiling (full jitter)', () => {
    // Act
    const delays = [0.25, 0.5, 0.75].map((value) => retryDelaySeconds(3, policy, () => value));

    // Assess
    expect(delays).toStrictEqual([30, 60, 90]);
  });

  it('waits at least 1 second', () => {
    // Act
    const delay = retryDelaySeconds(1, policy, () => 0);

    // Assess
    expect(delay).toBe(1);
  });

  it('waits 0 seconds when the base delay is 0', () => {
    // Act
    const delay = retryDelaySeconds(5, { baseDelaySeconds: 0, maxDelaySeconds: 900 }, highest);

    // Assess
    expect(delay).toBe(0);
  });

  it.each([0, -3])('treats a receive count of %i as the first', (receiveCount) => {
    // Act
    const delay = retryDelaySeconds(receiveCount, policy, highest);

    // Assess
    expect(delay).toBe(29);
  });

  it('never exceeds the SQS visibility timeout limit', () => {
    // Act
    const delay = retryDelaySeconds(1000, { baseDelaySeconds: 43_200, maxDelaySeconds: 10 ** 9 }, highest);

    // Assess
    expect(delay).toBe(MAX_VISIBILITY_TIMEOUT_SECONDS - 1);
  });

  it('stays between 1 and the ceiling for every receive and random value', () => {
    // Prepare
    const delays: Array<[number, number, number]> = [];

    // Act
    for (let receiveCount = 1; receiveCount <= 40; receiveCount++) {
      for (const value of [0, 0.1, 0.5, 0.9, highest()]) {
        delays.push([receiveCount, value, retryDelaySeconds(receiveCount, policy, () => value)]);
      }
    }

    // Assess
    for (const [receiveCount, , delay] of delays) {
      const ceiling = Math.min(900, 30 * 2 ** (receiveCount - 1));
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(1);
      expect(delay).toBeLessThan(ceiling);
    }
  });

  it('uses Math.random by default', () => {
    // Act
    const delay = retryDelaySeconds(2, policy);

    // Assess
    expect(delay).toBeGreaterThanOrEqual(1);
    expect(delay).toBeLessThan(60);
  });
});
