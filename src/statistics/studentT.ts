/**
 * Tail probabilities of Student's t distribution with real-valued degrees of freedom (Welch's df is not an
 * integer), from @stdlib's t CDF and regularized incomplete beta. One correction on top: near the centre
 * (P(T > t) > ¼) stdlib's t CDF goes through the upper incomplete beta, which is off by up to ~3e-11 absolute
 * there (scipy is too, at t = 1e-6, df = 1), so that half is taken as ½ − ½ I_y(½, ν/2) with y = t²/(ν + t²)
 * from the lower incomplete beta, which keeps full precision. df = ∞ is the normal tail (stdlib returns ½).
 */
import betainc from '@stdlib/math-base-special-betainc';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import { normalSf } from './erfc.js';

/**
 * P(T > t) for T ~ t(df).
 *
 * @example
 * studentTSf(2.0, 10); // ≈ 0.036694017385370
 */
export function studentTSf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (df === Infinity) return normalSf(t);
  if (t === 0) return 0.5;
  const upper = upperTail(Math.abs(t), df);
  return t > 0 ? upper : 1 - upper;
}

/** P(T ≤ t) for T ~ t(df). */
export function studentTCdf(t: number, df: number): number {
  return studentTSf(-t, df);
}

/** P(T > t) for t > 0. y = t²/(ν + t²) is formed from r = ν/t² so that neither t² nor ν + t² overflows. */
function upperTail(t: number, df: number): number {
  const tail = tCdf(-t, df);
  if (tail <= 0.25) return tail;
  const y = 1 / (1 + df / t / t);
  return 0.5 - 0.5 * betainc(y, 0.5, df / 2);
}
