/** A 0.1 JSON store (written here file by file, in that layout) carried into MLflow's SQLite schema in place. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { codeOf } from '../RunTracker.contract.js';
import { openTracking } from '../openTracking.js';
import { downloadRunArtifact } from '../runArtifacts.js';
import { TrackingCodes } from '../TrackingError.js';
import { migrateLegacyStore } from './migrateLegacyStore.js';

const root = mkdtempSync(join(tmpdir(), 'fraudops-legacy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const RUN = '0123456789abcdef0123456789abcdef';

function legacyStore(dir: string): void {
  const put = (path: string, body: unknown) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), typeof body === 'string' ? body : JSON.stringify(body));
  };
  const artifacts = pathToFileURL(join(dir, 'runs', RUN, 'artifacts')).href;
  put('experiments/1.json', { experimentId: '1', name: 'fraudops', artifactLocation: pathToFileURL(join(dir, 'runs')).href, lifecycleStage: 'active', tags: { team: 'risk' } });
  put('experiment-names/fraudops', '1');
  put(`runs/${RUN}/run.json`, {
    info: { runId: RUN, experimentId: '1', runName: 'train-gbdt', status: 'FINISHED', startTime: 1_700_000_000_000, endTime: 1_700_000_060_000, artifactUri: artifacts, lifecycleStage: 'active' },
    params: { seed: '1' },
    tags: { 'mlflow.runName': 'train-gbdt', 'fraudops.model_version': '1' },
  });
  put(`runs/${RUN}/metrics.jsonl`, ['{"key":"loss","value":0.9,"timestamp":1,"step":0}', '{"key":"loss","value":0.4,"timestamp":2,"step":1}', '{"key":"auc","value":"NaN","timestamp":3,"step":0}', ''].join('\n'));
  put(`runs/${RUN}/artifacts/model/model.fraudops.json`, '{"format":"fraudops.model/1"}');
  put('models/fraudops-fraud/model.json', { name: 'fraudops-fraud', description: '', tags: {}, aliases: { champion: '1' }, creationTimestamp: 5, lastUpdatedTimestamp: 6 });
  put('models/fraudops-fraud/versions/1.json', { name: 'fraudops-fraud', version: '1', source: `${artifacts}/model`, runId: RUN, status: 'READY', description: '', tags: { 'validation.code': 'FIRST_MODEL' }, creationTimestamp: 7 });
}

describe('tracking > embedded > migrating a 0.1 store', () => {
  it('keeps ids, params, tags, metric histories, versions, aliases and artifact locations', async () => {
    const dir = join(root, 'store');
    legacyStore(dir);
    expect(await codeOf(openTracking(dir))).toBe(TrackingCodes.STORE_FORMAT);
    expect(await migrateLegacyStore(dir)).toMatchObject({ experiments: 1, runs: 1, metricPoints: 3, registeredModels: 1, versions: 1, aliases: 1 });
    const t = await openTracking(dir);
    try {
      const run = await t.runs.getRun(RUN);
      expect(run.info).toMatchObject({ runName: 'train-gbdt', status: 'FINISHED', startTime: 1_700_000_000_000, endTime: 1_700_000_060_000, experimentId: '1' });
      expect(run.data.params).toEqual({ seed: '1' });
      expect(run.data.metrics.loss).toBe(0.4);
      expect(Number.isNaN(run.data.metrics.auc)).toBe(true);
      expect((await t.runs.getMetricHistory(RUN, 'loss')).map((m) => m.value)).toEqual([0.9, 0.4]);
      expect((await t.runs.getExperimentByName('fraudops'))?.tags).toEqual({ team: 'risk' });
      expect((await t.registry.getModelVersionByAlias('fraudops-fraud', 'champion')).tags).toEqual({ 'validation.code': 'FIRST_MODEL' });
      expect((await downloadRunArtifact(t, RUN, 'model/model.fraudops.json')).toString()).toContain('fraudops.model/1');
      // New work continues in the migrated store.
      const exp = await t.runs.getOrCreateExperiment('fraudops');
      expect(exp.experimentId).toBe('1');
      expect((await t.registry.createModelVersion({ name: 'fraudops-fraud', runId: RUN, source: run.info.artifactUri })).version).toBe('2');
    } finally {
      await t.close();
    }
    expect(await codeOf(migrateLegacyStore(dir))).toBe(TrackingCodes.STORE_FORMAT);
  });

  it('refuses a directory that is not a 0.1 store', async () => {
    expect(await codeOf(migrateLegacyStore(join(root, 'empty')))).toBe(TrackingCodes.STORE_FORMAT);
  });
});
