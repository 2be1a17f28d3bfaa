/** The evidence a validation leaves behind, where MLflow's UI and the registry show it. */
import type { MetricName } from '../datasets/evaluate.js';
import { ARTIFACTS } from '../models/conventions.js';
import { logRunArtifact } from '../tracking/runArtifacts.js';
import type { Tracking } from '../tracking/Tracking.js';
import { renderValidationHtml, renderValidationPng } from '../validationReport/report.js';
import type { ResolvedModel } from './modelRef.js';
import type { ValidateResult } from './result.js';

const METRIC_LABELS: Record<MetricName, string> = { auc: 'ROC AUC', ap: 'average precision', cp100: 'card precision@100' };

/** The metric distributions as step histories on the candidate's run, as the course logged them. */
async function recordDistributions(tracking: Tracking, runId: string, metric: MetricName, candidate: Float64Array, champion: Float64Array): Promise<void> {
  const now = Date.now();
  await tracking.runs.logBatch(runId, {
    metrics: [
      ...Array.from(candidate, (value, step) => ({ key: `validation_dist_${metric}`, value, step, timestamp: now })),
      ...Array.from(champion, (value, step) => ({ key: `validation_dist_champion_${metric}`, value, step, timestamp: now })),
    ],
  });
}

/**
 * Records a validation's evidence on the candidate's run (metrics, tags, the result as JSON, and with a champion
 * the distributions and the HTML/PNG report) and as tags on its registry version.
 */
export async function recordEvidence(
  tracking: Tracking,
  candidate: ResolvedModel,
  r: ValidateResult,
  champion: ResolvedModel | undefined,
  distributions: { a: Float64Array; b: Float64Array } | undefined,
): Promise<void> {
  const runId = candidate.runId;
  if (distributions && champion) await recordDistributions(tracking, runId, r.metric, distributions.b, distributions.a);
  const metrics = [
    { key: `validation_observed_${r.metric}`, value: r.candidate.observed },
    ...(Number.isNaN(r.meanDiff) ? [] : [{ key: 'validation_mean_diff', value: r.meanDiff }]),
    ...(Number.isNaN(r.pValue) ? [] : [{ key: 'validation_p_value', value: r.pValue }]),
    ...(r.ci ? [{ key: 'validation_ci_low', value: r.ci[0] }, { key: 'validation_ci_high', value: r.ci[1] }] : []),
    ...(r.bootstrap ? [{ key: `validation_mean_${r.metric}`, value: r.bootstrap.meanCandidate }] : []),
  ];
  await tracking.runs.logBatch(runId, { metrics });
  const tags: Record<string, string> = {
    'validation.test': r.test,
    'validation.metric': r.metric,
    'validation.decision': r.decision.promote ? 'promote' : 'keep-champion',
    'validation.code': r.decision.code,
    'validation.reason': r.decision.reason,
    // No comparison (the first model): no p-value or difference, rather than "NaN".
    'validation.p_value': Number.isNaN(r.pValue) ? '' : String(r.pValue),
    'validation.mean_diff': Number.isNaN(r.meanDiff) ? '' : String(r.meanDiff),
    'validation.ci': r.ci ? `[${r.ci[0]}, ${r.ci[1]}]` : '',
    'validation.alpha': String(r.alpha),
    'validation.min_effect': String(r.minEffect),
    'validation.window': `${r.window.from}..${r.window.to}`,
    'validation.champion': champion ? `${champion.ref}${champion.version ? ` (version ${champion.version.version})` : ''}` : 'none',
    // When: `champion` tells a validation apart from a later manual decision (promotion.at) on the same version.
    'validation.at': new Date().toISOString(),
  };
  await tracking.runs.logBatch(runId, { tags });
  await logRunArtifact(tracking, runId, Buffer.from(JSON.stringify(r, null, 2)), ARTIFACTS.validationJson);
  if (distributions && champion) {
    const report = {
      metric: METRIC_LABELS[r.metric],
      champion: shortName(champion),
      candidate: shortName(candidate),
      test: r.test,
      a: distributions.a,
      b: distributions.b,
      meanDiff: r.meanDiff,
      ci: r.ci ?? [NaN, NaN],
      alpha: r.alpha,
      decision: r.decision,
    };
    const html = renderValidationHtml(report);
    const png = renderValidationPng(report);
    await logRunArtifact(tracking, runId, Buffer.from(html), ARTIFACTS.validationHtml);
    await logRunArtifact(tracking, runId, png, ARTIFACTS.validationPng);
    r.report = { html: ARTIFACTS.validationHtml, png: ARTIFACTS.validationPng };
  }
  if (candidate.version) {
    for (const [k, v] of Object.entries(tags)) await tracking.registry.setModelVersionTag(candidate.version.name, candidate.version.version, k, v.slice(0, 5000));
  }
}

function shortName(m: ResolvedModel): string {
  return m.version ? `v${m.version.version} ${m.artifact.kind}` : `${m.artifact.kind} ${m.runId.slice(0, 8)}`;
}
