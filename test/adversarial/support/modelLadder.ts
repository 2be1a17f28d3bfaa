/**
 * A ladder of registered model versions of known, strictly increasing quality without training each one: the
 * trained logistic regression with all but its k strongest weights zeroed (k = 1 ranks almost at random, k = all
 * is the trained model). Each rung is logged as its own run and registered like a trained model, on any tracking backend.
 */
import type { ModelArtifact } from '../../../src/models/artifact.js';
import { ARTIFACTS, MODEL_ARTIFACT_PATH, TAGS } from '../../../src/models/conventions.js';
import type { RunView } from '../../support/runView.js';

export interface Rung {
  keep: number;
  runId: string;
  version: string;
  ref: string;
}

export const ARTIFACT_PATH = MODEL_ARTIFACT_PATH;

export async function registerLadder(tracker: RunView, artifactBytes: Buffer, model: string, experiment: string, keeps: number[]): Promise<Rung[]> {
  const exp = await tracker.getOrCreateExperiment(experiment);
  await tracker.createRegisteredModel(model).catch((e: { code?: string }) => {
    if (e.code !== 'RESOURCE_ALREADY_EXISTS') throw e;
  });
  const rungs: Rung[] = [];
  for (const keep of keeps) {
    const artifact = JSON.parse(artifactBytes.toString('utf8')) as ModelArtifact;
    const body = artifact.model as unknown as { coef: number[] };
    const order = body.coef.map((c, j) => [Math.abs(c), j] as const).sort((a, b) => b[0] - a[0]);
    const kept = new Set(order.slice(0, keep).map(([, j]) => j));
    body.coef = body.coef.map((c, j) => (kept.has(j) ? c : 0));
    const run = await tracker.createRun({ experimentId: exp.experimentId, runName: `ladder-keep-${keep}` });
    await tracker.logArtifact(run.runId, Buffer.from(JSON.stringify(artifact)), ARTIFACT_PATH);
    const version = await tracker.createModelVersion({ name: model, runId: run.runId, artifactPath: ARTIFACTS.modelDir });
    await tracker.setTag(run.runId, TAGS.modelVersion, version.version);
    await tracker.endRun(run.runId);
    rungs.push({ keep, runId: run.runId, version: version.version, ref: `models:/${model}/${version.version}` });
  }
  return rungs;
}
