import { describe, expect, it } from 'vitest';
import type { LabeledSet } from '../datasets/FeatureFrame.js';
import { cardUniform, sampleCards } from './sampleCards.js';

/** `rows` transactions over `cards` cards, every 50th a fraud. */
function cardSet(rows: number, cards: number): LabeledSet {
  const y = Uint8Array.from({ length: rows }, (_, i) => (i % 50 === 0 ? 1 : 0));
  return {
    X: { rows, cols: 1, data: Float64Array.from({ length: rows }, (_, i) => i), names: ['x'] },
    y,
    day: Int32Array.from({ length: rows }, (_, i) => i % 7),
    customerId: Float64Array.from({ length: rows }, (_, i) => (i * 7919) % cards),
    transactionId: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)),
    frauds: y.reduce((a, v) => a + v, 0),
  };
}

describe('training > sample cards', () => {
  const set = cardSet(100_000, 5000);

  it('leaves a set under the cap as it is', () => {
    const s = sampleCards(set, 100_000, 1);
    expect(s.set).toBe(set);
    expect(s.cardRate).toBe(1);
  });

  it('keeps every transaction of a kept card and none of the others, about the cap in rows', () => {
    const s = sampleCards(set, 20_000, 1);
    expect(s.cardRate).toBe(0.2);
    expect(Math.abs(s.set.X.rows - 20_000)).toBeLessThan(2000);
    const kept = new Set(s.set.customerId);
    const expected = [...set.customerId].filter((c) => kept.has(c)).length;
    expect(s.set.X.rows).toBe(expected);
    expect(s.set.frauds).toBe(s.set.y.reduce((a, v) => a + v, 0));
    for (let k = 0; k < s.set.X.rows; k++) expect(s.set.X.data[k]).toBe(Number(s.set.transactionId[k]));
  });

  it('draws cards uniformly, fixed by card and seed', () => {
    const draws = Array.from({ length: 20_000 }, (_, c) => cardUniform(c, 5));
    const mean = draws.reduce((a, v) => a + v, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    expect(draws.filter((u) => u < 0.1).length / draws.length).toBeCloseTo(0.1, 1);
    expect(cardUniform(123, 5)).toBe(draws[123]);
    expect(cardUniform(123, 6)).not.toBe(draws[123]);
    expect(cardUniform(2 ** 40 + 3, 5)).not.toBe(cardUniform(3, 5));
  });
});
