/**
 * Resolves what the user calls a model — a run id, `runs:/<run-id>`, `models:/<name>/<version>` or
 * `models:/<name>@<alias>` — to its registry version, its run, and its loaded artifact.
 */
import { FraudopsError, isFraudopsError } from '../errors.js';
import { ARTIFACT_FILE, MODEL_ARTIFACT_DIR, loadArtifact, type ModelArtifact } from '../models/artifact.js';
import type { Model } from '../models/Classifier.js';
import type { ModelVersion, Tracker } from '../tracking/Tracker.js';

export interface ResolvedModel {
  ref: string;
  runId: string;
  version?: ModelVersion;
  artifact: ModelArtifact;
  model: Model;
}

export const VERSION_TAG = 'fraudops.model_version';
/** The alias of the model serving now, and of the one it replaced. */
export const CHAMPION = 'champion';
export const PREVIOUS_CHAMPION = 'previous-champion';

export async function resolveVersion(tracker: Tracker, ref: string, registeredModel: string): Promise<{ runId: string; version?: ModelVersion }> {
  const m = /^models:\/([^/@]+)(?:\/(\d+)|@([A-Za-z0-9_-]+))$/.exec(ref);
  if (m) {
    const [, name, number, alias] = m;
    const version = number ? await tracker.getModelVersion(name, number) : await tracker.getModelVersionByAlias(name, alias);
    if (!version.runId) throw new FraudopsError('MODEL_REF_INVALID', `${ref}: the version has no run to load the artifact from`, { context: { ref } });
    return { runId: version.runId, version };
  }
  const runId = ref.startsWith('runs:/') ? ref.slice('runs:/'.length).split('/')[0] : ref;
  if (!/^[A-Za-z0-9_-]{6,64}$/.test(runId)) {
    throw new FraudopsError('MODEL_REF_INVALID', `"${ref}" is neither a run id nor runs:/<id>, models:/<name>/<version> or models:/<name>@<alias>`, {
      context: { ref },
    });
  }
  const run = await tracker.getRun(runId);
  const number = run.data.tags[VERSION_TAG];
  const version = number ? await tracker.getModelVersion(registeredModel, number).catch(() => undefined) : undefined;
  return { runId, version };
}

/** Loads the model artifact of a run; a missing or unreadable artifact is an ARTIFACT_UNREADABLE error. */
export async function loadRunModel(tracker: Tracker, runId: string, ref: string): Promise<{ artifact: ModelArtifact; model: Model }> {
  let bytes: Buffer;
  try {
    bytes = await tracker.downloadArtifact(runId, `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`);
  } catch (cause) {
    if (isFraudopsError(cause) && cause.retriable) throw cause;
    throw new FraudopsError('ARTIFACT_UNREADABLE', `${ref}: model artifact ${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE} of run ${runId} is missing or unreadable`, {
      cause,
      context: { ref, runId },
    });
  }
  return loadArtifact(bytes, `${ref} (run ${runId})`);
}

export async function resolveModel(tracker: Tracker, ref: string, registeredModel: string): Promise<ResolvedModel> {
  const { runId, version } = await resolveVersion(tracker, ref, registeredModel);
  const { artifact, model } = await loadRunModel(tracker, runId, ref);
  return { ref, runId, version, artifact, model };
}
