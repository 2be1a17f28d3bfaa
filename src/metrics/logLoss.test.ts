import { describe, expect, it } from 'vitest';
import { loadReference } from '../../test/fixtures/metrics/reference.js';
import { logLoss } from './logLoss.js';

describe('metrics > logLoss', () => {
  for (const c of loadReference().metrics) {
    it(`matches sklearn log_loss on ${c.name}`, () => {
      const ll = logLoss(Uint8Array.from(c.labels), Float64Array.from(c.scores));
      expect(Math.abs(ll - c.logLoss)).toBeLessThanOrEqual(1e-12 * Math.max(1, c.logLoss));
    });
  }

  it('is METRIC_UNDEFINED on empty input and rejects probabilities outside [0, 1]', () => {
    expect(() => logLoss(new Uint8Array(0), new Float64Array(0))).toThrow(expect.objectContaining({ code: 'METRIC_UNDEFINED' }));
    expect(() => logLoss(Uint8Array.of(1), Float64Array.of(1.5))).toThrow(expect.objectContaining({ code: 'METRIC_INPUT_INVALID' }));
  });
});
