/**
 * The embedded store is MLflow's own: fraudops writes runs, metric histories, dataset inputs, a logged model,
 * registered versions and aliases (through `promote`), then MLflow's Python client (the services venv's, the
 * pinned version) opens the same `sqlite:///` file and reads every one of them back.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIASES } from '../src/models/conventions.js';
import { promote } from '../src/registry/promote.js';
import { openTracking } from '../src/tracking/openTracking.js';

const PYTHON = join(process.env.FRAUDOPS_SERVICES_DIR ?? join(process.cwd(), '.services'), 'py', 'bin', 'python');
const MODEL = 'fraudops-fraud';

const READ = `
import json, sys
from mlflow.tracking import MlflowClient
c = MlflowClient(tracking_uri=sys.argv[1], registry_uri=sys.argv[1])
exp = c.get_experiment_by_name("fraudops")
run = c.get_run(sys.argv[2])
model = c.get_logged_model(sys.argv[3])
rm = c.get_registered_model("${MODEL}")
print(json.dumps({
  "experiment": exp.name,
  "runs": len(c.search_runs([exp.experiment_id])),
  "status": run.info.status,
  "params": run.data.params,
  "metrics": run.data.metrics,
  "history": [[m.step, m.value] for m in c.get_metric_history(run.info.run_id, "loss")],
  "tags": {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
  "inputs": sorted([[d.dataset.name, d.dataset.digest, {t.key: t.value for t in d.tags}] for d in run.inputs.dataset_inputs]),
  "outputs": [o.model_id for o in run.outputs.model_outputs] if run.outputs else [],
  "logged": [model.name, str(model.status), model.source_run_id],
  "aliases": {k: str(v) for k, v in rm.aliases.items()},
  "champion": str(c.get_model_version_by_alias("${MODEL}", "${ALIASES.champion}").version),
  "versions": sorted(int(v.version) for v in c.search_model_versions("name='${MODEL}'")),
  "version_tags": c.get_model_version("${MODEL}", "2").tags,
}))
`;

let dir: string;
let runId = '';
let modelId = '';
let store = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fraudops-mlflow-client-'));
  const t = await openTracking(join(dir, 'mlruns-fraudops'));
  store = t.uri;
  try {
    const exp = await t.runs.getOrCreateExperiment('fraudops');
    const run = await t.runs.createRun({ experimentId: exp.experimentId, runName: 'train-gbdt', tags: { 'fraudops.stage': 'train' } });
    runId = run.runId;
    await t.runs.logParams(runId, { 'search.trials': 8, seed: 1 });
    await t.runs.logBatch(runId, { metrics: [0.9, 0.5, 0.3].map((value, step) => ({ key: 'loss', value, step })) });
    await t.runs.logMetric(runId, 'test_ap', 0.72);
    await t.runs.logInputs(runId, [
      { dataset: { name: 'lake train 2018-04-01..2018-04-07', digest: '0a1b2c3d4e5f6071', sourceType: 'local', source: '{"uri":"file:///lake"}' }, tags: { 'mlflow.data.context': 'training' } },
    ]);
    const logged = await t.runs.createLoggedModel({ experimentId: exp.experimentId, name: 'fraudops-fraud-gbdt', sourceRunId: runId, modelType: 'gbdt' });
    modelId = logged.modelId;
    await t.runs.endRun(runId);
    await t.registry.createRegisteredModel(MODEL);
    for (let i = 0; i < 2; i++) await t.registry.createModelVersion({ name: MODEL, runId, source: `${run.artifactUri}/model` });
    await t.registry.setAlias(MODEL, ALIASES.champion, '1');
    await promote(t, { version: '2', reason: 'checked by hand' });
  } finally {
    await t.close();
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tracking > embedded > read by MLflow\'s own client', () => {
  it('MLflow reads the runs, metrics, inputs, logged model, versions and aliases fraudops wrote', async () => {
    if (!existsSync(PYTHON)) throw new Error(`no services venv at ${PYTHON}: run scripts/services.sh up mlflow first`);
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', READ, store, runId, modelId], {
      env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true' },
      timeout: 240_000,
    });
    const got = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(got).toMatchObject({
      experiment: 'fraudops',
      runs: 2, // the training run and the promote decision
      status: 'FINISHED',
      params: { 'search.trials': '8', seed: '1' },
      metrics: { loss: 0.3, test_ap: 0.72 },
      history: [[0, 0.9], [1, 0.5], [2, 0.3]],
      tags: { 'fraudops.stage': 'train' },
      inputs: [['lake train 2018-04-01..2018-04-07', '0a1b2c3d4e5f6071', { 'mlflow.data.context': 'training' }]],
      outputs: [modelId],
      logged: ['fraudops-fraud-gbdt', 'READY', runId],
      aliases: { champion: '2', 'previous-champion': '1' },
      champion: '2',
      versions: [1, 2],
    });
    expect((got.version_tags as Record<string, string>)['promotion.reason']).toBe('checked by hand');
  }, 300_000);
});
