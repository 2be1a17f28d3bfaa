import { describe, expect, it } from 'vitest';
import { SAMPLE_HASH_MODULUS, sampleHash, sampleHasher, sampleThreshold } from './sampleHash.js';

describe('engine > sample hash', () => {
  it('keeps consecutive ids at the rate asked for, for every seed, and different ids under different seeds', () => {
    for (const seed of [1, 2, 99]) {
      const h = sampleHasher(seed);
      for (const rate of [0.01, 0.05, 0.3]) {
        const t = sampleThreshold(rate);
        let kept = 0;
        const n = 200_000;
        for (let id = 0; id < n; id++) if (h(id) < t) kept++;
        // binomial sd at most sqrt(n · 0.25) ≈ 224 rows: 5 sd
        expect(Math.abs(kept - rate * n)).toBeLessThan(5 * Math.sqrt(n * rate * (1 - rate)) + 1);
      }
    }
    const a = sampleHasher(1);
    const b = sampleHasher(2);
    const t = sampleThreshold(0.1);
    let both = 0;
    for (let id = 0; id < 100_000; id++) if (a(id) < t && b(id) < t) both++;
    // independent draws keep 1% of ids in both samples
    expect(both).toBeGreaterThan(800);
    expect(both).toBeLessThan(1200);
  });

  it('keeps everything at rate 1 and nothing at rate 0, and takes big ids', () => {
    expect(sampleThreshold(1)).toBe(SAMPLE_HASH_MODULUS);
    expect(sampleThreshold(0)).toBe(0);
    for (const id of [0n, 2n ** 62n, 2n ** 63n - 1n, 123]) {
      const h = sampleHash(id, 3);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(SAMPLE_HASH_MODULUS);
    }
    expect(sampleHash(123n, 3)).toBe(sampleHash(123, 3));
    expect(() => sampleThreshold(Number.NaN)).toThrow(RangeError);
  });
});
