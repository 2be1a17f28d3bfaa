/**
 * Mean binary cross-entropy, as sklearn's `log_loss` computes it for positive-class probabilities:
 * probabilities are clipped to [eps, 1 − eps] (eps defaults to the float64 machine epsilon), so a
 * confident mistake costs about 36 rather than infinity.
 */
import { checkBinaryInputs, metricInputInvalid, metricUndefined } from './inputs.js';

/**
 * Mean log loss of positive-class probabilities `probs` against 0/1 `labels`.
 *
 * @example
 * logLoss(Uint8Array.of(1, 0), Float64Array.of(0.9, 0.2)); // (−ln 0.9 − ln 0.8) / 2
 * @throws FraudopsError METRIC_UNDEFINED on empty input, METRIC_INPUT_INVALID on bad input or probabilities.
 */
export function logLoss(labels: Uint8Array, probs: Float64Array, eps: number = Number.EPSILON): number {
  checkBinaryInputs('logLoss', labels, probs);
  if (labels.length === 0) throw metricUndefined('logLoss', 'no samples');
  if (!(eps > 0 && eps < 0.5)) throw metricInputInvalid('logLoss', `eps ${eps} is not in (0, 0.5)`);
  const hi = 1 - eps;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = probs[i];
    if (p < 0 || p > 1) throw metricInputInvalid('logLoss', `probability ${p} is outside [0, 1]`, i);
    // sklearn clips both columns of [1 − p, p]; clipping 1 − p is not the same float as 1 − clip(p).
    const q = labels[i] === 1 ? p : 1 - p;
    sum -= Math.log(q < eps ? eps : q > hi ? hi : q);
  }
  return sum / labels.length;
}
