import { describe, expect, it } from 'vitest';
import { auc } from '../metrics/auc.js';
import { pairedBootstrap } from './pairedBootstrap.js';
import { aucMetric, averagePrecisionMetric, cardPrecisionMetric, type ResampledMetric } from './resampledMetrics.js';
import { scoredPair } from './testkit.js';

describe('validation > pairedBootstrap', () => {
  const data = scoredPair({ n: 1500, prevalence: 0.08, seed: 11, advantage: 0.6 });

  it('is deterministic for a seed and scores both models on the same rows', () => {
    const seen: Int32Array[] = [];
    const spy: ResampledMetric = (labels, scores, rows) => {
      if (rows !== undefined) seen.push(rows);
      return aucMetric(labels, scores, rows);
    };
    const r1 = pairedBootstrap({ ...data, metric: spy, B: 30, seed: 5 });
    const r2 = pairedBootstrap({ ...data, metric: aucMetric, B: 30, seed: 5 });
    expect(r1.diff).toEqual(r2.diff);
    expect(seen).toHaveLength(60);
    for (let r = 0; r < 30; r++) expect(seen[2 * r + 1]).toBe(seen[2 * r]); // A then B on one resample
    const r3 = pairedBootstrap({ ...data, metric: aucMetric, B: 30, seed: 6 });
    expect(r3.diff).not.toEqual(r1.diff);
  });

  it('returns replicates, means, the percentile CI and the one-sided p-value as documented', () => {
    const B = 400;
    const r = pairedBootstrap({ ...data, metric: aucMetric, B, seed: 1, alpha: 0.1 });
    expect(r.a).toHaveLength(B);
    for (let i = 0; i < B; i++) expect(r.diff[i]).toBe(r.b[i] - r.a[i]);
    expect(r.observedA).toBe(auc(data.labels, data.scoresA));
    expect(r.observedDiff).toBe(r.observedB - r.observedA);
    expect(Math.abs(r.meanDiff - r.observedDiff)).toBeLessThan(0.01);
    const sorted = Float64Array.from(r.diff).sort();
    // numpy 'linear': position (B − 1) q.
    const h = (B - 1) * 0.05;
    expect(r.ci[0]).toBeCloseTo(sorted[Math.floor(h)] + (h - Math.floor(h)) * (sorted[Math.floor(h) + 1] - sorted[Math.floor(h)]), 15);
    expect(r.ci[0]).toBeLessThan(r.ci[1]);
    const below = r.diff.filter((d) => d <= 0).length;
    expect(r.pValue).toBe((1 + below) / (1 + B));
    expect(r.pValue).toBeLessThan(0.05); // the candidate is truly better here
    expect(r.units).toBe(1500);
    expect(r.redrawn).toBe(0);
  });

  it('gives p = 1 for identical models', () => {
    const r = pairedBootstrap({ labels: data.labels, scoresA: data.scoresA, scoresB: data.scoresA, metric: aucMetric, B: 200, seed: 2 });
    expect(r.pValue).toBe(1);
    expect(r.ci).toEqual([0, 0]);
  });

  it('resamples whole blocks, so each replicate holds complete days', () => {
    const blocks = data.day;
    const seen: Int32Array[] = [];
    const spy: ResampledMetric = (labels, scores, rows) => {
      if (rows !== undefined) seen.push(rows);
      return aucMetric(labels, scores, rows);
    };
    const r = pairedBootstrap({ ...data, metric: spy, B: 20, seed: 3, blocks });
    expect(r.units).toBe(10);
    const dayCounts = new Map<number, number>();
    for (const d of data.day) dayCounts.set(d, (dayCounts.get(d) ?? 0) + 1);
    for (const rows of seen) {
      const perDay = new Map<number, number>();
      for (const i of rows) perDay.set(data.day[i], (perDay.get(data.day[i]) ?? 0) + 1);
      for (const [d, c] of perDay) expect(c % dayCounts.get(d)!).toBe(0);
    }
  });

  it('redraws resamples where the metric is undefined and counts them', () => {
    // 40 rows with one fraud: a row resample misses it about e^-1 of the time.
    const small = scoredPair({ n: 40, prevalence: 0, seed: 4 });
    small.labels[7] = 1;
    const r = pairedBootstrap({ ...small, metric: averagePrecisionMetric, B: 200, seed: 9 });
    expect(r.redrawn).toBeGreaterThan(40);
    expect(r.redrawn).toBeLessThan(160);
    for (const v of r.a) expect(Number.isFinite(v)).toBe(true);
    const again = pairedBootstrap({ ...small, metric: averagePrecisionMetric, B: 200, seed: 9 });
    expect(again.redrawn).toBe(r.redrawn);
  });

  it('gives up with VALIDATION_UNDEFINED when the full test set has one class', () => {
    const one = scoredPair({ n: 20, prevalence: 0, seed: 4 });
    expect(() => pairedBootstrap({ ...one, metric: aucMetric, B: 10, seed: 1 })).toThrow(expect.objectContaining({ code: 'VALIDATION_UNDEFINED' }));
  });

  it('runs card precision@k with the day and card of each resampled row', () => {
    const cp = cardPrecisionMetric({ day: data.day, customerId: data.customerId, k: 5 });
    const r = pairedBootstrap({ ...data, metric: cp, B: 50, seed: 8, blocks: data.day });
    for (const v of r.b) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of r.b) expect(v).toBeLessThanOrEqual(1);
    expect(r.observedB).toBeGreaterThan(r.observedA - 0.2);
  });

  it('rejects bad B, alpha, lengths and blocks', () => {
    const bad = (extra: object) => () => pairedBootstrap({ ...data, metric: aucMetric, B: 10, seed: 1, ...extra });
    const invalid = expect.objectContaining({ code: 'VALIDATION_INPUT_INVALID' });
    expect(bad({ B: 0 })).toThrow(invalid);
    expect(bad({ alpha: 1 })).toThrow(invalid);
    expect(bad({ scoresB: new Float64Array(3) })).toThrow(invalid);
    expect(bad({ blocks: new Int32Array(3) })).toThrow(invalid);
  });
});
