/**
 * One training run end to end on a small generated lake: what it records in tracking (params, metrics,
 * artifacts, registered version), that the same seed gives the same model, and that the ONNX export scores the
 * test window like the native model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../src/engine/DuckDbEngine.js';
import { DEFAULT_FEATURE_SPEC, featureNames, featureSpecHash } from '../src/features/spec.js';
import { ARTIFACT_FILE, loadArtifact, type ModelArtifact } from '../src/models/artifact.js';
import { ARTIFACTS } from '../src/models/conventions.js';
import { scoreWithOnnx } from '../src/models/onnx/onnxScore.js';
import { openStore } from '../src/storage/openStore.js';
import { CommitLog } from '../src/lake/CommitLog.js';
import { windowDataset } from '../src/lake/windowDataset.js';
import { openRunView, type RunView } from './support/runView.js';
import type { Run } from '../src/tracking/RunTracker.js';
import { evaluate } from '../src/datasets/evaluate.js';
import { loadFeatureFrame, splitFrame, type LabeledSet } from '../src/datasets/FeatureFrame.js';
import { DEFAULT_REGISTERED_MODEL, MODEL_ARTIFACT_DIR, train, type TrainOptions, type TrainResult } from '../src/training/train.js';
import { SMALL_TRAIN_START, smallLake } from './support/handbookLake.js';

let dir: string;
let lake: string;
let uri: string;
let tracker: RunView;
/** gbdt, one random trial, one fold; seed 2 draws row and column subsampling, so the seed matters to the fit. */
let first: TrainResult;
let run: Run;
/** The test window of the runs, as the trainer saw it. */
let test: LabeledSet;

const GBDT: Omit<TrainOptions, 'lake'> = { model: 'gbdt', search: 'random', trials: 1, folds: 1, seed: 2 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'train-run-'));
  lake = await smallLake();
  uri = join(dir, 'tracking');
  first = await train({ ...GBDT, lake, tracking: uri, workDir: dir });
  tracker = await openRunView(uri);
  run = await tracker.getRun(first.runId);
  test = await testWindow();
}, 900_000);
afterAll(async () => {
  await tracker?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function testWindow(): Promise<LabeledSet> {
  const store = await openStore(lake);
  const engine = await DuckDbEngine.create({ tempDir: join(dir, 'spill') });
  try {
    const frame = await loadFeatureFrame(engine, store, first.windows.train[0], first.windows.test[1]);
    return splitFrame(frame, { trainStart: first.windows.train[0], trainDays: 7, delayDays: 7, testDays: 7 }).test;
  } finally {
    await engine.close();
    await store.close();
  }
}

async function artifactOf(runId: string): Promise<ModelArtifact> {
  return JSON.parse((await tracker.downloadArtifact(runId, `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`)).toString('utf8')) as ModelArtifact;
}

describe('train > tracked run', () => {
  it('finishes and records windows, search settings, row counts and best params as params', () => {
    expect(run.info.status).toBe('FINISHED');
    expect(first.windows.train[0]).toBe(SMALL_TRAIN_START);
    const p = run.data.params;
    expect(p).toMatchObject({
      'window.train_start': SMALL_TRAIN_START,
      'window.train_days': '7',
      'window.delay_days': '7',
      'window.test_days': '7',
      'search.models': 'gbdt',
      'search.mode': 'random',
      'search.trials': '1',
      'search.folds': '1',
      'search.metric': 'ap',
      seed: '2',
      'feature_spec.hash': featureSpecHash(DEFAULT_FEATURE_SPEC),
      'dataset.train_rows': String(first.rows.train),
      'dataset.train_frauds': String(first.rows.trainFrauds),
      'dataset.test_rows': String(first.rows.test),
      'dataset.test_frauds': String(first.rows.testFrauds),
      'best.model': 'gbdt',
    });
    expect(JSON.parse(p['dataset.windows'])).toEqual(first.windows);
    for (const [k, v] of Object.entries(first.params)) expect(p[`best.${k}`]).toBe(String(v));
    expect(Object.keys(first.params)).toEqual(expect.arrayContaining(['numLeaves', 'learningRate', 'nEstimators']));
    expect(run.data.tags['fraudops.stage']).toBe('train');
  });

  it('logs the test metrics the result reports', () => {
    const m = run.data.metrics;
    expect(m.test_auc).toBe(first.metrics.auc);
    expect(m.test_ap).toBe(first.metrics.ap);
    expect(m.test_cp100).toBe(first.metrics.cp100);
    expect(m.test_logloss).toBe(first.metrics.logloss);
    expect(m.threshold).toBe(first.threshold);
    expect(m.search_best_score).toBe(first.search.bestScore);
    expect(first.metrics.auc).toBeGreaterThan(0.75);
  });

  it('the logged metrics are those of the model artifact on the test window', async () => {
    const { model } = loadArtifact(await tracker.downloadArtifact(first.runId, `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`), 'test');
    expect(test.X.rows).toBe(first.rows.test);
    expect(test.frauds).toBe(first.rows.testFrauds);
    expect(evaluate(test, model.predictProba(test.X))).toEqual(first.metrics);
  });

  it('stores the model, its ONNX export, the feature spec, the environment and the search trials as artifacts', async () => {
    const top = await tracker.listArtifacts(first.runId);
    expect(top.map((a) => a.path).sort()).toEqual(['environment.json', 'feature_spec.json', 'model', 'search']);
    const model = await tracker.listArtifacts(first.runId, 'model');
    expect(model.map((a) => a.path).sort()).toEqual(['model/model.fraudops.json', 'model/model.onnx']);
    expect(model.every((a) => (a.size ?? 0) > 0)).toBe(true);

    const spec = JSON.parse((await tracker.downloadArtifact(first.runId, 'feature_spec.json')).toString('utf8'));
    expect(spec).toEqual(JSON.parse(JSON.stringify(DEFAULT_FEATURE_SPEC)));
    const env = JSON.parse((await tracker.downloadArtifact(first.runId, 'environment.json')).toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(env).length).toBeGreaterThan(0);
    expect(Object.keys(run.data.tags).some((k) => k.startsWith('env.'))).toBe(true);

    const trials = JSON.parse((await tracker.downloadArtifact(first.runId, 'search/trials.json')).toString('utf8')) as Array<{
      index: number;
      candidate: { kind: string; params: Record<string, number> };
      score: number;
      folds: unknown[];
    }>;
    expect(trials).toHaveLength(1);
    expect(trials[0]).toMatchObject({ index: 0, candidate: { kind: 'gbdt', params: first.params }, score: first.search.bestScore });
    expect(trials[0].folds).toHaveLength(1);
    const history = await tracker.getMetricHistory(first.runId, 'search_score');
    expect(history.map((h) => [h.step, h.value])).toEqual([[0, first.search.bestScore]]);

    const artifact = await artifactOf(first.runId);
    expect(artifact).toMatchObject({
      kind: 'gbdt',
      featureSpecHash: featureSpecHash(DEFAULT_FEATURE_SPEC),
      featureNames: featureNames(DEFAULT_FEATURE_SPEC),
      threshold: first.threshold,
      params: first.params,
      lineage: { runId: first.runId, windows: first.windows, rows: first.rows, metrics: first.metrics },
    });
  });

  it('registers a model version pointing at the run, tagged with the model kind, spec hash and test metrics', async () => {
    expect(first.registeredModel).toBe(DEFAULT_REGISTERED_MODEL);
    const v = await tracker.getModelVersion(DEFAULT_REGISTERED_MODEL, first.modelVersion);
    expect(v).toMatchObject({ runId: first.runId, status: 'READY', aliases: [] });
    expect(v.source).toBe(`${run.info.artifactUri}/${MODEL_ARTIFACT_DIR}`);
    expect(v.tags).toEqual({
      'fraudops.model': 'gbdt',
      'fraudops.feature_spec_hash': featureSpecHash(DEFAULT_FEATURE_SPEC),
      'fraudops.test_ap': String(first.metrics.ap),
      'fraudops.test_auc': String(first.metrics.auc),
      'fraudops.test_cp100': String(first.metrics.cp100),
    });
    expect(run.data.tags['fraudops.model_version']).toBe(first.modelVersion);
    // Training registers; promotion is the validation stage's decision.
    await expect(tracker.getModelVersionByAlias(DEFAULT_REGISTERED_MODEL, 'champion')).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });
});

describe('train > what MLflow 3 shows', () => {
  it('logs the lake windows as dataset inputs with a digest of the parts read, training and test', () => {
    const inputs = [...run.inputs].sort((a, b) => a.dataset.name.localeCompare(b.dataset.name));
    expect(inputs.map((i) => [i.dataset.name.split(' ').slice(0, 2).join(' '), i.tags?.['mlflow.data.context']])).toEqual([
      ['lake test', 'test'],
      ['lake train', 'training'],
    ]);
    expect(inputs[0].dataset.name).toBe(`lake test ${first.windows.test[0]}..${first.windows.test[1]}`);
    for (const i of inputs) {
      expect(i.dataset.digest).toMatch(/^[0-9a-f]{16}$/);
      expect(JSON.parse(i.dataset.source)).toMatchObject({ uri: expect.stringContaining('file://') });
      expect(JSON.parse(i.dataset.profile ?? '{}').rows).toBeGreaterThan(0);
    }
    expect(JSON.parse(inputs[0].dataset.profile ?? '{}').rows).toBeGreaterThanOrEqual(first.rows.test);
  });

  it('the digests are those of the lake parts in each window; the model is a READY logged model, output of the run', async () => {
    const store = await openStore(lake);
    const parts = (await CommitLog.load(store)).parts();
    await store.close();
    const byContext = Object.fromEntries(run.inputs.map((i) => [i.tags?.['mlflow.data.context'], i.dataset.digest]));
    expect(byContext.test).toBe(windowDataset(store.uri, parts, first.windows.test[0], first.windows.test[1], 'lake test').digest);
    expect(byContext.training).toBe(windowDataset(store.uri, parts, JSON.parse(run.inputs.find((i) => i.tags?.['mlflow.data.context'] === 'training')!.dataset.source).from, first.windows.train[1], 'lake train').digest);
    expect(run.outputs.map((o) => o.modelId)).toEqual([first.loggedModelId]);
    expect(run.data.tags['fraudops.logged_model_id']).toBe(first.loggedModelId);
    const logged = await tracker.getLoggedModel(first.loggedModelId);
    expect(logged).toMatchObject({ status: 'READY', sourceRunId: first.runId, modelType: 'gbdt', params: Object.fromEntries(Object.entries(first.params).map(([k, v]) => [k, String(v)])) });
    const files = await tracker.tracking.artifacts(logged.artifactLocation);
    expect((await files.listArtifacts()).map((f) => f.path)).toEqual(['model.fraudops.json', 'model.onnx']);
    expect(Buffer.compare(await files.downloadArtifact('model.fraudops.json'), await tracker.downloadArtifact(first.runId, `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`))).toBe(0);
  });

  it('records the real git commit of the code, not "unknown"', () => {
    expect(run.data.tags['env.git.sha']).toMatch(/^[0-9a-f]{40}$/);
    expect(['true', 'false']).toContain(run.data.tags['env.git.dirty']);
  });
});

describe('train > onnx export', () => {
  it('scores the test window like the native gbdt, within 1e-5', async () => {
    const { model } = loadArtifact(await tracker.downloadArtifact(first.runId, `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`), 'test');
    const onnx = await scoreWithOnnx(await tracker.downloadArtifact(first.runId, `${MODEL_ARTIFACT_DIR}/model.onnx`), test.X);
    const native = model.predictProba(test.X);
    expect(onnx.length).toBe(test.X.rows);
    expect(maxAbsDiff(onnx, native)).toBeLessThanOrEqual(1e-5);
  });

  it('--ensemble 2 averages the two best candidates into one model: its trees are both refits\', it is recorded and exports to ONNX', async () => {
    const r = await train({ ...GBDT, trials: 2, ensemble: 2, lake, tracking: uri, workDir: dir });
    expect(r.search.ensemble).toBe(2);
    const params = (await tracker.getRun(r.runId)).data.params;
    const members = String(params['search.ensemble_trials']).split(',').map(Number);
    expect(params['search.ensemble']).toBe('2');
    expect(members).toHaveLength(2);
    expect(new Set(members).size).toBe(2);
    // Each member's refit alone has nEstimators trees (no early stopping in the search's candidates).
    const trialsDoc = JSON.parse((await tracker.downloadArtifact(r.runId, ARTIFACTS.trials)).toString('utf8')) as { index: number; candidate: { params: Record<string, number> } }[];
    // ensemble_trials counts trials from 1, as the progress lines do.
    const expectedTrees = members.reduce((n, m) => n + trialsDoc.find((t) => t.index === m - 1)!.candidate.params.nEstimators, 0);
    const { model } = loadArtifact(await tracker.downloadArtifact(r.runId, `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`), 'test');
    expect((model.toJSON().trees as unknown[]).length).toBe(expectedTrees);
    const onnx = await scoreWithOnnx(await tracker.downloadArtifact(r.runId, `${MODEL_ARTIFACT_DIR}/model.onnx`), test.X);
    expect(maxAbsDiff(onnx, model.predictProba(test.X))).toBeLessThanOrEqual(1e-5);
  }, 600_000);

  it('a spent --budget ends the search: the first candidate always runs, the rest are not started, and the run says so', async () => {
    const r = await train({ ...GBDT, trials: 4, budgetMs: 1, lake, tracking: uri, workDir: dir });
    expect(r.search).toMatchObject({ trials: 1, budgetMs: 1 });
    const params = (await tracker.getRun(r.runId)).data.params;
    expect(params).toMatchObject({ 'search.trials': '4', 'search.trials_tried': '1', 'search.budget_s': '0.001' });
    const trialsDoc = JSON.parse((await tracker.downloadArtifact(r.runId, ARTIFACTS.trials)).toString('utf8')) as unknown[];
    expect(trialsDoc).toHaveLength(1);
  }, 600_000);

  it('scores the test window like the native logistic regression, within 1e-5', async () => {
    const r = await train({ lake, model: 'logreg', folds: 1, tracking: uri, workDir: dir });
    const { model } = loadArtifact(await tracker.downloadArtifact(r.runId, `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`), 'test');
    const onnx = await scoreWithOnnx(await tracker.downloadArtifact(r.runId, `${MODEL_ARTIFACT_DIR}/model.onnx`), test.X);
    expect(model.kind).toBe('logreg');
    expect(maxAbsDiff(onnx, model.predictProba(test.X))).toBeLessThanOrEqual(1e-5);
  });
});

describe('train > determinism', () => {
  it('the same seed and settings train the same model, byte for byte, as a new version', async () => {
    expect(first.params.rowSubsample).toBeLessThan(1);
    expect(first.params.colSubsample).toBeLessThan(1);
    const again = await train({ ...GBDT, lake, tracking: uri, workDir: dir });
    expect(again.runId).not.toBe(first.runId);
    expect(again.modelVersion).not.toBe(first.modelVersion);
    expect(again.params).toEqual(first.params);
    expect(again.metrics).toEqual(first.metrics);
    expect(again.threshold).toBe(first.threshold);
    const [a, b] = [await artifactOf(first.runId), await artifactOf(again.runId)];
    expect(JSON.stringify(b.model)).toBe(JSON.stringify(a.model));
  });

  it('one thread and three worker threads (refit and test window scored on them) train the same model, metrics and threshold', async () => {
    const a = await artifactOf(first.runId);
    for (const workers of [1, 3]) {
      const again = await train({ ...GBDT, lake, tracking: uri, workDir: dir, workers });
      expect(again.metrics).toEqual(first.metrics);
      expect(again.threshold).toBe(first.threshold);
      expect(again.rows).toEqual(first.rows);
      expect(JSON.stringify((await artifactOf(again.runId)).model)).toBe(JSON.stringify(a.model));
    }
  });
});

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
