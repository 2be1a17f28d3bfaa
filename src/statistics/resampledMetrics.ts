/**
 * The model-quality metrics of src/metrics in the form the bootstrap needs: (labels, scores, rows?) → value,
 * where `rows` lists the resampled row indices into the full columns (with repeats). Passing indices instead
 * of copied arrays is what lets a metric that needs more columns (the day and card of each transaction for
 * card precision@k) close over them and read them for the same rows.
 */
import { auc } from '../metrics/auc.js';
import { averagePrecision } from '../metrics/averagePrecision.js';
import { cardPrecisionAtK, type Key } from '../metrics/cardPrecisionAtK.js';

/**
 * A metric of one model's scores on the rows `rows` (all rows when omitted). Throws FraudopsError
 * METRIC_UNDEFINED when the resample has no value (e.g. a single class); the bootstrap redraws those.
 */
export type ResampledMetric = (labels: Uint8Array, scores: Float64Array, rows?: Int32Array) => number;

/** ROC AUC (sklearn's roc_auc_score). */
export const aucMetric: ResampledMetric = (labels, scores, rows) => {
  if (rows === undefined) return auc(labels, scores);
  const [l, s] = gather(labels, scores, rows);
  return auc(l, s);
};

/** Average precision (sklearn's average_precision_score). */
export const averagePrecisionMetric: ResampledMetric = (labels, scores, rows) => {
  if (rows === undefined) return averagePrecision(labels, scores);
  const [l, s] = gather(labels, scores, rows);
  return averagePrecision(l, s);
};

/**
 * Card precision top-k over the days and cards of the full test window; a row drawn twice counts as two
 * transactions of the same card on the same day (so it changes neither the card's max score nor its label).
 *
 * @example
 * const cp100 = cardPrecisionMetric({ day, customerId, k: 100 });
 * pairedBootstrap({ labels, scoresA, scoresB, metric: cp100, B: 1000, seed: 7, blocks: dayIds });
 */
export function cardPrecisionMetric(columns: { day: ArrayLike<Key>; customerId: ArrayLike<Key>; k: number }): ResampledMetric {
  const { day, customerId, k } = columns;
  return (labels, scores, rows) => {
    if (rows === undefined) return cardPrecisionAtK({ day, customerId, label: labels, score: scores }, k).mean;
    const n = rows.length;
    const d = new Array<Key>(n);
    const c = new Array<Key>(n);
    for (let j = 0; j < n; j++) {
      d[j] = day[rows[j]];
      c[j] = customerId[rows[j]];
    }
    const [l, s] = gather(labels, scores, rows);
    return cardPrecisionAtK({ day: d, customerId: c, label: l, score: s }, k).mean;
  };
}

function gather(labels: Uint8Array, scores: Float64Array, rows: Int32Array): [Uint8Array, Float64Array] {
  const n = rows.length;
  const l = new Uint8Array(n);
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const r = rows[j];
    l[j] = labels[r];
    s[j] = scores[r];
  }
  return [l, s];
}
