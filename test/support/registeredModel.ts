/**
 * A real model in a real registry, without the cost of the train stage: a logistic regression fitted on
 * synthetic values of the default feature spec's columns, logged as the native artifact and ONNX exactly where
 * training logs them, registered as a new version and, optionally, given an alias. For tests of what consumes a
 * registered model (packaging, release announcements, scoring a file), not of training.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_FEATURE_SPEC, featureNames } from '../../src/features/spec.js';
import { ARTIFACT_FILE, MODEL_ARTIFACT_DIR, createArtifact, serializeArtifact } from '../../src/models/artifact.js';
import type { Matrix } from '../../src/models/Classifier.js';
import { LogisticRegression } from '../../src/models/logreg/LogisticRegression.js';
import { exportOnnx } from '../../src/models/onnx/exportOnnx.js';
import type { RunView } from './runView.js';

export interface RegisteredTestModel {
  registeredModel: string;
  version: string;
  runId: string;
  specHash: string;
}

/** A registered model name no other test uses. */
export function uniqueModelName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export async function registerTestModel(tracker: RunView, registeredModel: string, alias?: string): Promise<RegisteredTestModel> {
  const names = featureNames(DEFAULT_FEATURE_SPEC);
  const rows = 300;
  const X: Matrix = { rows, cols: names.length, data: new Float64Array(rows * names.length), names };
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < names.length; j++) X.data[i * names.length + j] = Math.sin(i * 3.7 + j * 0.9) * (j + 1);
    y[i] = X.data[i * names.length] + X.data[i * names.length + 2] > 0.4 ? 1 : 0;
  }
  const model = await new LogisticRegression().fit(X, y);
  const experiment = await tracker.getOrCreateExperiment(`${registeredModel}-exp`);
  const run = await tracker.createRun({ experimentId: experiment.experimentId, runName: 'registered-test-model' });
  const artifact = createArtifact(model, { spec: DEFAULT_FEATURE_SPEC, threshold: 0.5, params: { C: 1 }, lineage: { runId: run.runId } });
  await tracker.logArtifact(run.runId, serializeArtifact(artifact), `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`);
  await tracker.logArtifact(run.runId, exportOnnx(model, { featureSpecHash: artifact.featureSpecHash }), `${MODEL_ARTIFACT_DIR}/model.onnx`);
  await tracker.endRun(run.runId);
  await tracker.createRegisteredModel(registeredModel).catch((e: { code?: string }) => {
    if (e.code !== 'RESOURCE_ALREADY_EXISTS') throw e;
  });
  const version = await tracker.createModelVersion({ name: registeredModel, runId: run.runId, artifactPath: MODEL_ARTIFACT_DIR });
  await tracker.setTag(run.runId, 'fraudops.model_version', version.version);
  if (alias) await tracker.setAlias(registeredModel, alias, version.version);
  return { registeredModel, version: version.version, runId: run.runId, specHash: artifact.featureSpecHash };
}
