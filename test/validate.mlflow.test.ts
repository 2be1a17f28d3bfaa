/**
 * The promotion flow against a real MLflow server (PostgreSQL store, S3 artifacts): the first model is promoted,
 * a clearly better one takes `champion` and moves the old one to `previous-champion`, an identical retrain is
 * refused. Aliases and version tags are checked through the Tracker and straight through MLflow's REST API, and
 * the run's model and validation report are in MLflow's artifact store. Needs `scripts/services.sh up`; fails,
 * never skips, when the server is not there. Every run uses its own experiment and registered model name.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_FILE, type ModelArtifact } from '../src/models/artifact.js';
import { VERSION_TAG } from '../src/promotion/modelRef.js';
import { CHAMPION, PREVIOUS_CHAMPION, validate, type ValidateResult } from '../src/promotion/validate.js';
import { openRunView, type RunView } from './support/runView.js';
import { TrackingCodes, TrackingError } from '../src/tracking/TrackingError.js';
import { MODEL_ARTIFACT_DIR, train, type TrainResult } from '../src/training/train.js';
import { smallLake } from './support/handbookLake.js';

const MLFLOW_URI = (process.env.FRAUDOPS_TEST_MLFLOW_URI ?? 'http://127.0.0.1:5050').replace(/\/+$/, '');
const SUFFIX = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const MODEL = `fraudops-test-${SUFFIX}`;
const EXPERIMENT = `fraudops-test-validate-${SUFFIX}`;

let dir: string;
let lake: string;
let tracker: RunView;
let good: TrainResult;
let twin: TrainResult;
let weak: { runId: string; version: string };

async function connect(): Promise<RunView> {
  try {
    return await openRunView(MLFLOW_URI);
  } catch (e) {
    if (e instanceof TrackingError && e.code === TrackingCodes.UNAVAILABLE) {
      throw new Error(`MLflow is not reachable at ${MLFLOW_URI}: run scripts/services.sh up (postgres, s3, mlflow) first`, { cause: e });
    }
    throw e;
  }
}

beforeAll(async () => {
  tracker = await connect();
  dir = mkdtempSync(join(tmpdir(), 'validate-mlflow-'));
  lake = await smallLake();
  const o = { lake, model: 'logreg' as const, folds: 1, seed: 1, tracking: MLFLOW_URI, experiment: EXPERIMENT, registeredModel: MODEL, workDir: dir };
  good = await train(o);
  twin = await train(o);
  weak = await registerWeakModel(good.runId);
}, 900_000);
afterAll(async () => {
  await tracker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The trained model with every weight but the weekend flag's zeroed: it ranks almost at random. */
async function registerWeakModel(fromRunId: string): Promise<{ runId: string; version: string }> {
  const path = `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`;
  const artifact = JSON.parse((await tracker.downloadArtifact(fromRunId, path)).toString('utf8')) as ModelArtifact;
  const body = artifact.model as unknown as { featureNames: string[]; coef: number[] };
  const keep = body.featureNames.indexOf('TX_DURING_WEEKEND');
  body.coef = body.coef.map((c, j) => (j === keep ? c : 0));
  const experiment = await tracker.getOrCreateExperiment(EXPERIMENT);
  const run = await tracker.createRun({ experimentId: experiment.experimentId, runName: 'weak-weekend-only' });
  await tracker.logArtifact(run.runId, Buffer.from(JSON.stringify(artifact)), path);
  const version = await tracker.createModelVersion({ name: MODEL, runId: run.runId, artifactPath: MODEL_ARTIFACT_DIR });
  await tracker.setTag(run.runId, VERSION_TAG, version.version);
  await tracker.endRun(run.runId);
  return { runId: run.runId, version: version.version };
}

function run(candidate: string): Promise<ValidateResult> {
  return validate({ candidate, lake, tracking: MLFLOW_URI, registeredModel: MODEL, bootstrap: 200, workDir: dir });
}

const ref = (version: string): string => `models:/${MODEL}/${version}`;

/** The alias as MLflow's own REST API reports it: the version number, or undefined when it is not set. */
async function restAlias(alias: string): Promise<string | undefined> {
  const res = await fetch(`${MLFLOW_URI}/api/2.0/mlflow/registered-models/alias?name=${encodeURIComponent(MODEL)}&alias=${encodeURIComponent(alias)}`);
  if (res.status === 404) return undefined;
  const body = (await res.json()) as { model_version?: { version: string }; error_code?: string };
  if (body.error_code === 'RESOURCE_DOES_NOT_EXIST' || body.error_code === 'INVALID_PARAMETER_VALUE') return undefined;
  expect(res.ok).toBe(true);
  return body.model_version?.version;
}

async function restVersionTags(version: string): Promise<Record<string, string>> {
  const res = await fetch(`${MLFLOW_URI}/api/2.0/mlflow/model-versions/get?name=${encodeURIComponent(MODEL)}&version=${version}`);
  expect(res.ok).toBe(true);
  const body = (await res.json()) as { model_version: { tags?: { key: string; value: string }[] } };
  return Object.fromEntries((body.model_version.tags ?? []).map((t) => [t.key, t.value]));
}

describe('validate > mlflow > promotion flow', () => {
  it('training registered three versions of a fresh model, none of them an alias', async () => {
    expect(new Set([good.modelVersion, twin.modelVersion, weak.version]).size).toBe(3);
    expect((await tracker.getRegisteredModel(MODEL)).aliases).toEqual({});
    expect(await restAlias(CHAMPION)).toBeUndefined();
  });

  it('the first model is promoted: champion is set in MLflow', async () => {
    const r = await run(ref(weak.version));
    expect(r.decision.code).toBe('FIRST_MODEL');
    expect(r.promoted).toBe(true);
    expect((await tracker.getModelVersionByAlias(MODEL, CHAMPION)).version).toBe(weak.version);
    expect(await restAlias(CHAMPION)).toBe(weak.version);
    expect(await restAlias(PREVIOUS_CHAMPION)).toBeUndefined();
  });

  it('a clearly better model is promoted: champion moves to it, previous-champion to the old one', async () => {
    const r = await run(ref(good.modelVersion));
    expect(r.decision.code).toBe('SIGNIFICANT_IMPROVEMENT');
    expect(r.promoted).toBe(true);
    expect(r.ci![0]).toBeGreaterThan(0);
    expect((await tracker.getRegisteredModel(MODEL)).aliases).toEqual({ [CHAMPION]: good.modelVersion, [PREVIOUS_CHAMPION]: weak.version });
    expect(await restAlias(CHAMPION)).toBe(good.modelVersion);
    expect(await restAlias(PREVIOUS_CHAMPION)).toBe(weak.version);

    const tags = await restVersionTags(good.modelVersion);
    expect(tags).toMatchObject({
      'fraudops.model': 'logreg',
      'validation.decision': 'promote',
      'validation.code': 'SIGNIFICANT_IMPROVEMENT',
      'validation.test': 'paired-bootstrap',
      'validation.champion': `models:/${MODEL}@${CHAMPION} (version ${weak.version})`,
    });
    expect((await tracker.getModelVersion(MODEL, good.modelVersion)).tags).toEqual(tags);
    const dist = await tracker.getMetricHistory(good.runId, 'validation_dist_ap');
    expect(dist.map((m) => m.step)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it("the candidate's model and validation report are in MLflow's artifact store", async () => {
    const model = (await tracker.listArtifacts(good.runId, MODEL_ARTIFACT_DIR)).map((a) => a.path).sort();
    expect(model).toEqual([`${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`, `${MODEL_ARTIFACT_DIR}/model.onnx`]);
    const report = await tracker.listArtifacts(good.runId, 'validation');
    expect(report.map((a) => a.path).sort()).toEqual(['validation/report.html', 'validation/report.json', 'validation/report.png']);
    expect(report.every((a) => (a.size ?? 0) > 0)).toBe(true);
    const png = await tracker.downloadArtifact(good.runId, 'validation/report.png');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // The server's own listing agrees.
    const res = await fetch(`${MLFLOW_URI}/api/2.0/mlflow/artifacts/list?run_id=${good.runId}&path=validation`);
    const listing = (await res.json()) as { files?: { path: string }[] };
    expect(listing.files?.map((f) => f.path).sort()).toEqual(['validation/report.html', 'validation/report.json', 'validation/report.png']);
  });

  it('an identical retrain is refused and no alias moves', async () => {
    const r = await run(ref(twin.modelVersion));
    expect(r.decision.code).toBe('NOT_SIGNIFICANT');
    expect(r.meanDiff).toBe(0);
    expect(r.promoted).toBe(false);
    expect(await restAlias(CHAMPION)).toBe(good.modelVersion);
    expect(await restAlias(PREVIOUS_CHAMPION)).toBe(weak.version);
    expect((await restVersionTags(twin.modelVersion))['validation.decision']).toBe('keep-champion');
  });
});
