/**
 * The model artifact: one versioned, self-describing JSON file that the scorer loads directly, without the
 * trainer. It names the feature spec (and its hash) the model was trained on, the input column order, the
 * preprocessing and trees or weights (inside the family's JSON), the decision threshold, and where it came from.
 */
import { FraudopsError } from '../errors.js';
import { ARTIFACTS, DEFAULT_REGISTERED_MODEL } from './conventions.js';
import type { Model, ModelJson } from './Classifier.js';
import { GbdtModel } from './gbdt/GbdtModel.js';
import { LogRegModel } from './logreg/LogRegModel.js';
import { featureNames, featureSpecHash, validateSpec, type FeatureSpec } from '../features/spec.js';

export const ARTIFACT_FORMAT = 'fraudops.model/1';
/** The native model file inside a run's model folder (see conventions.ts). */
export const ARTIFACT_FILE = ARTIFACTS.modelFile;
/** Folder of a run's artifacts holding the model (native artifact and ONNX); registry versions point at it. */
export const MODEL_ARTIFACT_DIR = ARTIFACTS.modelDir;
export { DEFAULT_REGISTERED_MODEL };

export interface ModelArtifact {
  format: typeof ARTIFACT_FORMAT;
  kind: string;
  createdAt: string;
  featureSpec: FeatureSpec;
  featureSpecHash: string;
  featureNames: string[];
  /** Scores at or above this are alerts. */
  threshold: number;
  params: Record<string, unknown>;
  /** Where the model came from: windows, row counts, run id... free-form. */
  lineage: Record<string, unknown>;
  model: ModelJson;
}

const LOADERS: Record<string, (json: ModelJson) => Model> = {
  gbdt: (j) => GbdtModel.fromJSON(j),
  logreg: (j) => LogRegModel.fromJSON(j),
};

export function createArtifact(model: Model, o: { spec: FeatureSpec; threshold: number; params: Record<string, unknown>; lineage: Record<string, unknown> }): ModelArtifact {
  const names = featureNames(o.spec);
  if (model.featureNames.join(',') !== names.join(',')) {
    throw new FraudopsError('ARTIFACT_INVALID', `model inputs (${model.featureNames.join(', ')}) differ from the feature spec (${names.join(', ')})`);
  }
  return {
    format: ARTIFACT_FORMAT,
    kind: model.kind,
    createdAt: new Date().toISOString(),
    featureSpec: o.spec,
    featureSpecHash: featureSpecHash(o.spec),
    featureNames: names,
    threshold: o.threshold,
    params: o.params,
    lineage: o.lineage,
    model: model.toJSON(),
  };
}

export function serializeArtifact(a: ModelArtifact): Buffer {
  return Buffer.from(`${JSON.stringify(a)}\n`, 'utf8');
}

/** Parses and checks an artifact and builds its model. `source` names the file or URI in errors. */
export function loadArtifact(bytes: Uint8Array, source: string): { artifact: ModelArtifact; model: Model } {
  let a: ModelArtifact;
  try {
    a = JSON.parse(Buffer.from(bytes).toString('utf8')) as ModelArtifact;
  } catch (cause) {
    throw new FraudopsError('ARTIFACT_UNREADABLE', `${source}: not a model artifact (invalid JSON)`, { cause, context: { source } });
  }
  if (a === null || typeof a !== 'object' || a.format !== ARTIFACT_FORMAT) {
    throw new FraudopsError('ARTIFACT_UNREADABLE', `${source}: unknown artifact format ${JSON.stringify((a as { format?: unknown })?.format)}; expected ${ARTIFACT_FORMAT}`, {
      context: { source },
    });
  }
  const load = LOADERS[a.kind];
  if (!load) throw new FraudopsError('ARTIFACT_UNREADABLE', `${source}: unknown model kind "${a.kind}"`, { context: { source } });
  let hash: string;
  try {
    validateSpec(a.featureSpec);
    hash = featureSpecHash(a.featureSpec);
  } catch (cause) {
    throw new FraudopsError('ARTIFACT_UNREADABLE', `${source}: the artifact's feature spec is not valid for this version of fraudops`, { cause, context: { source } });
  }
  if (hash !== a.featureSpecHash) {
    throw new FraudopsError('ARTIFACT_UNREADABLE', `${source}: feature spec hash does not match its spec (edited or corrupt file)`, { context: { source } });
  }
  let model: Model;
  try {
    model = load(a.model);
  } catch (cause) {
    throw new FraudopsError('ARTIFACT_UNREADABLE', `${source}: model body is invalid: ${(cause as Error).message}`, { cause, context: { source } });
  }
  return { artifact: a, model };
}
