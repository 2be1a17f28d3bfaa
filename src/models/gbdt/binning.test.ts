import { describe, expect, it } from 'vitest';
import type { Matrix } from '../Classifier.js';
import { mulberry32 } from '../../util/prng.js';
import { binMatrix, binOf, computeBinEdges } from './binning.js';

const column = (values: number[]): Matrix => ({ rows: values.length, cols: 1, data: Float64Array.from(values), names: ['x'] });

describe('models > gbdt > binning', () => {
  it('gives each value its own bin when there are few distinct values', () => {
    const [edges] = computeBinEdges(column([3, 1, 2, 2, 1, 3, 3]), 255, 1000);
    expect([...edges]).toEqual([1.5, 2.5]);
  });

  it('uses at most maxBins bins with roughly equal counts', () => {
    const rand = mulberry32(1);
    const X = column(Array.from({ length: 10_000 }, () => rand()));
    const binned = binMatrix(X, computeBinEdges(X, 16, 200_000));
    expect(binned.numBins[0]).toBeLessThanOrEqual(16);
    const counts = new Array(binned.numBins[0]).fill(0);
    for (const b of binned.bins) counts[b]++;
    for (const c of counts) expect(Math.abs(c - 10_000 / 16)).toBeLessThan(60);
  });

  it('agrees with raw thresholds: bin <= b exactly when x <= edges[b]', () => {
    const rand = mulberry32(2);
    const values = Array.from({ length: 5000 }, () => Math.round(rand() * 1000) / 7);
    const [edges] = computeBinEdges(column(values), 32, 200_000);
    let disagreements = 0;
    for (const v of values) {
      const bin = binOf(edges, v);
      for (let b = 0; b < edges.length; b++) if (bin <= b !== v <= edges[b]) disagreements++;
    }
    expect(disagreements).toBe(0);
  });

  it('puts NaN in a bin after all finite bins', () => {
    const X = column([1, NaN, 2, 3]);
    const binned = binMatrix(X, computeBinEdges(X, 255, 1000));
    expect([...binned.bins]).toEqual([0, 3, 1, 2]);
    expect(binned.numBins[0]).toBe(4);
  });
});

describe('models > gbdt > binning > binMatrix', () => {
  it('bins every value as binOf does', () => {
    const rand = mulberry32(3);
    const values = Array.from({ length: 4000 }, (_, i) =>
      i % 97 === 0 ? NaN : i % 89 === 0 ? Infinity : i % 83 === 0 ? -Infinity : Math.round(rand() * 3000) / 11);
    for (const maxBins of [2, 3, 7, 64, 255]) {
      const X = column(values);
      const edges = computeBinEdges(X, maxBins, 200_000);
      const { bins } = binMatrix(X, edges);
      expect([...bins]).toEqual(values.map((v) => binOf(edges[0], v)));
    }
  });
});
