/**
 * The course's model comparison, kept to compare against: each model is bootstrapped on its own, independent
 * resamples, and an unpaired Student t-test is run on the two arrays of B replicate metrics. Its standard
 * error is that of the replicate means, which falls like 1/√B, so any fixed difference between the two
 * models on this test set — real or noise — becomes "significant" once B is large enough. Not a sound test;
 * use pairedBootstrap or delongTest to decide.
 */
import { validationUndefined } from './errors.js';
import { checkModelPairInput, meanOf, metricOrNaN, observedMetric, redrawLimit, type ModelPairInput } from './replicateTools.js';
import { Resampler } from './resampler.js';
import { Rng } from '../util/prng.js';
import { ttestInd } from './ttest.js';

export interface CourseTTestResult {
  /** Champion metric per replicate (its own resamples). */
  a: Float64Array;
  /** Candidate metric per replicate (independent resamples). */
  b: Float64Array;
  meanA: number;
  meanB: number;
  /** meanB − meanA. */
  meanDiff: number;
  /** Student t statistic of b against a (pooled variance, as in the course). */
  statistic: number;
  df: number;
  /** One-sided p-value, H1: the candidate's mean replicate metric is higher. */
  pValue: number;
  pValueTwoSided: number;
  B: number;
  redrawn: number;
}

/**
 * Course-style comparison: B independent bootstrap replicates per model, then ttestInd(b, a) (Student's test with
 * pooled variance by default, as the course ran it; `equalVar: false` gives Welch's).
 *
 * @example
 * courseTTest({ labels, scoresA, scoresB, metric: aucMetric, B: 1000, seed: 3 }).pValue;
 * @throws FraudopsError like pairedBootstrap.
 */
export function courseTTest(input: ModelPairInput & { equalVar?: boolean }): CourseTTestResult {
  const what = 'courseTTest';
  checkModelPairInput(what, input);
  const { labels, scoresA, scoresB, metric, B, seed } = input;
  observedMetric(what, metric, labels, scoresA, 'A');
  observedMetric(what, metric, labels, scoresB, 'B');
  const resampler = new Resampler(labels.length);
  // One stream: all of A's resamples first, then B's, so the two models never share a resample.
  const rng = new Rng(seed);
  const limit = redrawLimit(B);
  let redrawn = 0;
  const replicate = (scores: Float64Array): Float64Array => {
    const out = new Float64Array(B);
    for (let r = 0; r < B; ) {
      const v = metricOrNaN(metric, labels, scores, resampler.draw(rng));
      if (Number.isNaN(v)) {
        if (++redrawn > limit) throw validationUndefined(what, `the metric was undefined on ${redrawn} resamples`, { redrawn });
        continue;
      }
      out[r++] = v;
    }
    return out;
  };
  const a = replicate(scoresA);
  const b = replicate(scoresB);
  // equalVar true is scipy's default, which is how the course called it; false is Welch's test.
  const equalVar = input.equalVar ?? true;
  const oneSided = ttestInd(b, a, { alternative: 'greater', equalVar });
  const twoSided = ttestInd(b, a, { equalVar });
  const meanA = meanOf(a);
  const meanB = meanOf(b);
  return {
    a,
    b,
    meanA,
    meanB,
    meanDiff: meanB - meanA,
    statistic: oneSided.statistic,
    df: oneSided.df,
    pValue: oneSided.pValue,
    pValueTwoSided: twoSided.pValue,
    B,
    redrawn,
  };
}
