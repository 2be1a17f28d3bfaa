/**
 * What is serving now and why: the `champion` version, its run's test metrics, the validation evidence, and
 * whether its artifact actually loads. With no champion, `reason` says why (no such model, nothing promoted yet,
 * or the alias was removed).
 */
import { isFraudopsError } from '../errors.js';
import { holdTracking, type StageContext } from '../stage/StageContext.js';
import type { ModelRegistry, ModelVersion } from '../tracking/ModelRegistry.js';
import type { Tracking } from '../tracking/Tracking.js';
import { DEFAULT_REGISTERED_MODEL, TAGS } from '../models/conventions.js';
import { CHAMPION, PREVIOUS_CHAMPION, loadRunModel } from './modelRef.js';

export interface ChampionInfo {
  registeredModel: string;
  champion?: {
    version: string;
    runId?: string;
    source: string;
    metrics: Record<string, number>;
    evidence: Record<string, string>;
    /**
     * What put this version where it is: its validation, or a later manual `promote`/`rollback` (whose reason
     * then explains the champion, not an older validation verdict).
     */
    decision?: { by: 'validate' | 'promote' | 'rollback'; code?: string; reason: string; at?: string; actor?: string; replaced?: string };
    /** Whether the model artifact downloads and loads; a champion that does not is not healthy. */
    artifact: { ok: true; kind: string } | { ok: false; code: string; message: string };
  };
  previousChampion?: { version: string; runId?: string };
  /** Why there is no champion. */
  reason?: { code: 'NO_REGISTERED_MODEL' | 'NO_CHAMPION_YET' | 'CHAMPION_REMOVED'; message: string };
}

async function byAlias(registry: ModelRegistry, name: string, alias: string): Promise<ModelVersion | undefined> {
  try {
    return await registry.getModelVersionByAlias(name, alias);
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND') return undefined;
    throw e;
  }
}

/** Tags with an empty value carry nothing (e.g. the first model's p-value). */
function v(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== 'NaN';
}

async function artifactHealth(tracking: Tracking, name: string, version: ModelVersion): Promise<NonNullable<ChampionInfo['champion']>['artifact']> {
  if (!version.runId) return { ok: false, code: 'ARTIFACT_UNREADABLE', message: `version ${version.version} has no run holding its artifact` };
  try {
    const { artifact } = await loadRunModel(tracking, version.runId, `models:/${name}/${version.version}`);
    return { ok: true, kind: artifact.kind };
  } catch (e) {
    if (isFraudopsError(e) && !e.retriable) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

async function noChampionReason(registry: ModelRegistry, name: string, previous: ModelVersion | undefined): Promise<NonNullable<ChampionInfo['reason']>> {
  try {
    await registry.getRegisteredModel(name);
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND') {
      return { code: 'NO_REGISTERED_MODEL', message: `no registered model named ${name} in this tracking store: train a model first (or check --registered-model and --tracking)` };
    }
    throw e;
  }
  if (previous) {
    return { code: 'CHAMPION_REMOVED', message: `${name} has a previous-champion (version ${previous.version}) but its champion alias was removed; set one again` };
  }
  return { code: 'NO_CHAMPION_YET', message: `${name} has registered versions but none was promoted yet: validate one (fraudops validate --candidate <run-id>)` };
}

type Decision = NonNullable<NonNullable<ChampionInfo['champion']>['decision']>;

/**
 * The later of the version's validation and its last manual registry decision. A manual decision without a
 * validation time is the later one: validations recorded before `validation.at` existed came before any manual
 * decision on the same version.
 */
export function lastDecision(tags: Record<string, string>): Decision | undefined {
  const t = (k: string) => tags[`${TAGS.validationPrefix}${k}`];
  const m = (k: string) => tags[`${TAGS.promotionPrefix}${k}`];
  const action = m('action');
  const manual = action === 'promote' || action === 'rollback';
  const validated = v(t('code'));
  if (manual && (!validated || !v(t('at')) || (m('at') ?? '') > (t('at') ?? ''))) {
    return { by: action, reason: m('reason') ?? '', ...(m('at') ? { at: m('at') } : {}), ...(m('by') ? { actor: m('by') } : {}), ...(m('replaced') ? { replaced: m('replaced') } : {}) };
  }
  if (validated) return { by: 'validate', code: t('code'), reason: t('reason') ?? '', ...(v(t('at')) ? { at: t('at') } : {}) };
  return undefined;
}

export async function championInfo(o: { tracking?: string; registeredModel?: string } = {}, ctx?: StageContext): Promise<ChampionInfo> {
  const registeredModel = o.registeredModel ?? DEFAULT_REGISTERED_MODEL;
  const held = await holdTracking(ctx, o.tracking, { mustExist: true });
  const tracking = held.value;
  try {
    const current = await byAlias(tracking.registry, registeredModel, CHAMPION);
    const previous = await byAlias(tracking.registry, registeredModel, PREVIOUS_CHAMPION);
    const info: ChampionInfo = { registeredModel };
    if (current) {
      const metrics = current.runId ? (await tracking.runs.getRun(current.runId)).data.metrics : {};
      const keep = Object.fromEntries(Object.entries(metrics).filter(([k]) => k.startsWith('test_') || (k.startsWith('validation_') && !k.startsWith('validation_dist'))));
      const evidence = Object.fromEntries(
        Object.entries(current.tags).filter(([k]) => (k.startsWith(TAGS.validationPrefix) || k.startsWith(TAGS.promotionPrefix)) && v(current.tags[k])),
      );
      const decision = lastDecision(current.tags);
      info.champion = {
        version: current.version,
        runId: current.runId,
        source: current.source,
        metrics: keep,
        evidence,
        ...(decision ? { decision } : {}),
        artifact: await artifactHealth(tracking, registeredModel, current),
      };
    }
    if (previous) info.previousChampion = { version: previous.version, runId: previous.runId };
    if (!current) info.reason = await noChampionReason(tracking.registry, registeredModel, previous);
    return info;
  } finally {
    await held.release();
  }
}
