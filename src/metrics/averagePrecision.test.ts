import { describe, expect, it } from 'vitest';
import { loadReference } from '../../test/fixtures/metrics/reference.js';
import { averagePrecision } from './averagePrecision.js';

describe('metrics > averagePrecision', () => {
  for (const c of loadReference().metrics) {
    it(`matches sklearn average_precision_score on ${c.name}`, () => {
      const ap = averagePrecision(Uint8Array.from(c.labels), Float64Array.from(c.scores));
      expect(Math.abs(ap - c.averagePrecision)).toBeLessThanOrEqual(1e-12);
    });
  }

  it('is METRIC_UNDEFINED without positives', () => {
    expect(() => averagePrecision(Uint8Array.of(0, 0), Float64Array.of(0.1, 0.2))).toThrow(
      expect.objectContaining({ code: 'METRIC_UNDEFINED' }),
    );
  });
});
