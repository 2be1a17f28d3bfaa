/**
 * The paired bootstrap, our default model comparison: both models are scored on the same resampled rows in
 * every replicate, so the variation they share (which transactions happen to be in the test window) cancels
 * in the difference, and the number of replicates B only sharpens the estimate of one fixed distribution
 * instead of shrinking the p-value. Rows can be resampled one by one or in whole blocks (days or cards)
 * when rows within a block are dependent.
 */
import { validationInputInvalid, validationUndefined } from './errors.js';
import { checkModelPairInput, meanOf, metricOrNaN, observedMetric, quantileSorted, redrawLimit, type ModelPairInput } from './replicateTools.js';
import { Resampler } from './resampler.js';
import { Rng } from '../util/prng.js';

export interface PairedBootstrapInput extends ModelPairInput {
  /** Block id per row (day or card); whole blocks are resampled with replacement. Rows when omitted. */
  blocks?: Int32Array;
  /** The CI has level 1 − alpha (two-sided percentile interval); default 0.05. */
  alpha?: number;
}

export interface PairedBootstrapResult {
  /** Champion metric per replicate. */
  a: Float64Array;
  /** Candidate metric per replicate. */
  b: Float64Array;
  /** b − a per replicate. */
  diff: Float64Array;
  meanA: number;
  meanB: number;
  meanDiff: number;
  /** Metrics on the full test set, not resampled. */
  observedA: number;
  observedB: number;
  observedDiff: number;
  /** Percentile interval of diff at level 1 − alpha: the alpha/2 and 1 − alpha/2 quantiles (numpy 'linear'). */
  ci: [number, number];
  alpha: number;
  /**
   * One-sided p-value of H0: diff ≤ 0 against H1: the candidate is better,
   * p = (1 + #{replicates with diff ≤ 0}) / (1 + B): the share of the bootstrap distribution of the difference
   * at or below zero (the level at which the one-sided percentile interval just reaches 0), with the usual +1
   * correction so p is never 0 (its smallest value is 1/(1 + B)). Two identical models give p = 1.
   */
  pValue: number;
  B: number;
  /** Resamples on which the metric was undefined for either model (e.g. no fraud drawn); each was redrawn. */
  redrawn: number;
  /** Resampling units: rows, or distinct blocks. */
  units: number;
}

/**
 * Paired bootstrap of metric(candidate) − metric(champion).
 *
 * Resamples on which the metric is undefined for either model are discarded and redrawn from the same
 * seeded stream, so the result is still deterministic and every one of the B replicates is valid; the
 * number discarded is reported as `redrawn`.
 *
 * @example
 * const r = pairedBootstrap({ labels, scoresA: champion, scoresB: candidate, metric: aucMetric, B: 2000, seed: 1 });
 * r.ci; r.pValue;
 * @throws FraudopsError VALIDATION_INPUT_INVALID on bad input, VALIDATION_UNDEFINED when the metric is undefined
 *   on the full test set or on too many resamples (more than 10·B + 100).
 */
export function pairedBootstrap(input: PairedBootstrapInput): PairedBootstrapResult {
  const what = 'pairedBootstrap';
  checkModelPairInput(what, input);
  const { labels, scoresA, scoresB, metric, B, seed, blocks, alpha = 0.05 } = input;
  if (!(alpha > 0 && alpha < 1)) throw validationInputInvalid(what, `alpha must be in (0, 1), got ${alpha}`);
  const observedA = observedMetric(what, metric, labels, scoresA, 'A');
  const observedB = observedMetric(what, metric, labels, scoresB, 'B');

  const resampler = new Resampler(labels.length, blocks);
  const rng = new Rng(seed);
  const a = new Float64Array(B);
  const b = new Float64Array(B);
  const diff = new Float64Array(B);
  const limit = redrawLimit(B);
  let redrawn = 0;
  let atOrBelowZero = 0;
  for (let r = 0; r < B; ) {
    const rows = resampler.draw(rng);
    const va = metricOrNaN(metric, labels, scoresA, rows);
    const vb = Number.isNaN(va) ? NaN : metricOrNaN(metric, labels, scoresB, rows);
    if (Number.isNaN(vb)) {
      if (++redrawn > limit) throw validationUndefined(what, `the metric was undefined on ${redrawn} resamples`, { redrawn });
      continue;
    }
    a[r] = va;
    b[r] = vb;
    diff[r] = vb - va;
    if (diff[r] <= 0) atOrBelowZero++;
    r++;
  }
  const sorted = Float64Array.from(diff).sort();
  return {
    a,
    b,
    diff,
    meanA: meanOf(a),
    meanB: meanOf(b),
    meanDiff: meanOf(diff),
    observedA,
    observedB,
    observedDiff: observedB - observedA,
    ci: [quantileSorted(sorted, alpha / 2), quantileSorted(sorted, 1 - alpha / 2)],
    alpha,
    pValue: (1 + atOrBelowZero) / (1 + B),
    B,
    redrawn,
    units: resampler.units,
  };
}
