/**
 * Cumulative true/false positive counts at each distinct score, from the highest score down — the same
 * table sklearn's `_binary_clf_curve` builds, from which ROC AUC and average precision follow. Equal
 * scores form one threshold, which is how ties are handled. Positives and negatives are sorted separately
 * with the native numeric sort and merged, which is much faster than an index sort with a comparator.
 */
export interface ThresholdCounts {
  /** Number of distinct scores. */
  length: number;
  /** tps[i]: positives with score >= the i-th highest distinct score. */
  tps: Float64Array;
  /** fps[i]: negatives with score >= the i-th highest distinct score. */
  fps: Float64Array;
}

export function thresholdCounts(labels: Uint8Array, scores: Float64Array, positives: number): ThresholdCounts {
  const pos = new Float64Array(positives);
  const neg = new Float64Array(labels.length - positives);
  let p = 0;
  let q = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  pos.sort();
  neg.sort();
  const tps = new Float64Array(labels.length);
  const fps = new Float64Array(labels.length);
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let length = 0;
  while (i >= 0 || j >= 0) {
    const s = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
    while (i >= 0 && pos[i] === s) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === s) {
      fp++;
      j--;
    }
    tps[length] = tp;
    fps[length] = fp;
    length++;
  }
  return { length, tps: tps.subarray(0, length), fps: fps.subarray(0, length) };
}
