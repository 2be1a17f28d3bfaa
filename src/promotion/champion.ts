/** What is serving now and why: the `champion` version, its run's test metrics, and the validation evidence. */
import { isFraudopsError } from '../errors.js';
import { openTracking } from '../tracking/openTracking.js';
import type { ModelRegistry, ModelVersion } from '../tracking/ModelRegistry.js';
import { DEFAULT_REGISTERED_MODEL } from '../models/conventions.js';
import { CHAMPION, PREVIOUS_CHAMPION } from './modelRef.js';

export interface ChampionInfo {
  registeredModel: string;
  champion?: { version: string; runId?: string; source: string; metrics: Record<string, number>; evidence: Record<string, string> };
  previousChampion?: { version: string; runId?: string };
}

async function byAlias(registry: ModelRegistry, name: string, alias: string): Promise<ModelVersion | undefined> {
  try {
    return await registry.getModelVersionByAlias(name, alias);
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND') return undefined;
    throw e;
  }
}

export async function championInfo(o: { tracking?: string; registeredModel?: string } = {}): Promise<ChampionInfo> {
  const registeredModel = o.registeredModel ?? DEFAULT_REGISTERED_MODEL;
  const tracking = await openTracking(o.tracking, { mustExist: true });
  try {
    const current = await byAlias(tracking.registry, registeredModel, CHAMPION);
    const previous = await byAlias(tracking.registry, registeredModel, PREVIOUS_CHAMPION);
    const info: ChampionInfo = { registeredModel };
    if (current) {
      const metrics = current.runId ? (await tracking.runs.getRun(current.runId)).data.metrics : {};
      const keep = Object.fromEntries(Object.entries(metrics).filter(([k]) => k.startsWith('test_') || (k.startsWith('validation_') && !k.startsWith('validation_dist'))));
      const evidence = Object.fromEntries(Object.entries(current.tags).filter(([k]) => k.startsWith('validation.')));
      info.champion = { version: current.version, runId: current.runId, source: current.source, metrics: keep, evidence };
    }
    if (previous) info.previousChampion = { version: previous.version, runId: previous.runId };
    return info;
  } finally {
    await tracking.close();
  }
}
