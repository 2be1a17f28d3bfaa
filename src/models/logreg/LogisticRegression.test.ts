import { describe, expect, it } from 'vitest';
import { loadReference } from '../../../test/fixtures/metrics/reference.js';
import type { Matrix } from '../Classifier.js';
import { runClassifierContract } from '../Classifier.contract.js';
import { LogisticRegression } from './LogisticRegression.js';
import { LogRegModel } from './LogRegModel.js';

function matrix(rows: number[][]): Matrix {
  const cols = rows[0].length;
  return { rows: rows.length, cols, data: Float64Array.from(rows.flat()), names: Array.from({ length: cols }, (_, j) => `x${j}`) };
}

runClassifierContract({ title: 'models > logreg', create: () => new LogisticRegression(), load: (j) => LogRegModel.fromJSON(j) });

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
