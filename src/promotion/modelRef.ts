/**
 * Resolves what the user calls a model — a run id, `runs:/<run-id>`, `models:/<name>/<version>` or
 * `models:/<name>@<alias>` — to its registry version, its run, and its loaded artifact.
 */
import { FraudopsError, isFraudopsError } from '../errors.js';
import { loadArtifact, type ModelArtifact } from '../models/artifact.js';
import { ALIASES, MODEL_ARTIFACT_PATH, TAGS } from '../models/conventions.js';
import type { Model } from '../models/Classifier.js';
import type { ModelVersion } from '../tracking/ModelRegistry.js';
import { downloadRunArtifact } from '../tracking/runArtifacts.js';
import type { Tracking } from '../tracking/Tracking.js';

export interface ResolvedModel {
  ref: string;
  runId: string;
  version?: ModelVersion;
  artifact: ModelArtifact;
  model: Model;
}

export const VERSION_TAG = TAGS.modelVersion;
/** The alias of the model serving now, and of the one it replaced. */
export const CHAMPION = ALIASES.champion;
export const PREVIOUS_CHAMPION = ALIASES.previousChampion;

export async function resolveVersion(tracking: Tracking, ref: string, registeredModel: string): Promise<{ runId: string; version?: ModelVersion }> {
  const m = /^models:\/([^/@]+)(?:\/(\d+)|@([A-Za-z0-9_-]+))$/.exec(ref);
  if (m) {
    const [, name, number, alias] = m;
    const version = number ? await tracking.registry.getModelVersion(name, number) : await tracking.registry.getModelVersionByAlias(name, alias);
    if (!version.runId) throw new FraudopsError('MODEL_REF_INVALID', `${ref}: the version has no run to load the artifact from`, { context: { ref } });
    return { runId: version.runId, version };
  }
  const runId = ref.startsWith('runs:/') ? ref.slice('runs:/'.length).split('/')[0] : ref;
  if (!/^[A-Za-z0-9_-]{6,64}$/.test(runId)) {
    throw new FraudopsError('MODEL_REF_INVALID', `"${ref}" is neither a run id nor runs:/<id>, models:/<name>/<version> or models:/<name>@<alias>`, {
      context: { ref },
    });
  }
  const run = await tracking.runs.getRun(runId);
  const number = run.data.tags[VERSION_TAG];
  const version = number ? await tracking.registry.getModelVersion(registeredModel, number).catch(() => undefined) : undefined;
  return { runId, version };
}

/** Loads the model artifact of a run; a missing or unreadable artifact is an ARTIFACT_UNREADABLE error. */
export async function loadRunModel(tracking: Tracking, runId: string, ref: string): Promise<{ artifact: ModelArtifact; model: Model }> {
  let bytes: Buffer;
  try {
    bytes = await downloadRunArtifact(tracking, runId, MODEL_ARTIFACT_PATH);
  } catch (cause) {
    if (isFraudopsError(cause) && cause.retriable) throw cause;
    throw new FraudopsError('ARTIFACT_UNREADABLE', `${ref}: model artifact ${MODEL_ARTIFACT_PATH} of run ${runId} is missing or unreadable`, {
      cause,
      context: { ref, runId },
    });
  }
  return loadArtifact(bytes, `${ref} (run ${runId})`);
}

export async function resolveModel(tracking: Tracking, ref: string, registeredModel: string): Promise<ResolvedModel> {
  const { runId, version } = await resolveVersion(tracking, ref, registeredModel);
  const { artifact, model } = await loadRunModel(tracking, runId, ref);
  return { ref, runId, version, artifact, model };
}
