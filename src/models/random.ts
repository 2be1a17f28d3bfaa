/**
 * Seeded pseudo-random numbers for everything that samples (bagging, feature sampling, synthetic data):
 * a fixed seed must give the same stream on every platform and Node version, which Math.random cannot.
 */

/** mulberry32: tiny, fast, good enough for sampling; the same seed gives the same stream everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
