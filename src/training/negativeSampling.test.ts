import { describe, expect, it } from 'vitest';
import type { LabeledSet } from '../datasets/FeatureFrame.js';
import { auc } from '../metrics/index.js';
import { GbdtClassifier } from '../models/gbdt/GbdtClassifier.js';
import { mulberry32 } from '../util/prng.js';
import { downsampleNegatives, negativeRate } from './negativeSampling.js';

/** `rows` transactions with two features and rare labels (about 2%) from a nonlinear log-odds. */
function rareSet(rows: number, seed: number): LabeledSet {
  const rand = mulberry32(seed);
  const cols = 2;
  const data = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  let frauds = 0;
  for (let i = 0; i < rows; i++) {
    const a = rand() * 2 - 1;
    const b = rand() * 2 - 1;
    data[i * cols] = a;
    data[i * cols + 1] = b;
    const logit = -5 + 3 * (a > 0.5 ? 1 : 0) + 2 * b * b;
    y[i] = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    frauds += y[i];
  }
  return {
    X: { rows, cols, data, names: ['a', 'b'] },
    y,
    day: Int32Array.from({ length: rows }, (_, i) => i % 7),
    customerId: Float64Array.from({ length: rows }, (_, i) => i % 997),
    transactionId: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)),
    frauds,
  };
}

describe('training > negative sampling > rate', () => {
  it('keeps sets at or under the cap whole, and brings bigger ones to about the cap with every fraud', () => {
    expect(negativeRate(1000, 10, 1000)).toBe(1);
    expect(negativeRate(10_000, 100, 1000)).toBeCloseTo(900 / 9900, 12);
  });

  it('keeps at least as many legitimate rows as frauds when the frauds alone fill the cap', () => {
    expect(negativeRate(100_000, 2000, 1000)).toBeCloseTo(2000 / 98_000, 12);
    expect(negativeRate(3000, 2000, 1000)).toBe(1);
  });
});

describe('training > negative sampling > sample', () => {
  const set = rareSet(60_000, 7);

  it('returns a set under the cap as it is, unweighted', () => {
    const s = downsampleNegatives(set, 60_000, 1);
    expect(s.set).toBe(set);
    expect(s.weight).toBeUndefined();
    expect(s.negativeRate).toBe(1);
  });

  it('keeps every fraud, about the cap in rows, weighs legitimate rows by 1 / rate so they sum to about the whole', () => {
    const s = downsampleNegatives(set, 10_000, 1);
    const kept = s.set;
    expect(kept.y.reduce((a, v) => a + v, 0)).toBe(set.frauds);
    expect(kept.frauds).toBe(set.frauds);
    expect(Math.abs(kept.X.rows - 10_000)).toBeLessThan(300);
    let legit = 0;
    for (let i = 0; i < kept.X.rows; i++) {
      expect(s.weight![i]).toBe(kept.y[i] === 1 ? 1 : 1 / s.negativeRate);
      if (kept.y[i] === 0) legit += s.weight![i];
    }
    expect(legit / (set.X.rows - set.frauds)).toBeGreaterThan(0.97);
    expect(legit / (set.X.rows - set.frauds)).toBeLessThan(1.03);
    // rows keep their features and keys together
    const first = Number(kept.transactionId[0]);
    expect([...kept.X.data.subarray(0, 2)]).toEqual([...set.X.data.subarray(first * 2, first * 2 + 2)]);
    expect(kept.customerId[0]).toBe(set.customerId[first]);
  });

  it('draws the same sample for the same seed and another for another seed', () => {
    const a = downsampleNegatives(set, 10_000, 1);
    const b = downsampleNegatives(set, 10_000, 1);
    const c = downsampleNegatives(set, 10_000, 2);
    expect([...b.set.transactionId]).toEqual([...a.set.transactionId]);
    expect([...c.set.transactionId]).not.toEqual([...a.set.transactionId]);
  });

  it('a weighted fit on the sample ranks like the full fit and stays calibrated to the full base rate; unweighted it would not', async () => {
    const holdout = rareSet(40_000, 8);
    const params = { nEstimators: 60, numLeaves: 7, learningRate: 0.1, minDataInLeaf: 20, threads: 1 };
    const full = await new GbdtClassifier(params).fit(set.X, set.y);
    const s = downsampleNegatives(set, 8000, 3);
    const weighted = await new GbdtClassifier(params).fit(s.set.X, s.set.y, { sampleWeight: s.weight });
    const unweighted = await new GbdtClassifier(params).fit(s.set.X, s.set.y);
    const mean = (p: Float64Array): number => p.reduce((a, v) => a + v, 0) / p.length;
    const rate = holdout.frauds / holdout.X.rows;
    const pFull = full.predictProba(holdout.X);
    const pWeighted = weighted.predictProba(holdout.X);
    expect(auc(holdout.y, pWeighted)).toBeGreaterThan(auc(holdout.y, pFull) - 0.01);
    expect(mean(pWeighted) / rate).toBeGreaterThan(0.85);
    expect(mean(pWeighted) / rate).toBeLessThan(1.15);
    expect(mean(unweighted.predictProba(holdout.X)) / rate).toBeGreaterThan(3);
  });
});
