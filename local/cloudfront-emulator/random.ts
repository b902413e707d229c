/**
 * mulberry32: a small, fast 32-bit PRNG. Not for cryptography; here it makes fault injection reproducible.
 *
 * @param seed an unsigned 32-bit integer; the same seed gives the same sequence
 * @returns a function returning numbers in [0, 1)
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
