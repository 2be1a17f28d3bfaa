/**
 * What the registry holds, for people: every version of the registered model with its aliases, test metrics and
 * evidence (`fraudops models list`), or one version in full with its run (`fraudops models show <version>`).
 */
import { FraudopsError, isFraudopsError } from '../errors.js';
import { DEFAULT_REGISTERED_MODEL, TAGS } from '../models/conventions.js';
import type { ModelVersion } from '../tracking/ModelRegistry.js';
import type { Tracking } from '../tracking/Tracking.js';

export interface VersionSummary {
  version: string;
  aliases: string[];
  runId?: string;
  source: string;
  createdAt: string;
  model?: string;
  /** `fraudops.test_<metric>` tags as numbers. */
  testMetrics: Record<string, number>;
  /** `validation.*` and `promotion.*` tags: why the version is (or is not) where it is. */
  evidence: Record<string, string>;
}

export interface VersionDetail extends VersionSummary {
  tags: Record<string, string>;
  run?: { runId: string; runName: string; status: string; metrics: Record<string, number>; params: Record<string, string>; loggedModelId?: string };
}

export function summarize(v: ModelVersion): VersionSummary {
  const testMetrics: Record<string, number> = {};
  const evidence: Record<string, string> = {};
  for (const [k, value] of Object.entries(v.tags)) {
    if (k.startsWith(TAGS.testMetricPrefix)) testMetrics[k.slice(TAGS.testMetricPrefix.length)] = Number(value);
    if (k.startsWith(TAGS.validationPrefix) || k.startsWith(TAGS.promotionPrefix)) evidence[k] = value;
  }
  return {
    version: v.version,
    aliases: v.aliases,
    ...(v.runId ? { runId: v.runId } : {}),
    source: v.source,
    createdAt: new Date(v.creationTimestamp).toISOString(),
    ...(v.tags[TAGS.modelKind] ? { model: v.tags[TAGS.modelKind] } : {}),
    testMetrics,
    evidence,
  };
}

/** Every version of the registered model, newest first. A model never registered is MODEL_NOT_REGISTERED. */
export async function listVersions(tracking: Tracking, registeredModel = DEFAULT_REGISTERED_MODEL): Promise<VersionSummary[]> {
  const versions = await tracking.registry.searchModelVersions(registeredModel).catch((e: unknown) => {
    throw notRegistered(e, registeredModel);
  });
  return versions.map(summarize);
}

/** One version in full: its tags, and its run's metrics and params. */
export async function showVersion(tracking: Tracking, version: string, registeredModel = DEFAULT_REGISTERED_MODEL): Promise<VersionDetail> {
  const v = await getVersion(tracking, registeredModel, version);
  const detail: VersionDetail = { ...summarize(v), tags: v.tags };
  if (v.runId) {
    const run = await tracking.runs.getRun(v.runId);
    detail.run = {
      runId: run.info.runId,
      runName: run.info.runName,
      status: run.info.status,
      metrics: run.data.metrics,
      params: run.data.params,
      ...(run.data.tags[TAGS.loggedModelId] ? { loggedModelId: run.data.tags[TAGS.loggedModelId] } : {}),
    };
  }
  return detail;
}

/** A version by number; a version or model that does not exist is MODEL_VERSION_NOT_FOUND / MODEL_NOT_REGISTERED. */
export async function getVersion(tracking: Tracking, registeredModel: string, version: string): Promise<ModelVersion> {
  if (!/^[1-9]\d*$/.test(version)) {
    throw new FraudopsError('CONFIG_INVALID', `model version must be a positive whole number like 3, got "${version}"`, { context: { field: 'version' } });
  }
  await tracking.registry.getRegisteredModel(registeredModel).catch((e: unknown) => {
    throw notRegistered(e, registeredModel);
  });
  try {
    return await tracking.registry.getModelVersion(registeredModel, version);
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND') {
      throw new FraudopsError('MODEL_VERSION_NOT_FOUND', `${registeredModel} has no version ${version}; \`fraudops models list\` shows the versions`, {
        context: { registeredModel, version },
        cause: e,
      });
    }
    throw e;
  }
}

function notRegistered(e: unknown, registeredModel: string): unknown {
  if (isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND') {
    return new FraudopsError('MODEL_NOT_REGISTERED', `no registered model ${registeredModel}: train one first (\`fraudops train\`), or check --registered-model`, {
      context: { registeredModel },
      cause: e,
    });
  }
  return e;
}
