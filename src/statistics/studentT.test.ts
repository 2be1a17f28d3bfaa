import { describe, expect, it } from 'vitest';
import { loadValidationReference } from '../../test/fixtures/validation/reference.js';
import betainc from '@stdlib/math-base-special-betainc';
import { erfc, normalCdf, normalSf } from './erfc.js';
import { studentTCdf, studentTSf } from './studentT.js';

function relativeError(got: number, want: number): number {
  return want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
}

describe('validation > studentT', () => {
  const ref = loadValidationReference();

  it('erfc matches 50-digit values to 2e-15 relative, into the far tail', () => {
    for (const [x, want] of ref.erfc) expect(relativeError(erfc(x), want), `erfc(${x})`).toBeLessThan(2e-15);
  });

  it('the normal tail and cdf are consistent with erfc', () => {
    expect(normalSf(1.959963984540054)).toBeCloseTo(0.025, 15);
    expect(normalCdf(-1.959963984540054)).toBeCloseTo(0.025, 15);
    expect(relativeError(normalSf(30), 4.906713927148187e-198)).toBeLessThan(1e-13);
  });

  it('the regularized incomplete beta studentT relies on (@stdlib) matches scipy.special.betainc', () => {
    for (const [x, a, b, want] of ref.betainc) {
      expect(relativeError(betainc(x, a, b), want), `I_${x}(${a}, ${b})`).toBeLessThan(1e-12);
    }
  });

  it('the t tail matches 40-digit values to 1e-12 relative, for large df and extreme t', () => {
    for (const [t, df, , exact] of ref.tsf) {
      if (exact === null) continue;
      const got = studentTSf(t, df);
      if (exact < 1e-300) expect(got, `sf(${t}, ${df})`).toBeLessThan(1e-290);
      else expect(relativeError(got, exact), `sf(${t}, ${df})`).toBeLessThan(1e-12);
    }
  });

  it('the t tail is within 1e-10 absolute of scipy.stats.t.sf everywhere (scipy itself is off by 1.4e-11 at t = 1e-6, df = 1)', () => {
    for (const [t, df, scipy] of ref.tsf) expect(Math.abs(studentTSf(t, df) - scipy), `sf(${t}, ${df})`).toBeLessThan(1e-10);
  });

  it('is symmetric and handles infinite arguments', () => {
    expect(studentTCdf(1.3, 9) + studentTSf(1.3, 9)).toBeCloseTo(1, 15);
    expect(studentTSf(Infinity, 3)).toBe(0);
    expect(studentTSf(-Infinity, 3)).toBe(1);
    expect(studentTSf(0, 3)).toBe(0.5);
    expect(studentTSf(1.5, Infinity)).toBe(normalSf(1.5));
    expect(studentTSf(NaN, 3)).toBeNaN();
  });
});
