/**
 * Tail probabilities of Student's t distribution with real-valued degrees of freedom (Welch's df is not an
 * integer), through P(T > t) = ½ I_{ν/(ν+t²)}(ν/2, ½). The two arguments of I are formed from r = ν/t², so
 * neither overflows for huge |t| nor loses its digits for tiny |t| or huge ν. Tails smaller than the smallest
 * double come out as 0, as in scipy.
 */
import { normalSf } from './erfc.js';
import { regularizedIncompleteBeta } from './incompleteBeta.js';

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
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  const upper = halfTail(Math.abs(t), df);
  return t > 0 ? upper : 1 - upper;
}

/** P(T ≤ t) for T ~ t(df). */
export function studentTCdf(t: number, df: number): number {
  return studentTSf(-t, df);
}

/** ½ I_x(ν/2, ½) with x = ν/(ν + t²) = r/(1 + r), 1 − x = 1/(1 + r), r = ν/t²; t > 0. */
function halfTail(t: number, df: number): number {
  const r = df / t / t;
  if (r === Infinity) return 0.5;
  const x = r / (1 + r);
  const y = 1 / (1 + r);
  return 0.5 * regularizedIncompleteBeta(x, df / 2, 0.5, y);
}
