/**
 * Average precision as sklearn's `average_precision_score` defines it: Σ (R_n − R_{n−1}) · P_n over the
 * distinct score thresholds from high to low (a step-wise area, no interpolation). Tied scores form one step.
 */
import { checkBinaryInputs, metricUndefined } from './inputs.js';
import { thresholdCounts } from './thresholdCounts.js';

/**
 * Average precision of `scores` against 0/1 `labels`. O(n log n).
 *
 * @example
 * averagePrecision(Uint8Array.of(0, 1, 1, 0), Float64Array.of(0.1, 0.8, 0.4, 0.5)); // (1 + 2/3) / 2
 * @throws FraudopsError METRIC_UNDEFINED when there is no positive label, METRIC_INPUT_INVALID on bad input.
 */
export function averagePrecision(labels: Uint8Array, scores: Float64Array): number {
  const positives = checkBinaryInputs('averagePrecision', labels, scores);
  if (positives === 0) throw metricUndefined('averagePrecision', 'labels contain no positive');
  const { length, tps, fps } = thresholdCounts(labels, scores, positives);
  let sum = 0;
  let prevTp = 0;
  for (let i = 0; i < length; i++) {
    const tp = tps[i];
    if (tp !== prevTp) sum += ((tp - prevTp) / positives) * (tp / (tp + fps[i]));
    prevTp = tp;
  }
  return sum;
}
