/**
 * What the Models page shows, read through the tracker (embedded store or MLflow alike): the registered
 * versions with their runs' test metrics and aliases, each validation decision with the bootstrap
 * distributions the validation stage logged as step histories on the candidate's run, and what the champion's
 * model relies on (feature importance).
 */
import { isFraudopsError } from '../../errors.js';
import { DEFAULT_REGISTERED_MODEL, TAGS } from '../../models/conventions.js';
import { featureImportance } from '../../models/gbdt/featureImportance.js';
import type { GbdtModel } from '../../models/gbdt/GbdtModel.js';
import type { LogRegModel } from '../../models/logreg/LogRegModel.js';
import { CHAMPION, PREVIOUS_CHAMPION, loadRunModel } from '../../promotion/modelRef.js';
import type { ModelVersion, RegisteredModel } from '../../tracking/ModelRegistry.js';
import type { Run } from '../../tracking/RunTracker.js';
import type { Tracking } from '../../tracking/Tracking.js';

export { CHAMPION, PREVIOUS_CHAMPION };

export interface VersionSummary {
  version: string;
  runId?: string;
  runName?: string;
  kind: string;
  createdAt: number;
  aliases: string[];
  /** The run's metrics without the bootstrap histories (test_*, validation_*, search_*...). */
  metrics: Record<string, number>;
  params: Record<string, string>;
  /** `validation.*` tags of the version: the last decision about it. */
  validation: Record<string, string>;
}

export interface RegistryOverview {
  registeredModel: string;
  exists: boolean;
  aliases: Record<string, string>;
  versions: VersionSummary[];
}

const isNotFound = (e: unknown) => isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND';

export async function readRegistry(tracking: Tracking, registeredModel = DEFAULT_REGISTERED_MODEL): Promise<RegistryOverview> {
  let model: RegisteredModel;
  try {
    model = await tracking.registry.getRegisteredModel(registeredModel);
  } catch (e) {
    if (isNotFound(e)) return { registeredModel, exists: false, aliases: {}, versions: [] };
    throw e;
  }
  const versions = (await tracking.registry.searchModelVersions(registeredModel)).reverse();
  const summaries = await Promise.all(versions.map((v) => summarize(tracking, v, model.aliases)));
  return { registeredModel, exists: true, aliases: model.aliases, versions: summaries };
}

async function summarize(tracking: Tracking, v: ModelVersion, aliases: Record<string, string>): Promise<VersionSummary> {
  let run: Run | undefined;
  if (v.runId) run = await tracking.runs.getRun(v.runId).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
  const metrics: Record<string, number> = Object.fromEntries(Object.entries(run?.data.metrics ?? {}).filter(([k]) => !k.startsWith('validation_dist_')));
  return {
    version: v.version,
    runId: v.runId,
    runName: run?.info.runName,
    kind: v.tags[TAGS.modelKind] ?? run?.data.params['best.model'] ?? '?',
    createdAt: v.creationTimestamp,
    aliases: Object.entries(aliases)
      .filter(([, num]) => num === v.version)
      .map(([a]) => a)
      .sort(),
    metrics,
    params: run?.data.params ?? {},
    validation: Object.fromEntries(Object.entries(v.tags).filter(([k]) => k.startsWith(TAGS.validationPrefix))),
  };
}

export interface ValidationEvidence {
  version: string;
  runId: string;
  metric: string;
  test: string;
  decision: string;
  code: string;
  reason: string;
  pValue: number;
  meanDiff: number;
  ci?: [number, number];
  alpha: number;
  minEffect: number;
  window: string;
  against: string;
  /** Bootstrap replicates of the metric: the candidate's and the champion's, step by step. */
  candidate: number[];
  champion: number[];
}

/** The evidence of the last validation of `version`, or undefined if it was never compared with a champion. */
export async function readEvidence(tracking: Tracking, v: VersionSummary): Promise<ValidationEvidence | undefined> {
  const t = v.validation;
  if (!v.runId || !t['validation.metric']) return undefined;
  const metric = t['validation.metric'];
  const [cand, champ] = await Promise.all([
    tracking.runs.getMetricHistory(v.runId, `validation_dist_${metric}`),
    tracking.runs.getMetricHistory(v.runId, `validation_dist_champion_${metric}`),
  ]);
  if (cand.length === 0 || champ.length === 0) return undefined;
  const num = (s: string | undefined) => (s === undefined || s === '' ? NaN : Number(s));
  const ci = /^\[\s*([^,\]]+)\s*,\s*([^\]]+)\]$/.exec(t['validation.ci'] ?? '');
  return {
    version: v.version,
    runId: v.runId,
    metric,
    test: t['validation.test'] ?? '?',
    decision: t['validation.decision'] ?? '?',
    code: t['validation.code'] ?? '?',
    reason: t['validation.reason'] ?? '',
    pValue: num(t['validation.p_value']),
    meanDiff: num(t['validation.mean_diff']),
    ...(ci ? { ci: [Number(ci[1]), Number(ci[2])] as [number, number] } : {}),
    alpha: num(t['validation.alpha']),
    minEffect: num(t['validation.min_effect']),
    window: t['validation.window'] ?? '',
    against: t['validation.champion'] ?? '',
    candidate: lastPerStep(cand),
    champion: lastPerStep(champ),
  };
}

/** A history may hold points of several validations at the same steps; the latest point of each step wins. */
function lastPerStep(points: { step: number; value: number; timestamp: number }[]): number[] {
  const byStep = new Map<number, { value: number; timestamp: number }>();
  for (const p of points) {
    const prev = byStep.get(p.step);
    if (!prev || p.timestamp >= prev.timestamp) byStep.set(p.step, p);
  }
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p.value);
}

export interface FeatureImportance {
  version: string;
  kind: string;
  /** What the numbers are: total split gain (trees) or |coefficient| on standardized inputs (logistic regression). */
  measure: string;
  /** Largest first, shares of the total. */
  features: { name: string; share: number }[];
}

export async function readFeatureImportance(tracking: Tracking, v: VersionSummary): Promise<FeatureImportance | undefined> {
  if (!v.runId) return undefined;
  const { model } = await loadRunModel(tracking, v.runId, `version ${v.version}`);
  let values: ArrayLike<number>;
  let measure: string;
  if (model.kind === 'gbdt') {
    values = featureImportance(model as GbdtModel, 'gain');
    measure = 'total split gain';
  } else if (model.kind === 'logreg') {
    values = Array.from((model as LogRegModel).data.coef, Math.abs);
    measure = '|coefficient| on standardized inputs';
  } else {
    return undefined;
  }
  const total = Array.from(values).reduce((a, b) => a + b, 0) || 1;
  const features = model.featureNames.map((name, j) => ({ name, share: values[j] / total })).sort((a, b) => b.share - a.share);
  return { version: v.version, kind: model.kind, measure, features };
}
