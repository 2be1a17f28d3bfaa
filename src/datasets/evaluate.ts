/** The test-window metrics of one scored set: AUC, average precision, card precision@100 and log loss. */
import { auc, averagePrecision, cardPrecisionAtK, logLoss } from '../metrics/index.js';
import type { LabeledRows } from './FeatureFrame.js';

export type MetricName = 'auc' | 'ap' | 'cp100';
export const METRIC_NAMES: readonly MetricName[] = ['ap', 'auc', 'cp100'];

export interface Metrics {
  auc: number;
  ap: number;
  cp100: number;
  logloss: number;
}

export function evaluate(set: LabeledRows, scores: Float64Array): Metrics {
  return {
    auc: auc(set.y, scores),
    ap: averagePrecision(set.y, scores),
    cp100: cardPrecisionAtK({ day: set.day, customerId: set.customerId, label: set.y, score: scores }, 100).mean,
    logloss: logLoss(set.y, scores),
  };
}

/**
 * The F1-maximising score threshold on a scored set (ties resolved towards the higher threshold). With `weight`, each
 * row counts as that many rows (a down-sampled set standing for the whole one).
 */
export function bestF1Threshold(y: Uint8Array, scores: Float64Array, weight?: Float64Array): number {
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
  const w = (i: number): number => weight?.[i] ?? 1;
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i] * w(i);
  let tp = 0;
  let flagged = 0;
  let bestF1 = -1;
  let best = 1;
  for (let k = 0; k < order.length; k++) {
    tp += y[order[k]] * w(order[k]);
    flagged += w(order[k]);
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) continue;
    const f1 = (2 * tp) / (flagged + positives);
    if (f1 > bestF1) {
      bestF1 = f1;
      best = scores[order[k]];
    }
  }
  return best;
}
