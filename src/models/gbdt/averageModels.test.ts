import { describe, expect, it } from 'vitest';
import { GbdtClassifier } from './GbdtClassifier.js';
import { averageGbdtModels } from './averageModels.js';
import type { Matrix } from '../Classifier.js';

function dataset(rows: number, seed: number): { X: Matrix; y: Uint8Array } {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const cols = 3;
  const data = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) data[i * cols + j] = rnd();
    y[i] = data[i * cols] + 0.5 * data[i * cols + 1] + 0.3 * rnd() > 1 ? 1 : 0;
  }
  return { X: { rows, cols, data, names: ['a', 'b', 'c'] }, y };
}

describe('averageGbdtModels', () => {
  it('scores every row with the mean of the models\' raw scores', async () => {
    const { X, y } = dataset(2000, 7);
    const models = await Promise.all(
      [
        { numLeaves: 7, nEstimators: 20, seed: 1 },
        { numLeaves: 15, nEstimators: 35, learningRate: 0.05, seed: 2 },
        { numLeaves: 4, nEstimators: 10, colSubsample: 0.7, seed: 3 },
      ].map((p) => new GbdtClassifier(p).fit(X, y)),
    );
    const blend = averageGbdtModels(models);
    expect(blend.data.trees.length).toBe(65);
    const raws = models.map((m) => m.predictRaw(X));
    const mixed = blend.predictRaw(X);
    for (let i = 0; i < X.rows; i++) {
      expect(mixed[i]).toBeCloseTo((raws[0][i] + raws[1][i] + raws[2][i]) / 3, 12);
    }
    // The inputs are left as they were.
    expect(models[0].predictRaw(X)).toEqual(raws[0]);
  });

  it('refuses models trained on different features', async () => {
    const { X, y } = dataset(500, 3);
    const a = await new GbdtClassifier({ nEstimators: 5 }).fit(X, y);
    const b = await new GbdtClassifier({ nEstimators: 5 }).fit({ ...X, names: ['a', 'b', 'd'] }, y);
    expect(() => averageGbdtModels([a, b])).toThrow(/different features/);
    expect(() => averageGbdtModels([])).toThrow(/no model/);
  });
});
