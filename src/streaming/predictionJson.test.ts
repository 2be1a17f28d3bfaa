import { describe, expect, it } from 'vitest';
import type { Prediction } from '../scoring/Scorer.js';
import { predictionJsonLines } from './predictionJson.js';

const base: Prediction = {
  id: '1234567',
  score: 0.012345678901234567,
  decision: 'pass',
  threshold: 0.5,
  model: 'fraud-detector',
  modelVersion: '3',
  featureSpecHash: '0123456789abcdef',
  eventTime: '2019-09-04T10:11:12Z',
  scoringTime: '2026-12-02T00:00:00.123Z',
  latencyMs: 42,
  partition: 5,
  offset: '987654321',
};

describe('streaming > predictionJson', () => {
  it('writes the same text as JSON.stringify for every shape of prediction in a batch', () => {
    const batch: Prediction[] = [
      base,
      { ...base, id: '7', score: 1, decision: 'alert', latencyMs: 0 },
      { ...base, score: 1e-21, threshold: 0.25 },
      { ...base, model: 'with "quotes" and \\ and ünïcode', modelVersion: '12' },
      { ...base, score: Number.NaN, latencyMs: -3 },
      { ...base, scoringTime: '2026-12-02T00:00:01.000Z', featureSpecHash: 'fedcba9876543210' },
      { ...base, id: 'weird"id' },
      { ...base, features: { amount: 1.5, customer_nb_tx_1day: 2 } },
      base,
    ];
    expect(predictionJsonLines(batch)).toEqual(batch.map((p) => JSON.stringify(p)));
    for (const line of predictionJsonLines(batch)) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('gives nothing for no predictions', () => {
    expect(predictionJsonLines([])).toEqual([]);
  });
});
