import { describe, expect, it } from 'vitest';
import { loadReference } from '../../test/fixtures/metrics/reference.js';
import { cardPrecisionAtK, toCardTransactions } from './cardPrecisionAtK.js';

describe('metrics > cardPrecisionAtK', () => {
  for (const c of loadReference().cardPrecisionAtK) {
    it(`matches the Handbook's card_precision_top_k on ${c.name}`, () => {
      const r = cardPrecisionAtK(toCardTransactions(c.rows), c.k);
      expect(Math.abs(r.mean - c.mean)).toBeLessThanOrEqual(1e-12);
      expect([...r.perDay]).toEqual(c.perDay);
      expect([...r.compromisedPerDay]).toEqual(c.compromisedPerDay);
    });
  }

  it('drops cards detected on an earlier day', () => {
    const rows = [
      { day: 1, customerId: 'a', label: 1, score: 0.9 },
      { day: 1, customerId: 'b', label: 0, score: 0.1 },
      { day: 2, customerId: 'a', label: 1, score: 0.9 },
      { day: 2, customerId: 'b', label: 0, score: 0.1 },
    ];
    const r = cardPrecisionAtK(toCardTransactions(rows), 1);
    expect([...r.perDay]).toEqual([1, 0]);
    expect(r.mean).toBe(0.5);
  });

  it('groups a card by max score and max label', () => {
    const rows = [
      { day: 0, customerId: 1, label: 1, score: 0.2 },
      { day: 0, customerId: 1, label: 0, score: 0.8 },
      { day: 0, customerId: 2, label: 1, score: 0.5 },
    ];
    expect(cardPrecisionAtK(toCardTransactions(rows), 1).mean).toBe(1);
  });

  it('is METRIC_UNDEFINED for an empty test set and rejects a bad k', () => {
    expect(() => cardPrecisionAtK(toCardTransactions([]), 5)).toThrow(expect.objectContaining({ code: 'METRIC_UNDEFINED' }));
    expect(() => cardPrecisionAtK(toCardTransactions([{ day: 0, customerId: 1, label: 0, score: 0 }]), 0)).toThrow(
      expect.objectContaining({ code: 'METRIC_INPUT_INVALID' }),
    );
  });
});
