/**
 * Small pieces shared by the paired and the course-style bootstrap: checking the common input, evaluating a
 * metric that may be undefined on a resample, means and percentiles of replicate arrays.
 */
import { isFraudopsError } from '../errors.js';
import { validationInputInvalid, validationUndefined } from './errors.js';
import type { ResampledMetric } from './resampledMetrics.js';

export interface ModelPairInput {
  labels: Uint8Array;
  /** Champion scores. */
  scoresA: Float64Array;
  /** Candidate scores. */
  scoresB: Float64Array;
  metric: ResampledMetric;
  /** Number of replicates. */
  B: number;
  seed: number;
}

export function checkModelPairInput(what: string, input: ModelPairInput): void {
  const { labels, scoresA, scoresB, B, seed } = input;
  if (scoresA.length !== labels.length || scoresB.length !== labels.length) {
    throw validationInputInvalid(what, `labels (${labels.length}), scoresA (${scoresA.length}) and scoresB (${scoresB.length}) differ in length`);
  }
  if (labels.length === 0) throw validationInputInvalid(what, 'no rows');
  if (!Number.isInteger(B) || B < 1) throw validationInputInvalid(what, `B must be a positive integer, got ${B}`);
  if (!Number.isFinite(seed)) throw validationInputInvalid(what, `seed must be a finite number, got ${seed}`);
}

/** The metric's value, or NaN when it is undefined on these rows (METRIC_UNDEFINED); other errors propagate. */
export function metricOrNaN(metric: ResampledMetric, labels: Uint8Array, scores: Float64Array, rows?: Int32Array): number {
  try {
    return metric(labels, scores, rows);
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'METRIC_UNDEFINED') return NaN;
    throw e;
  }
}

/** The metric on all rows; undefined there means the comparison itself is undefined. */
export function observedMetric(what: string, metric: ResampledMetric, labels: Uint8Array, scores: Float64Array, model: string): number {
  const v = metricOrNaN(metric, labels, scores);
  if (Number.isNaN(v)) throw validationUndefined(what, `the metric is undefined on the full test set for model ${model}`);
  return v;
}

/** Redraws allowed over a whole run before giving up: a resample with one class should be rare. */
export function redrawLimit(B: number): number {
  return 10 * B + 100;
}

export function meanOf(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}

/** Percentile with linear interpolation between order statistics (numpy's default 'linear' method). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
