import { describe, expect, it } from 'vitest';
import { loadValidationReference } from '../../test/fixtures/validation/reference.js';
import { auc } from '../metrics/auc.js';
import { delongTest } from './delong.js';

describe('validation > delong', () => {
  for (const c of loadValidationReference().delong) {
    it(`matches the 1988 definition computed with numpy on ${c.name}`, () => {
      const labels = Uint8Array.from(c.labels);
      const scoresA = Float64Array.from(c.scoresA);
      const scoresB = Float64Array.from(c.scoresB);
      const r = delongTest({ labels, scoresA, scoresB });
      expect(Math.abs(r.aucA - c.aucA)).toBeLessThan(1e-12);
      expect(Math.abs(r.aucB - c.aucB)).toBeLessThan(1e-12);
      expect(Math.abs(r.variance - c.variance) / c.variance).toBeLessThan(1e-9);
      expect(Math.abs(r.z - c.z)).toBeLessThan(1e-9);
      expect(Math.abs(r.pValue - c.pValue)).toBeLessThan(1e-12);
      expect(Math.abs(r.pValueTwoSided - c.pValueTwoSided)).toBeLessThan(1e-12);
      // The same AUCs as the metrics module.
      expect(Math.abs(r.aucA - auc(labels, scoresA))).toBeLessThan(1e-12);
      expect(r.meanDiff).toBe(r.aucB - r.aucA);
    });
  }

  it('finds no difference between identical models', () => {
    const c = loadValidationReference().delong[0];
    const scores = Float64Array.from(c.scoresA);
    const r = delongTest({ labels: Uint8Array.from(c.labels), scoresA: scores, scoresB: scores });
    expect(r.variance).toBe(0);
    expect(r.z).toBe(0);
    expect(r.pValue).toBe(0.5);
    expect(r.pValueTwoSided).toBe(1);
  });

  it('is VALIDATION_UNDEFINED with fewer than two of a class', () => {
    expect(() =>
      delongTest({ labels: Uint8Array.of(0, 0, 1), scoresA: Float64Array.of(1, 2, 3), scoresB: Float64Array.of(1, 2, 3) }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_UNDEFINED' }));
  });

  it('rejects score arrays of different lengths', () => {
    expect(() => delongTest({ labels: Uint8Array.of(0, 1), scoresA: Float64Array.of(1, 2), scoresB: Float64Array.of(1) })).toThrow(
      expect.objectContaining({ code: 'METRIC_INPUT_INVALID' }),
    );
  });
});
