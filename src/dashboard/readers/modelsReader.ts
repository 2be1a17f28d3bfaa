/**
 * What the Models page shows, read through the tracker (embedded store or MLflow alike): the registered
 * versions with their runs' test metrics and aliases, each validation decision with the bootstrap
 * distributions the validation stage logged as step histories on the candidate's run, and what the champion's
 * model relies on (feature importance).
 */
import { isFraudopsError } from '../../errors.js';
import { DEFAULT_REGISTERED_MODEL } from '../../models/artifact.js';
import { featureImportance } from '../../models/gbdt/featureImportance.js';
import type { GbdtModel } from '../../models/gbdt/GbdtModel.js';
import type { LogRegModel } from '../../models/logreg/LogRegModel.js';
import { CHAMPION, PREVIOUS_CHAMPION, loadRunModel } from '../../promotion/modelRef.js';
import type { ModelVersion, RegisteredModel, Run, Tracker } from '../../tracking/Tracker.js';

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

/**
 * The versions of `name`, oldest first. The tracker's registry API has no listing, so versions are read by
 * number until a gap; versions are never deleted here, and a short run of misses is tolerated in case a
 * server-side user deleted one.
 */
export async function listVersions(tracker: Tracker, name: string): Promise<ModelVersion[]> {
  const out: ModelVersion[] = [];
  let misses = 0;
  for (let n = 1; misses < 3; n++) {
    try {
      out.push(await tracker.getModelVersion(name, String(n)));
      misses = 0;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      misses++;
    }
  }
  return out;
}

export async function readRegistry(tracker: Tracker, registeredModel = DEFAULT_REGISTERED_MODEL): Promise<RegistryOverview> {
  let model: RegisteredModel;
  try {
    model = await tracker.getRegisteredModel(registeredModel);
  } catch (e) {
    if (isNotFound(e)) return { registeredModel, exists: false, aliases: {}, versions: [] };
    throw e;
  }
  const versions = await listVersions(tracker, registeredModel);
  const summaries = await Promise.all(versions.map((v) => summarize(tracker, v, model.aliases)));
  return { registeredModel, exists: true, aliases: model.aliases, versions: summaries };
}

async function summarize(tracker: Tracker, v: ModelVersion, aliases: Record<string, string>): Promise<VersionSummary> {
  let run: Run | undefined;
  if (v.runId) run = await tracker.getRun(v.runId).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
  const metrics = Object.fromEntries(Object.entries(run?.data.metrics ?? {}).filter(([k]) => !k.startsWith('validation_dist_')));
  return {
    version: v.version,
    runId: v.runId,
    runName: run?.info.runName,
    kind: v.tags['fraudops.model'] ?? run?.data.params['best.model'] ?? '?',
    createdAt: v.creationTimestamp,
    aliases: Object.entries(aliases)
      .filter(([, num]) => num === v.version)
      .map(([a]) => a)
      .sort(),
    metrics,
    params: run?.data.params ?? {},
    validation: Object.fromEntries(Object.entries(v.tags).filter(([k]) => k.startsWith('validation.'))),
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
export async function readEvidence(tracker: Tracker, v: VersionSummary): Promise<ValidationEvidence | undefined> {
  const t = v.validation;
  if (!v.runId || !t['validation.metric']) return undefined;
  const metric = t['validation.metric'];
  const [cand, champ] = await Promise.all([
    tracker.getMetricHistory(v.runId, `validation_dist_${metric}`),
    tracker.getMetricHistory(v.runId, `validation_dist_champion_${metric}`),
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

export async function readFeatureImportance(tracker: Tracker, v: VersionSummary): Promise<FeatureImportance | undefined> {
  if (!v.runId) return undefined;
  const { model } = await loadRunModel(tracker, v.runId, `version ${v.version}`);
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
