/**
 * DeLong's test (DeLong, DeLong & Clarke-Pearson 1988) for two correlated ROC AUCs measured on the same
 * transactions, with the O(n log n) midrank algorithm of Sun & Xu (2014). Each positive's structural
 * component is the share of negatives it outscores (ties count one half), each negative's the share of
 * positives that outscore it; their covariances over positives and over negatives give the variance of
 * AUC_B − AUC_A without any resampling, and the z statistic follows.
 */
import { checkBinaryInputs } from '../metrics/inputs.js';
import { normalSf } from './erfc.js';
import { validationInputInvalid, validationUndefined } from './errors.js';

export interface DeLongInput {
  labels: Uint8Array;
  /** Champion scores. */
  scoresA: Float64Array;
  /** Candidate scores. */
  scoresB: Float64Array;
}

export interface DeLongResult {
  aucA: number;
  aucB: number;
  /** aucB − aucA. */
  meanDiff: number;
  /** Estimated variance of aucB − aucA. */
  variance: number;
  /** meanDiff / √variance; ±Infinity when the variance is 0 and the AUCs differ, 0 when they are equal. */
  z: number;
  /** One-sided p-value of H0: aucB ≤ aucA (H1: the candidate ranks better). */
  pValue: number;
  /** Two-sided p-value of H0: aucB = aucA. */
  pValueTwoSided: number;
  positives: number;
  negatives: number;
}

/**
 * DeLong test of the candidate (`scoresB`) against the champion (`scoresA`).
 *
 * @example
 * const r = delongTest({ labels, scoresA: champion, scoresB: candidate });
 * r.pValue; // small when the candidate's AUC is higher beyond the sampling noise
 * @throws FraudopsError VALIDATION_UNDEFINED with fewer than 2 positives or 2 negatives,
 *   METRIC_INPUT_INVALID / VALIDATION_INPUT_INVALID on bad input.
 */
export function delongTest({ labels, scoresA, scoresB }: DeLongInput): DeLongResult {
  checkBinaryInputs('delongTest', labels, scoresA);
  const m = checkBinaryInputs('delongTest', labels, scoresB);
  if (scoresA.length !== scoresB.length) {
    throw validationInputInvalid('delongTest', `scoresA (${scoresA.length}) and scoresB (${scoresB.length}) differ in length`);
  }
  const n = labels.length - m;
  if (m < 2 || n < 2) {
    throw validationUndefined('delongTest', `needs at least 2 positives and 2 negatives, got ${m} and ${n}`);
  }
  const a = structuralComponents(labels, scoresA, m);
  const b = structuralComponents(labels, scoresB, m);
  const aucA = mean(a.v10);
  const aucB = mean(b.v10);
  // Var(B − A) = [S10_aa + S10_bb − 2 S10_ab] / m + [S01_aa + S01_bb − 2 S01_ab] / n, which is the variance
  // of the per-positive (per-negative) differences of the components.
  const variance = varianceOfDifference(a.v10, b.v10) / m + varianceOfDifference(a.v01, b.v01) / n;
  const meanDiff = aucB - aucA;
  const z = variance > 0 ? meanDiff / Math.sqrt(variance) : meanDiff === 0 ? 0 : meanDiff > 0 ? Infinity : -Infinity;
  return {
    aucA,
    aucB,
    meanDiff,
    variance,
    z,
    pValue: normalSf(z),
    pValueTwoSided: Math.min(1, 2 * normalSf(Math.abs(z))),
    positives: m,
    negatives: n,
  };
}

/**
 * Sun & Xu's components from three midrankings: tz over all scores, tx over the positives, ty over the
 * negatives. V10_i = (tz_i − tx_i) / n for positive i, V01_j = 1 − (tz_j − ty_j) / m for negative j.
 */
function structuralComponents(labels: Uint8Array, scores: Float64Array, m: number): { v10: Float64Array; v01: Float64Array } {
  const n = labels.length - m;
  const pos = new Float64Array(m);
  const neg = new Float64Array(n);
  for (let i = 0, p = 0, q = 0; i < labels.length; i++) {
    if (labels[i] === 1) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  const all = Float64Array.from(scores).sort();
  const sortedPos = Float64Array.from(pos).sort();
  const sortedNeg = Float64Array.from(neg).sort();
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  for (let i = 0; i < m; i++) v10[i] = (midrank(all, pos[i]) - midrank(sortedPos, pos[i])) / n;
  for (let j = 0; j < n; j++) v01[j] = 1 - (midrank(all, neg[j]) - midrank(sortedNeg, neg[j])) / m;
  return { v10, v01 };
}

/** 1-based midrank of `v` among `sorted`: (number below) + (number equal + 1) / 2. */
function midrank(sorted: Float64Array, v: number): number {
  const below = lowerBound(sorted, v);
  const equal = lowerBound(sorted, v, below, true) - below;
  return below + (equal + 1) / 2;
}

/** First index whose value is ≥ v (or > v when `strict`), from `from` on. */
function lowerBound(sorted: Float64Array, v: number, from = 0, strict = false): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v || (strict && sorted[mid] === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function mean(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}

/** Unbiased variance (ddof 1) of b_i − a_i. */
function varianceOfDifference(a: Float64Array, b: Float64Array): number {
  const k = a.length;
  let s = 0;
  for (let i = 0; i < k; i++) s += b[i] - a[i];
  const mu = s / k;
  let ss = 0;
  for (let i = 0; i < k; i++) {
    const d = b[i] - a[i] - mu;
    ss += d * d;
  }
  return ss / (k - 1);
}
