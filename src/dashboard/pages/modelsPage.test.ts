import { describe, expect, it } from 'vitest';
import { histograms } from './modelsPage.js';

describe('dashboard > models page > histograms', () => {
  it('bins two samples on shared edges and keeps every value', () => {
    const a = [0.1, 0.2, 0.2, 0.3];
    const b = [0.25, 0.5, 0.5];
    const h = histograms([a, b], 4);
    expect(h.x.length).toBe(4);
    expect(h.width).toBeCloseTo(0.1);
    expect(h.x[0]).toBeCloseTo(0.15);
    expect(h.counts).toEqual([
      [1, 3, 0, 0],
      [0, 1, 0, 2],
    ]);
  });

  it('draws a constant sample as one bar', () => {
    const h = histograms([[0.4, 0.4]], 3);
    expect(h.counts[0].reduce((s, c) => s + c, 0)).toBe(2);
  });
});
