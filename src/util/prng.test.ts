import { describe, expect, it } from 'vitest';
import { Rng } from './prng.js';

describe('validation > rng', () => {
  it('repeats its stream for a seed and differs between seeds', () => {
    const take = (seed: number) => Array.from({ length: 8 }, ((r) => () => r.nextUint32())(new Rng(seed)));
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
    expect(take(2 ** 40)).not.toEqual(take(0));
  });

  it('draws uniform integers and floats, and standard normals', () => {
    const rng = new Rng(7);
    const counts = new Array<number>(10).fill(0);
    const N = 100_000;
    for (let i = 0; i < N; i++) counts[rng.nextInt(10)]++;
    for (const c of counts) expect(Math.abs(c - N / 10)).toBeLessThan(5 * Math.sqrt(N / 10));
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) {
      const u = rng.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
      const z = rng.nextNormal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / N)).toBeLessThan(0.02);
    expect(Math.abs(s2 / N - 1)).toBeLessThan(0.03);
  });
});
