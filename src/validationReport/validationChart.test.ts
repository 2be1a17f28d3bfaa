import { describe, expect, it } from 'vitest';
import { niceTicks } from './validationChart.js';

describe('validation > chart > niceTicks', () => {
  it('covers an ordinary range with round steps', () => {
    expect(niceTicks(0.99, 1.01)).toEqual([0.99, 0.995, 1, 1.005, expect.closeTo(1.01, 12)]);
  });

  it('ends on a range narrower than the floating-point resolution of its values', () => {
    // Bootstrap replicates of a perfect ranking: average precision 1 − ε on some, 1 on the others.
    const lo = 1 - Number.EPSILON / 2;
    expect(lo).toBeLessThan(1);
    expect(niceTicks(lo, 1)).toEqual([lo]);
  });
});
