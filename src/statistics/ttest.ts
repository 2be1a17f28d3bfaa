/**
 * Two-sample t-tests on independent samples, equal to scipy.stats.ttest_ind: Student's pooled-variance test
 * (the default, as in the course notebooks) and Welch's test (`equalVar: false`, scipy's `equal_var=False`).
 * Used by the course-style comparison of bootstrap replicates and available for any independent samples.
 */
import { validationInputInvalid } from './errors.js';
import { studentTCdf, studentTSf } from './studentT.js';

export type Alternative = 'two-sided' | 'greater' | 'less';

export interface TTestOptions {
  /** Pooled variance (Student) when true, the default; Welch–Satterthwaite when false. */
  equalVar?: boolean;
  /** 'greater': the mean of `a` exceeds the mean of `b`; 'less': it is below; default two-sided. */
  alternative?: Alternative;
}

export interface TTestResult {
  statistic: number;
  pValue: number;
  /** Degrees of freedom (not an integer for Welch). */
  df: number;
  meanA: number;
  meanB: number;
}

/**
 * t-test of mean(a) against mean(b). Constant samples with equal means give NaN statistic and p-value, as in
 * scipy; p-values below the smallest double are 0.
 *
 * @example
 * ttestInd(Float64Array.of(1, 2, 3, 4), Float64Array.of(2, 3, 4, 5, 6), { equalVar: false }).pValue;
 * @throws FraudopsError VALIDATION_INPUT_INVALID when a sample has fewer than 2 values or holds a non-finite value.
 */
export function ttestInd(a: ArrayLike<number>, b: ArrayLike<number>, options: TTestOptions = {}): TTestResult {
  const { equalVar = true, alternative = 'two-sided' } = options;
  const na = a.length;
  const nb = b.length;
  if (na < 2 || nb < 2) throw validationInputInvalid('ttestInd', `each sample needs 2 values, got ${na} and ${nb}`);
  const [meanA, varA] = meanAndVariance(a, 'a');
  const [meanB, varB] = meanAndVariance(b, 'b');
  let df: number;
  let se: number;
  if (equalVar) {
    df = na + nb - 2;
    const pooled = ((na - 1) * varA + (nb - 1) * varB) / df;
    se = Math.sqrt(pooled * (1 / na + 1 / nb));
  } else {
    const va = varA / na;
    const vb = varB / nb;
    df = (va + vb) ** 2 / ((va * va) / (na - 1) + (vb * vb) / (nb - 1));
    se = Math.sqrt(va + vb);
  }
  const statistic = (meanA - meanB) / se;
  return { statistic, pValue: tPValue(statistic, df, alternative), df, meanA, meanB };
}

/** p-value of a t statistic with `df` degrees of freedom under the given alternative. */
export function tPValue(t: number, df: number, alternative: Alternative): number {
  if (Number.isNaN(t) || Number.isNaN(df)) return NaN;
  switch (alternative) {
    case 'greater':
      return studentTSf(t, df);
    case 'less':
      return studentTCdf(t, df);
    case 'two-sided':
      return Math.min(1, 2 * studentTSf(Math.abs(t), df));
    default:
      throw validationInputInvalid('ttestInd', `unknown alternative ${String(alternative)}`);
  }
}

/** Mean and the unbiased variance (ddof 1), by two passes so near-identical values do not cancel. */
function meanAndVariance(x: ArrayLike<number>, name: string): [number, number] {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) throw validationInputInvalid('ttestInd', `sample ${name} holds ${v} at ${i}`, { index: i });
    sum += v;
  }
  const mean = sum / n;
  let ss = 0;
  let comp = 0; // the sum of deviations, which rounding leaves slightly off zero; corrects the squares
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    ss += d * d;
    comp += d;
  }
  return [mean, (ss - (comp * comp) / n) / (n - 1)];
}
