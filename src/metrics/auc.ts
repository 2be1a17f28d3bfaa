/**
 * Area under the ROC curve, equal to sklearn's `roc_auc_score` for binary labels: tied scores share one
 * threshold, so a positive tied with a negative counts one half (the average-rank / Mann–Whitney form).
 */
import { checkBinaryInputs, metricUndefined } from './inputs.js';
import { thresholdCounts } from './thresholdCounts.js';

/**
 * ROC AUC of `scores` against 0/1 `labels`. O(n log n).
 *
 * @example
 * auc(Uint8Array.of(0, 1, 1), Float64Array.of(0.2, 0.9, 0.2)); // 0.75
 * @throws FraudopsError METRIC_UNDEFINED when only one class is present, METRIC_INPUT_INVALID on bad input.
 */
export function auc(labels: Uint8Array, scores: Float64Array): number {
  const positives = checkBinaryInputs('auc', labels, scores);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw metricUndefined('auc', 'labels contain a single class');
  }
  const { length, tps, fps } = thresholdCounts(labels, scores, positives);
  // Trapezoids between consecutive thresholds; counts are integers, so the sum is exact until the division.
  let twiceArea = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let i = 0; i < length; i++) {
    twiceArea += (fps[i] - prevFp) * (tps[i] + prevTp);
    prevTp = tps[i];
    prevFp = fps[i];
  }
  return twiceArea / (2 * positives * negatives);
}
