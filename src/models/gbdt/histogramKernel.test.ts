import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../util/prng.js';
import {
  accumulateColumnHistograms, accumulateHistograms, accumulateRootHistograms, nonDominantRows, restoreSkippedBins,
} from './histogramKernel.js';

describe('models > gbdt > histogram kernels', () => {
  // 13 features (an eight-, a four- and a one-feature pass), some with one bin holding most rows
  const rows = 5000;
  const cols = 13;
  const rand = mulberry32(9);
  const numBins = Int32Array.from({ length: cols }, (_, f) => (f % 3 === 0 ? 2 : 40));
  const featureOffset = new Int32Array(cols);
  for (let f = 1; f < cols; f++) featureOffset[f] = featureOffset[f - 1] + 2 * numBins[f - 1];
  const slotSize = featureOffset[cols - 1] + 2 * numBins[cols - 1];
  const bins = new Uint8Array(rows * cols);
  const rowBins = new Uint8Array(rows * cols);
  for (let f = 0; f < cols; f++) {
    for (let i = 0; i < rows; i++) {
      const b = f % 2 === 0 && rand() < 0.95 ? 1 : Math.floor(rand() * numBins[f]);
      bins[f * rows + i] = b;
      rowBins[i * cols + f] = b;
    }
  }
  const grad = Float64Array.from({ length: rows }, () => rand() - 0.5);
  const hess = Float64Array.from({ length: rows }, () => 0.25 * rand());
  const features = Int32Array.from({ length: cols }, (_, f) => f);
  const none = new Int32Array(cols).fill(-1);
  const skip = Int32Array.from({ length: cols }, (_, f) => (f % 2 === 0 ? 1 : -1));
  // a leaf: every third row, with its gradients gathered in order
  const leafRows = Int32Array.from({ length: Math.ceil(rows / 3) }, (_, k) => 3 * k);
  const og = Float64Array.from(leafRows, (r) => grad[r]);
  const oh = Float64Array.from(leafRows, (r) => hess[r]);
  const sum = (a: Float64Array): number => a.reduce((s, v) => s + v, 0);

  const cases: [string, (hist: Float64Array, skipBin: Int32Array) => [number, number]][] = [
    ['root', (hist, s) => {
      const sparse = nonDominantRows(bins, rows, s);
      accumulateRootHistograms(bins, rows, grad, hess, features, 0, cols, hist, 0, featureOffset, numBins, s, sparse.rows, sparse.start);
      return [sum(grad), sum(hess)];
    }],
    ['row-major leaf', (hist, s) => {
      accumulateHistograms(rowBins, cols, leafRows, og, oh, 0, leafRows.length, features, 0, cols, hist, 0, featureOffset, numBins, s);
      return [sum(og), sum(oh)];
    }],
    ['column-major leaf', (hist, s) => {
      accumulateColumnHistograms(bins, rows, leafRows, og, oh, 0, leafRows.length, features, 0, cols, hist, 0, featureOffset, numBins, s);
      return [sum(og), sum(oh)];
    }],
  ];
  // features with a dominant bin first, then the rest (the order training's passes take them)
  const passOrder = Int32Array.from([...features.filter((f) => skip[f] >= 0), ...features.filter((f) => skip[f] < 0)]);
  const orders: [string, (hist: Float64Array, order: Int32Array) => void][] = [
    ['root', (hist, order) => {
      const sparse = nonDominantRows(bins, rows, skip);
      accumulateRootHistograms(bins, rows, grad, hess, order, 0, cols, hist, 0, featureOffset, numBins, skip, sparse.rows, sparse.start);
    }],
    ['row-major leaf', (hist, order) => {
      accumulateHistograms(rowBins, cols, leafRows, og, oh, 0, leafRows.length, order, 0, cols, hist, 0, featureOffset, numBins, skip);
    }],
    ['column-major leaf', (hist, order) => {
      accumulateColumnHistograms(bins, rows, leafRows, og, oh, 0, leafRows.length, order, 0, cols, hist, 0, featureOffset, numBins, skip);
    }],
  ];
  for (const [name, run] of orders) {
    it(`${name}: the order of the features (and a slice of them) does not change a histogram`, () => {
      const ascending = new Float64Array(slotSize);
      run(ascending, features);
      const grouped = new Float64Array(slotSize).fill(7);
      run(grouped, passOrder);
      expect(grouped).toEqual(ascending);
    });
  }
  for (const [name, run] of cases) {
    it(`${name}: skipping the dominant bins and restoring them from the leaf's totals gives the full histograms`, () => {
      const full = new Float64Array(slotSize);
      run(full, none);
      const skipped = new Float64Array(slotSize).fill(7); // stale values must be overwritten
      const [g, h] = run(skipped, skip);
      expect(skipped[featureOffset[0] + 2]).not.toBeCloseTo(full[featureOffset[0] + 2], 6); // bin 1 was skipped...
      restoreSkippedBins(skipped, 0, features, featureOffset, numBins, skip, g, h);
      for (let j = 0; j < slotSize; j++) expect(skipped[j]).toBeCloseTo(full[j], 9); // ...and restored
    });
  }
});
