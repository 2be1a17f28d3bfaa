import { describe, expect, it } from 'vitest';
import { loadReference } from '../../test/fixtures/metrics/reference.js';
import { FraudopsError } from '../errors.js';
import { auc } from './auc.js';

describe('metrics > auc', () => {
  for (const c of loadReference().metrics) {
    it(`matches sklearn roc_auc_score on ${c.name}`, () => {
      expect(Math.abs(auc(Uint8Array.from(c.labels), Float64Array.from(c.scores)) - c.auc)).toBeLessThanOrEqual(1e-12);
    });
  }

  it('counts a tied positive/negative pair as one half', () => {
    expect(auc(Uint8Array.of(0, 1), Float64Array.of(0.5, 0.5))).toBe(0.5);
  });

  it('is METRIC_UNDEFINED with a single class', () => {
    expect(() => auc(Uint8Array.of(1, 1), Float64Array.of(0.1, 0.2))).toThrow(
      expect.objectContaining({ code: 'METRIC_UNDEFINED' }) as FraudopsError,
    );
  });

  it('rejects NaN scores and non-binary labels', () => {
    expect(() => auc(Uint8Array.of(0, 1), Float64Array.of(NaN, 0.2))).toThrow(expect.objectContaining({ code: 'METRIC_INPUT_INVALID' }));
    expect(() => auc(Uint8Array.of(0, 2), Float64Array.of(0.1, 0.2))).toThrow(expect.objectContaining({ code: 'METRIC_INPUT_INVALID' }));
  });
});
