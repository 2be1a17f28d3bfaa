/**
 * The behaviour every Tracker backend must share, as one vitest suite. Each backend's test file calls
 * `runTrackerContract` with a factory; the MLflow one runs it against a real server. Names carry a random
 * suffix so the suite can run repeatedly against a long-lived server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tracker } from './Tracker.js';
import { TrackingCodes } from './TrackingError.js';
import { FAILURE_TAG, withRun } from './withRun.js';

export interface TrackerContractOptions {
  name: string;
  newTracker: () => Promise<Tracker>;
  /** Test titles to skip, each with the reason. */
  skip?: Record<string, string>;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? `uncoded: ${String(e)}`;
  }
}

export function runTrackerContract({ name, newTracker, skip = {} }: TrackerContractOptions): void {
  describe(`tracking > ${name}`, () => {
    const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const unknownRun = randomBytes(16).toString('hex');
    let t: Tracker;
    let experimentId: string;
    let scratch: string;
    const test = (title: string, fn: () => Promise<void>) =>
      skip[title] ? it.skip(`${title} (skipped: ${skip[title]})`, fn) : it(title, fn, 60_000);
    const newRun = async (runName = 'r', tags: Record<string, string> = {}) =>
      (await t.createRun({ experimentId, runName, tags })).runId;

    beforeAll(async () => {
      t = await newTracker();
      experimentId = (await t.getOrCreateExperiment(`contract-${suffix}`)).experimentId;
      scratch = await mkdtemp(join(tmpdir(), 'fraudops-tracker-'));
    }, 60_000);
    afterAll(async () => {
      await t?.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    describe('experiments', () => {
      test('getOrCreate returns the same experiment by name', async () => {
        const a = await t.getOrCreateExperiment(`exp-${suffix}`, { owner: 'fraud' });
        const b = await t.getOrCreateExperiment(`exp-${suffix}`);
        expect(b.experimentId).toBe(a.experimentId);
        expect(a.name).toBe(`exp-${suffix}`);
        expect(a.tags.owner).toBe('fraud');
        expect((await t.getExperiment(a.experimentId)).name).toBe(a.name);
        expect((await t.getExperimentByName(`exp-${suffix}`))?.experimentId).toBe(a.experimentId);
      });
      test('unknown names and ids', async () => {
        expect(await t.getExperimentByName(`missing-${suffix}`)).toBeUndefined();
        expect(await codeOf(t.getExperiment('987654321'))).toBe(TrackingCodes.NOT_FOUND);
        expect(await codeOf(t.getOrCreateExperiment(''))).toBe(TrackingCodes.INVALID_PARAMETER);
      });
    });

    describe('runs', () => {
      test('create with name and tags, then end with each status', async () => {
        const info = await t.createRun({ experimentId, runName: 'train-gbm', tags: { stage: 'train' } });
        expect(info.status).toBe('RUNNING');
        expect(info.runName).toBe('train-gbm');
        expect(info.experimentId).toBe(experimentId);
        expect(info.artifactUri).not.toBe('');
        const run = await t.getRun(info.runId);
        expect(run.data.tags.stage).toBe('train');
        expect(run.info.endTime).toBeUndefined();
        await t.endRun(info.runId);
        const ended = await t.getRun(info.runId);
        expect(ended.info.status).toBe('FINISHED');
        expect(ended.info.endTime).toBeGreaterThanOrEqual(ended.info.startTime);
        for (const status of ['FAILED', 'KILLED'] as const) {
          const id = await newRun();
          await t.endRun(id, status);
          expect((await t.getRun(id)).info.status).toBe(status);
        }
      });
      test('tags overwrite', async () => {
        const id = await newRun();
        await t.setTag(id, 'model.kind', 'gbm');
        await t.setTag(id, 'model.kind', 'logreg');
        expect((await t.getRun(id)).data.tags['model.kind']).toBe('logreg');
        expect(await codeOf(t.setTag(id, 'bad\nkey', 'x'))).toBe(TrackingCodes.INVALID_PARAMETER);
      });
      test('unknown run fails with RESOURCE_NOT_FOUND everywhere', async () => {
        for (const call of [
          () => t.getRun(unknownRun),
          () => t.endRun(unknownRun),
          () => t.logParam(unknownRun, 'a', 1),
          () => t.logMetric(unknownRun, 'm', 1),
          () => t.setTag(unknownRun, 'k', 'v'),
          () => t.getMetricHistory(unknownRun, 'm'),
          () => t.listArtifacts(unknownRun),
          () => t.logArtifact(unknownRun, Buffer.from('x'), 'x.txt'),
        ]) {
          expect(await codeOf(call())).toBe(TrackingCodes.NOT_FOUND);
        }
      });
    });

    describe('params', () => {
      test('values are strings and immutable', async () => {
        const id = await newRun();
        await t.logParam(id, 'depth', 6);
        await t.logParams(id, { lr: 0.1, balanced: true, loss: 'logloss' });
        await t.logParam(id, 'depth', '6'); // the same value again is fine
        expect((await t.getRun(id)).data.params).toEqual({ depth: '6', lr: '0.1', balanced: 'true', loss: 'logloss' });
        expect(await codeOf(t.logParam(id, 'depth', 7))).toBe(TrackingCodes.INVALID_PARAMETER);
        expect((await t.getRun(id)).data.params.depth).toBe('6');
      });
      test('limits are checked before anything is sent', async () => {
        const id = await newRun();
        expect(await codeOf(t.logParam(id, 'long', 'x'.repeat(6001)))).toBe(TrackingCodes.INVALID_PARAMETER);
        expect(await codeOf(t.logParam(id, '../escape', 1))).toBe(TrackingCodes.INVALID_PARAMETER);
        expect(await codeOf(t.logParam(id, 'k'.repeat(251), 1))).toBe(TrackingCodes.INVALID_PARAMETER);
        const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, i]));
        await t.logParams(id, many); // split into MLflow-sized batches
        expect(Object.keys((await t.getRun(id)).data.params)).toHaveLength(150);
      });
    });

    describe('metrics', () => {
      test('history is ordered by step and the run shows the latest', async () => {
        const id = await newRun();
        await t.logMetric(id, 'loss', 0.3, { step: 2, timestamp: 1_700_000_000_300 });
        await t.logMetric(id, 'loss', 0.9, { step: 0, timestamp: 1_700_000_000_100 });
        await t.logBatch(id, { metrics: [{ key: 'loss', value: 0.5, step: 1, timestamp: 1_700_000_000_200 }, { key: 'auc', value: 0.91 }] });
        const history = await t.getMetricHistory(id, 'loss');
        expect(history.map((m) => [m.step, m.value, m.timestamp])).toEqual([
          [0, 0.9, 1_700_000_000_100],
          [1, 0.5, 1_700_000_000_200],
          [2, 0.3, 1_700_000_000_300],
        ]);
        const run = await t.getRun(id);
        expect(run.data.metrics).toEqual({ loss: 0.3, auc: 0.91 });
        const auc = await t.getMetricHistory(id, 'auc');
        expect(auc).toHaveLength(1);
        expect(auc[0].step).toBe(0);
        expect(Math.abs(auc[0].timestamp - Date.now())).toBeLessThan(120_000);
        expect(await t.getMetricHistory(id, 'never-logged')).toEqual([]);
      });
      test('NaN is kept, infinities are clamped, non-numbers rejected', async () => {
        const id = await newRun();
        await t.logMetric(id, 'auc', Number.NaN, { step: 0 });
        await t.logMetric(id, 'auc', Infinity, { step: 1 });
        await t.logMetric(id, 'auc', -Infinity, { step: 2 });
        const values = (await t.getMetricHistory(id, 'auc')).map((m) => m.value);
        expect(Number.isNaN(values[0])).toBe(true);
        expect(values.slice(1)).toEqual([Number.MAX_VALUE, -Number.MAX_VALUE]);
        expect(await codeOf(t.logMetric(id, 'auc', '0.5' as unknown as number))).toBe(TrackingCodes.INVALID_PARAMETER);
        expect(await codeOf(t.logMetric(id, 'auc', 0.5, { step: 1.5 }))).toBe(TrackingCodes.INVALID_PARAMETER);
      });
      test('large batches are split', async () => {
        const id = await newRun();
        const metrics = Array.from({ length: 1200 }, (_, i) => ({ key: 'curve', value: i / 1200, step: i, timestamp: 1_700_000_000_000 + i }));
        await t.logBatch(id, { metrics, params: { n: 1200 }, tags: { kind: 'curve' } });
        const history = await t.getMetricHistory(id, 'curve');
        expect(history).toHaveLength(1200);
        expect(history.every((m, i) => m.step === i)).toBe(true);
      });
    });

    describe('artifacts', () => {
      test('bytes, files and directories round-trip', async () => {
        const id = await newRun();
        const bytes = randomBytes(200_000);
        await t.logArtifact(id, bytes, 'model/weights.bin');
        const file = join(scratch, 'report.json');
        await writeFile(file, JSON.stringify({ auc: 0.93 }));
        await t.logArtifact(id, file, 'reports/report.json');
        const dir = join(scratch, 'plots');
        await mkdir(join(dir, 'roc'), { recursive: true });
        await writeFile(join(dir, 'pr.txt'), 'pr');
        await writeFile(join(dir, 'roc', 'roc.txt'), 'roc');
        await t.logArtifact(id, dir, 'plots');

        expect(Buffer.compare(await t.downloadArtifact(id, 'model/weights.bin'), bytes)).toBe(0);
        expect(JSON.parse((await t.downloadArtifact(id, 'reports/report.json')).toString())).toEqual({ auc: 0.93 });
        expect((await t.downloadArtifact(id, 'plots/roc/roc.txt')).toString()).toBe('roc');
        expect(await t.listArtifacts(id)).toEqual([
          { path: 'model', isDir: true },
          { path: 'plots', isDir: true },
          { path: 'reports', isDir: true },
        ]);
        expect(await t.listArtifacts(id, 'plots')).toEqual([
          { path: 'plots/pr.txt', isDir: false, size: 2 },
          { path: 'plots/roc', isDir: true },
        ]);
        expect(await t.listArtifacts(id, 'model')).toEqual([{ path: 'model/weights.bin', isDir: false, size: 200_000 }]);
      });
      test('missing artifacts and escaping paths', async () => {
        const id = await newRun();
        expect(await t.listArtifacts(id)).toEqual([]);
        expect(await codeOf(t.downloadArtifact(id, 'nope.bin'))).toBe(TrackingCodes.NOT_FOUND);
        expect(await codeOf(t.logArtifact(id, Buffer.from('x'), '../outside.txt'))).toBe(TrackingCodes.INVALID_PARAMETER);
        expect(await codeOf(t.logArtifact(id, join(scratch, 'does-not-exist'), 'x'))).toBe(TrackingCodes.NOT_FOUND);
      });
    });

    describe('search', () => {
      test('filters on metrics, params, tags and status; orders by metric', async () => {
        const exp = (await t.getOrCreateExperiment(`search-${suffix}`)).experimentId;
        const mk = async (runName: string, auc: number, team: string) => {
          const id = (await t.createRun({ experimentId: exp, runName, tags: { team } })).runId;
          await t.logBatch(id, { metrics: [{ key: 'auc', value: auc }], params: { model: runName } });
          return id;
        };
        const a = await mk('a', 0.71, 'risk');
        const b = await mk('b', 0.93, 'risk');
        const c = await mk('c', 0.88, 'ops');
        await t.endRun(c, 'FINISHED');
        const ids = async (filter: string, orderBy: string[] = []) =>
          (await t.searchRuns({ experimentIds: [exp], filter, orderBy })).map((r) => r.info.runId);
        expect((await ids('')).sort()).toEqual([a, b, c].sort());
        expect(await ids('metrics.auc > 0.8', ['metrics.auc DESC'])).toEqual([b, c]);
        expect(await ids(`tags.team = 'risk' and metrics.auc >= 0.9`)).toEqual([b]);
        expect(await ids(`params.model = 'a'`)).toEqual([a]);
        expect(await ids(`attributes.status = 'FINISHED'`)).toEqual([c]);
        expect(await ids('', ['metrics.auc ASC'])).toEqual([a, c, b]);
        const top = await t.searchRuns({ experimentIds: [exp], orderBy: ['metrics.auc DESC'], maxResults: 1 });
        expect(top.map((r) => r.info.runId)).toEqual([b]);
        expect(top[0].data.metrics.auc).toBe(0.93);
        expect(await codeOf(t.searchRuns({ experimentIds: [exp], filter: 'metrics.auc >' }))).toBe(TrackingCodes.INVALID_PARAMETER);
      });
    });

    describe('model registry', () => {
      test('models, versions from run artifacts, version tags', async () => {
        const model = `fraud-gbm-${suffix}`;
        const created = await t.createRegisteredModel(model, { description: 'card fraud', tags: { domain: 'cards' } });
        expect(created.name).toBe(model);
        expect(await codeOf(t.createRegisteredModel(model))).toBe(TrackingCodes.ALREADY_EXISTS);
        expect((await t.getRegisteredModel(model)).tags.domain).toBe('cards');
        expect(await codeOf(t.getRegisteredModel(`missing-${suffix}`))).toBe(TrackingCodes.NOT_FOUND);

        const run = await t.createRun({ experimentId, runName: 'register' });
        await t.logArtifact(run.runId, Buffer.from('{"trees":[]}'), 'model/model.json');
        const v1 = await t.createModelVersion({ name: model, runId: run.runId, artifactPath: 'model', tags: { auc: '0.91' } });
        expect(v1.version).toBe('1');
        expect(v1.source).toBe(`${run.artifactUri}/model`);
        expect(v1.runId).toBe(run.runId);
        expect(v1.tags.auc).toBe('0.91');
        await t.setModelVersionTag(model, '1', 'validated', 'true');
        const got = await t.getModelVersion(model, '1');
        expect(got.tags).toEqual({ auc: '0.91', validated: 'true' });
        expect(got.status).toBe('READY');
        expect(await codeOf(t.getModelVersion(model, '99'))).toBe(TrackingCodes.NOT_FOUND);
        expect(await codeOf(t.createModelVersion({ name: model, runId: unknownRun, artifactPath: 'model' }))).toBe(TrackingCodes.NOT_FOUND);
      });
      test('aliases move between versions and can be deleted', async () => {
        const model = `fraud-alias-${suffix}`;
        await t.createRegisteredModel(model);
        const run = await t.createRun({ experimentId, runName: 'alias' });
        await t.logArtifact(run.runId, Buffer.from('m'), 'model/m.bin');
        await t.createModelVersion({ name: model, runId: run.runId, artifactPath: 'model' });
        await t.createModelVersion({ name: model, runId: run.runId, artifactPath: 'model' });

        await t.setAlias(model, 'champion', '1');
        await t.setAlias(model, 'challenger', '2');
        expect((await t.getModelVersionByAlias(model, 'champion')).version).toBe('1');
        await t.setAlias(model, 'champion', '2');
        expect((await t.getModelVersionByAlias(model, 'champion')).version).toBe('2');
        expect((await t.getModelVersion(model, '1')).aliases).toEqual([]);
        expect((await t.getModelVersion(model, '2')).aliases).toEqual(['challenger', 'champion']);
        expect((await t.getRegisteredModel(model)).aliases).toEqual({ champion: '2', challenger: '2' });

        await t.deleteAlias(model, 'champion');
        expect(await codeOf(t.getModelVersionByAlias(model, 'champion'))).toBe(TrackingCodes.NOT_FOUND);
        expect((await t.getRegisteredModel(model)).aliases).toEqual({ challenger: '2' });
        expect(await codeOf(t.setAlias(model, 'latest', '1'))).toBe(TrackingCodes.INVALID_PARAMETER);
        expect(await codeOf(t.setAlias(model, 'v3', '1'))).toBe(TrackingCodes.INVALID_PARAMETER);
        expect(await codeOf(t.getModelVersionByAlias(`missing-${suffix}`, 'champion'))).toBe(TrackingCodes.NOT_FOUND);
      });
    });

    describe('withRun', () => {
      test('ends FINISHED on success', async () => {
        let runId = '';
        const out = await withRun(t, { experimentName: `contract-${suffix}`, runName: 'ok', tags: { via: 'withRun' } }, async (run) => {
          runId = run.runId;
          expect((await t.getRun(run.runId)).info.status).toBe('RUNNING');
          await t.logMetric(run.runId, 'auc', 0.9);
          return 42;
        });
        expect(out).toBe(42);
        const run = await t.getRun(runId);
        expect(run.info.status).toBe('FINISHED');
        expect(run.data.tags.via).toBe('withRun');
      });
      test('ends FAILED on throw and rethrows the same error', async () => {
        let runId = '';
        const boom = Object.assign(new Error('training diverged'), { code: 'TRAINING_DIVERGED' });
        const thrown = await withRun(t, { experimentId, runName: 'boom' }, async (run) => {
          runId = run.runId;
          throw boom;
        }).catch((e: unknown) => e);
        expect(thrown).toBe(boom);
        const run = await t.getRun(runId);
        expect(run.info.status).toBe('FAILED');
        expect(run.info.endTime).toBeDefined();
        expect(run.data.tags[FAILURE_TAG]).toBe('TRAINING_DIVERGED');
      });
      test('ends KILLED when aborted', async () => {
        let runId = '';
        const ac = new AbortController();
        await withRun(t, { experimentId, signal: ac.signal }, async (run) => {
          runId = run.runId;
          ac.abort();
          ac.signal.throwIfAborted();
        }).catch(() => undefined);
        expect((await t.getRun(runId)).info.status).toBe('KILLED');
      });
    });
  });
}
