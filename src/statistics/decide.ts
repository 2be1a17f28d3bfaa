/**
 * The promotion rule of `fraudops validate`: promote the candidate only when the chosen test finds it better
 * than the champion (one-sided p < alpha) and the estimated gain is at least `minEffect`; a candidate with no
 * champion to beat is promoted as the first model. The checks run in this order: no champion (FIRST_MODEL), a
 * negative estimated gain (WORSE, whatever the p-value), p ≥ alpha (NOT_SIGNIFICANT), gain below minEffect
 * (EFFECT_TOO_SMALL), else SIGNIFICANT_IMPROVEMENT.
 */
import { validationInputInvalid } from './errors.js';

export type ValidationTest = 'paired-bootstrap' | 'delong' | 'course-t';

export type DecisionCode = 'FIRST_MODEL' | 'SIGNIFICANT_IMPROVEMENT' | 'NOT_SIGNIFICANT' | 'EFFECT_TOO_SMALL' | 'WORSE';

export interface DecisionPolicy {
  test: ValidationTest;
  /** Significance level of the one-sided test, in (0, 1). */
  alpha: number;
  /** Smallest gain in the metric (candidate − champion) worth a promotion, ≥ 0. */
  minEffect: number;
}

/** The test's one-sided p-value (H1: candidate better) and its estimate of candidate − champion. */
export interface ComparisonStats {
  pValue: number;
  meanDiff: number;
}

/** Either a comparison, or `noChampion: true`. Results of pairedBootstrap, delongTest and courseTTest spread in. */
export type DecideInput = DecisionPolicy & (ComparisonStats | { noChampion: true })
// A NaN pValue (a t-test on constant replicates) counts as not significant.;

export interface Decision {
  promote: boolean;
  code: DecisionCode;
  /** One sentence for people; branch on `code`. */
  reason: string;
  /** NaN for the first model. */
  pValue: number;
  /** Candidate − champion; NaN for the first model. */
  effect: number;
}

const TEST_NAMES: Record<ValidationTest, string> = {
  'paired-bootstrap': 'paired bootstrap',
  delong: 'DeLong test',
  'course-t': "course t-test on bootstrap replicates",
};

/**
 * @example
 * decide({ ...pairedBootstrap(input), test: 'paired-bootstrap', alpha: 0.05, minEffect: 0.002 }); // policy last: it wins
 * decide({ test: 'delong', alpha: 0.05, minEffect: 0, noChampion: true }); // FIRST_MODEL
 * @throws FraudopsError VALIDATION_INPUT_INVALID for an unknown test, alpha outside (0, 1) or a negative minEffect.
 */
export function decide(input: DecideInput): Decision {
  const { test, alpha, minEffect } = input;
  if (!(test in TEST_NAMES)) throw validationInputInvalid('decide', `unknown test ${String(test)}`);
  if (!(alpha > 0 && alpha < 1)) throw validationInputInvalid('decide', `alpha must be in (0, 1), got ${alpha}`);
  if (!(minEffect >= 0) || !Number.isFinite(minEffect)) {
    throw validationInputInvalid('decide', `minEffect must be a finite number ≥ 0, got ${minEffect}`);
  }
  if ('noChampion' in input && input.noChampion) {
    return { promote: true, code: 'FIRST_MODEL', reason: 'No champion model exists yet; the candidate becomes the first model.', pValue: NaN, effect: NaN };
  }
  const { pValue, meanDiff: effect } = input as ComparisonStats;
  if (Number.isNaN(effect) || !(Number.isNaN(pValue) || (pValue >= 0 && pValue <= 1))) {
    throw validationInputInvalid('decide', `needs pValue in [0, 1] and a meanDiff, got ${pValue} and ${effect}`);
  }
  const name = TEST_NAMES[test];
  const p = formatP(pValue);
  const e = formatEffect(effect);
  if (effect < 0) {
    return { promote: false, code: 'WORSE', reason: `The candidate scores below the champion (${e}; ${name} p = ${p}).`, pValue, effect };
  }
  if (!(pValue < alpha)) {
    return {
      promote: false,
      code: 'NOT_SIGNIFICANT',
      reason: `The gain ${e} is not significant: ${name} p = ${p} ≥ alpha = ${alpha}.`,
      pValue,
      effect,
    };
  }
  if (effect < minEffect) {
    return {
      promote: false,
      code: 'EFFECT_TOO_SMALL',
      reason: `The gain ${e} is significant (${name} p = ${p}) but below the minimum effect ${minEffect}.`,
      pValue,
      effect,
    };
  }
  return {
    promote: true,
    code: 'SIGNIFICANT_IMPROVEMENT',
    reason: `The candidate is better by ${e} (${name} p = ${p} < alpha = ${alpha}, minimum effect ${minEffect}).`,
    pValue,
    effect,
  };
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
}

function formatEffect(d: number): string {
  return `${d >= 0 ? '+' : ''}${d.toPrecision(3)}`;
}
