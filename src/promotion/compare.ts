/**
 * The comparison itself: given both models' scores on the candidate's test set, runs the chosen test (paired
 * bootstrap, DeLong or the course's t-test) to a decision. Pure computation: it records nothing.
 */
import type { LabeledSet } from '../datasets/FeatureFrame.js';
import type { MetricName } from '../datasets/evaluate.js';
import {
  aucMetric,
  averagePrecisionMetric,
  cardPrecisionMetric,
  courseTTest,
  decide,
  delongTest,
  pairedBootstrap,
  type Decision,
  type ResampledMetric,
  type ValidationTest,
} from '../statistics/index.js';
import { courseTInterval, delongInterval } from '../statistics/intervals.js';
import { CHAMPION, PREVIOUS_CHAMPION, type ResolvedModel } from './modelRef.js';
import type { ModelSummary, ValidateResult } from './result.js';

export interface CompareSettings {
  metricName: MetricName;
  test: ValidationTest;
  B: number;
  alpha: number;
  minEffect: number;
  seed: number;
  block: 'none' | 'day' | 'card';
  welch: boolean;
}

/** Runs the chosen test on both models' scores of the same set; pure computation, records nothing. */
export function compare(
  s: CompareSettings,
  set: LabeledSet,
  metric: ResampledMetric,
  candidate: ResolvedModel,
  scoresB: Float64Array,
  champion: { model: ResolvedModel; scores: Float64Array } | undefined,
  window: ValidateResult['window'],
  progress: (m: string) => void,
): { out: ValidateResult; distributions?: { a: Float64Array; b: Float64Array } } {
  const { test, B, alpha, minEffect, seed } = s;
  let decision: Decision;
  /** Champion (a) and candidate (b) metric per replicate: paired resamples, or the course's independent ones. */
  let distributions: { a: Float64Array; b: Float64Array } | undefined;
  const result: Partial<ValidateResult> = {};
  if (!champion) {
    decision = decide({ test, alpha, minEffect, noChampion: true });
    result.meanDiff = NaN;
    result.pValue = NaN;
  } else {
    const scoresA = champion.scores;
    const blocks = blockIds(s.block, set);
    progress(`comparing with ${champion.model.ref} (${test}, B=${B})`);
    const boot = pairedBootstrap({ labels: set.y, scoresA, scoresB, metric, B, seed, alpha, ...(blocks ? { blocks } : {}) });
    result.bootstrap = { B, blocks: s.block, meanCandidate: boot.meanB, meanChampion: boot.meanA };
    result.ci = boot.ci;
    distributions = { a: boot.a, b: boot.b };
    if (test === 'paired-bootstrap') {
      result.meanDiff = boot.observedDiff;
      result.pValue = boot.pValue;
    } else if (test === 'delong') {
      const d = delongTest({ labels: set.y, scoresA, scoresB });
      result.meanDiff = d.meanDiff;
      result.pValue = d.pValue;
      result.ci = delongInterval(d, alpha);
    } else {
      const c = courseTTest({ labels: set.y, scoresA, scoresB, metric, B, seed, equalVar: !s.welch });
      result.meanDiff = c.meanDiff;
      result.pValue = c.pValue;
      result.ci = courseTInterval(c, alpha);
      result.bootstrap = { B, blocks: 'none (independent per model)', meanCandidate: c.meanB, meanChampion: c.meanA };
      distributions = { a: c.a, b: c.b };
    }
    decision = decide({ test, alpha, minEffect, pValue: result.pValue, meanDiff: result.meanDiff });
  }
  const summary = (m: ResolvedModel, scores: Float64Array): ModelSummary => ({
    ref: m.ref,
    runId: m.runId,
    version: m.version?.version,
    kind: m.artifact.kind,
    observed: metric(set.y, scores),
  });
  const out: ValidateResult = {
    metric: s.metricName,
    test,
    candidate: summary(candidate, scoresB),
    ...(champion ? { champion: summary(champion.model, champion.scores) } : {}),
    window,
    ...(result.bootstrap ? { bootstrap: result.bootstrap } : {}),
    meanDiff: result.meanDiff!,
    ...(result.ci ? { ci: result.ci } : {}),
    pValue: result.pValue!,
    alpha,
    minEffect,
    decision,
    promoted: false,
    aliases: { [CHAMPION]: champion?.model.version?.version, [PREVIOUS_CHAMPION]: undefined },
    warnings: [],
  };
  return { out, distributions };
}

/** The metric as a function a resampler can call on any subset of the set. */
export function resampledMetric(name: MetricName, set: LabeledSet): ResampledMetric {
  if (name === 'auc') return aucMetric;
  if (name === 'ap') return averagePrecisionMetric;
  return cardPrecisionMetric({ day: set.day, customerId: set.customerId, k: 100 });
}

/** Resampling blocks: whole days or whole cards (fraud clusters by both), or none (rows). */
function blockIds(block: 'none' | 'day' | 'card', set: LabeledSet): Int32Array | undefined {
  if (block === 'none') return undefined;
  if (block === 'day') return Int32Array.from(set.day);
  const ids = new Map<number, number>();
  return Int32Array.from(set.customerId, (c) => {
    let id = ids.get(c);
    if (id === undefined) ids.set(c, (id = ids.size));
    return id;
  });
}
