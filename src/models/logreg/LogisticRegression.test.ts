import { describe, expect, it } from 'vitest';
import { loadReference } from '../../../test/fixtures/metrics/reference.js';
import type { Matrix } from '../Classifier.js';
import { runClassifierContract } from '../Classifier.contract.js';
import { nonlinearDataset } from '../testkit.js';
import { LogisticRegression } from './LogisticRegression.js';
import { LogRegModel } from './LogRegModel.js';

function matrix(rows: number[][]): Matrix {
  const cols = rows[0].length;
  return { rows: rows.length, cols, data: Float64Array.from(rows.flat()), names: Array.from({ length: cols }, (_, j) => `x${j}`) };
}

runClassifierContract({ title: 'models > logreg', create: () => new LogisticRegression(), load: (j) => LogRegModel.fromJSON(j) });

describe('models > logreg > stopping', () => {
  it('stops mid-fit when the signal aborts from a callback: the solve gives the event loop its turns', async () => {
    // Without yield points the solve holds the event loop, the timer fires only after it, and the fit resolves.
    const { X, y } = nonlinearDataset(400_000, 8, 5);
    const controller = new AbortController();
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 0);
    await expect(new LogisticRegression({ tol: 1e-14, maxIter: 10_000 }).fit(X, y, { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('models > logreg > matches sklearn', () => {
  const ref = loadReference().logreg;
  const X = matrix(ref.X);
  const Xtest = matrix(ref.Xtest);
  const y = Uint8Array.from(ref.y);

  for (const [name, sampleWeight] of [
    ['unweighted', undefined],
    ['weighted', Float64Array.from(ref.sampleWeight)],
  ] as const) {
    it(`${name}: coefficients and probabilities within 1e-6 of LogisticRegression(C=1, lbfgs)`, async () => {
      const expected = ref[name];
      const model = await new LogisticRegression({ C: ref.C }).fit(X, y, { sampleWeight });
      model.data.coef.forEach((c, j) => expect(Math.abs(c - expected.coef[j])).toBeLessThan(1e-6));
      expect(Math.abs(model.data.intercept - expected.intercept)).toBeLessThan(1e-6);
      const p = model.predictProba(Xtest);
      p.forEach((v, i) => expect(Math.abs(v - expected.probaTest[i])).toBeLessThan(1e-6));
    });
  }

  it('gives a constant column scale 1 and coefficient 0', async () => {
    const model = await new LogisticRegression().fit(X, y);
    expect(model.data.scale[5]).toBe(1);
    expect(model.data.coef[5]).toBe(0);
  });

  it('rejects a non-positive C', () => {
    expect(() => new LogisticRegression({ C: 0 })).toThrow(expect.objectContaining({ code: 'MODEL_PARAM_INVALID' }));
  });
});

describe('models > logreg > on many rows (warm start from a sample)', () => {
  // enough rows that the solver starts from the optimum of a sample of them, with a rare positive class
  const rows = 200_000;
  const { X, y: drawn } = nonlinearDataset(rows, 6, 11);
  const y = drawn.map((v, i) => (v === 1 && i % 12 === 0 ? 1 : 0));
  const weights = Float64Array.from({ length: rows }, (_, i) => 0.5 + (i % 3));

  /** The objective's gradient at a fitted model, recomputed here from its definition. */
  const gradientMaxNorm = (model: LogRegModel, C: number, w: Float64Array): number => {
    const { mean, scale, coef, intercept } = model.data;
    const g = new Float64Array(X.cols + 1);
    for (let i = 0; i < rows; i++) {
      let z = intercept;
      for (let j = 0; j < X.cols; j++) z += ((X.data[i * X.cols + j] - mean[j]) / scale[j]) * coef[j];
      const r = C * w[i] * (1 / (1 + Math.exp(-z)) - y[i]);
      for (let j = 0; j < X.cols; j++) g[j] += r * ((X.data[i * X.cols + j] - mean[j]) / scale[j]);
      g[X.cols] += r;
    }
    for (let j = 0; j < X.cols; j++) g[j] += coef[j];
    return Math.max(...g.map(Math.abs));
  };

  it('reaches the optimum: the gradient vanishes, weighted or not', async () => {
    for (const w of [undefined, weights]) {
      const model = await new LogisticRegression({ C: 0.5 }).fit(X, y, { sampleWeight: w });
      const sum = w === undefined ? rows : w.reduce((s, v) => s + v, 0);
      // the solver stops at 1e-10 · C·Σw; a start left unrefined would be off by about 1e-3 · C·Σw
      expect(gradientMaxNorm(model, 0.5, w ?? new Float64Array(rows).fill(1))).toBeLessThan(1e-8 * 0.5 * sum);
    }
  });

  it('finds the same model whatever the row order (another sample to start from)', async () => {
    const order = Array.from({ length: rows }, (_, i) => (i * 7919) % rows);
    const shuffled = { ...X, data: new Float64Array(rows * X.cols) };
    order.forEach((r, i) => shuffled.data.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), i * X.cols));
    const a = await new LogisticRegression().fit(X, y);
    const b = await new LogisticRegression().fit(shuffled, Uint8Array.from(order, (r) => y[r]));
    a.data.coef.forEach((c, j) => expect(Math.abs(c - b.data.coef[j])).toBeLessThan(1e-8));
    expect(Math.abs(a.data.intercept - b.data.intercept)).toBeLessThan(1e-8);
  });
});
