import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/prng.js';
import { bestF1Threshold } from './evaluate.js';

describe('datasets > evaluate > best F1 threshold', () => {
  it('picks the score that maximises F1', () => {
    const y = Uint8Array.from([1, 1, 0, 1, 0, 0]);
    const s = Float64Array.from([0.9, 0.8, 0.7, 0.6, 0.2, 0.1]);
    // top 2: F1 = 4/5; top 4: F1 = 6/7, the best
    expect(bestF1Threshold(y, s)).toBe(0.6);
  });

  it('with weights, a row of weight w counts as w copies of it', () => {
    const rand = mulberry32(4);
    const n = 400;
    const y = Uint8Array.from({ length: n }, () => (rand() < 0.2 ? 1 : 0));
    const s = Float64Array.from(y, (v) => (v ? 0.2 : 0) + rand() * 0.8);
    // legitimate rows standing for 8 each, as after down-sampling them at a rate of 1/8
    const w = Float64Array.from(y, (v) => (v ? 1 : 8));
    const copiesY: number[] = [];
    const copiesS: number[] = [];
    for (let i = 0; i < n; i++) for (let c = 0; c < w[i]; c++) {
      copiesY.push(y[i]);
      copiesS.push(s[i]);
    }
    const expanded = bestF1Threshold(Uint8Array.from(copiesY), Float64Array.from(copiesS));
    expect(bestF1Threshold(y, s, w)).toBe(expanded);
    expect(bestF1Threshold(y, s)).not.toBe(expanded);
  });
});
