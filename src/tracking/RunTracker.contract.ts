/**
 * The behaviour every RunTracker backend must share, as one vitest suite. Each backend's test file calls
 * `runRunTrackerContract` with a factory; the MLflow one runs it against a real server. Names carry a random
 * suffix so the suite can run repeatedly against a long-lived server.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunTracker } from './RunTracker.js';
import type { Tracking } from './Tracking.js';
import { TrackingCodes } from './TrackingError.js';
import { FAILURE_TAG, HEARTBEAT_TAG, HOST_TAG, PID_TAG, STALE_RUN, reconcileStaleRuns, withRun } from './withRun.js';

export interface ContractOptions {
  name: string;
  open: () => Promise<Tracking>;
  /** Test titles to skip, each with the reason. */
  skip?: Record<string, string>;
}

export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? `uncoded: ${String(e)}`;
  }
}

/** The pid of a process that has exited (a real one, so no live process can be mistaken for it soon after). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

export function runRunTrackerContract({ name, open, skip = {} }: ContractOptions): void {
  describe(`tracking > runs > ${name}`, () => {
    const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const unknownRun = randomBytes(16).toString('hex');
    let tracking: Tracking;
    let t: RunTracker;
    let experimentId: string;
    const test = (title: string, fn: () => Promise<void>) =>
      skip[title] ? it.skip(`${title} (skipped: ${skip[title]})`, fn) : it(title, fn, 60_000);
    const newRun = async (runName = 'r', tags: Record<string, string> = {}) =>
      (await t.createRun({ experimentId, runName, tags })).runId;

    beforeAll(async () => {
      tracking = await open();
      t = tracking.runs;
      experimentId = (await t.getOrCreateExperiment(`contract-${suffix}`)).experimentId;
    }, 60_000);
    afterAll(async () => {
      await tracking?.close();
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
          () => t.logInputs(unknownRun, [{ dataset: { name: 'd', digest: 'abc', sourceType: 'local', source: '{}' } }]),
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
    describe('inputs and logged models', () => {
      test('dataset inputs round-trip with their tags, once per (name, digest)', async () => {
        const id = await newRun();
        const train = { name: `lake train ${suffix}`, digest: 'a1b2c3d4e5f60718', sourceType: 's3', source: '{"uri":"s3://lake"}', profile: '{"rows":10}' };
        const testSet = { name: `lake test ${suffix}`, digest: '0011223344556677', sourceType: 's3', source: '{"uri":"s3://lake"}' };
        await t.logInputs(id, [
          { dataset: train, tags: { 'mlflow.data.context': 'training' } },
          { dataset: testSet, tags: { 'mlflow.data.context': 'test' } },
        ]);
        await t.logInputs(id, [{ dataset: train, tags: { 'mlflow.data.context': 'training' } }]);
        const inputs = (await t.getRun(id)).inputs.sort((a, b) => a.dataset.name.localeCompare(b.dataset.name));
        expect(inputs).toEqual([
          { dataset: testSet, tags: { 'mlflow.data.context': 'test' } },
          { dataset: train, tags: { 'mlflow.data.context': 'training' } },
        ]);
        expect(await codeOf(t.logInputs(id, [{ dataset: { ...train, digest: 'x'.repeat(37) } }]))).toBe(TrackingCodes.INVALID_PARAMETER);
      });
      test('a logged model is READY, carries params and tags, and is the run\'s output', async () => {
        const id = await newRun();
        const model = await t.createLoggedModel({ experimentId, name: 'fraud-gbdt', sourceRunId: id, modelType: 'gbdt', params: { depth: 6 }, tags: { spec: 'abc' } });
        expect(model.modelId).toMatch(/^m-/);
        expect(model).toMatchObject({ name: 'fraud-gbdt', status: 'READY', sourceRunId: id, modelType: 'gbdt', params: { depth: '6' } });
        expect(model.tags.spec).toBe('abc');
        expect(model.artifactLocation).toContain(model.modelId);
        expect((await t.getLoggedModel(model.modelId)).modelId).toBe(model.modelId);
        expect((await t.getRun(id)).outputs).toEqual([{ modelId: model.modelId, step: 0 }]);
        expect(await codeOf(t.getLoggedModel(`m-${randomBytes(16).toString('hex')}`))).toBe(TrackingCodes.NOT_FOUND);
      });
    });

    describe('stale runs', () => {
      test('a RUNNING run whose process died is ended FAILED with STALE_RUN by the next run', async () => {
        const exp = (await t.getOrCreateExperiment(`stale-${suffix}`)).experimentId;
        const started = Date.now() - 5_000;
        const orphan = await t.createRun({
          experimentId: exp,
          runName: 'died-mid-train',
          startTime: started,
          tags: { [HOST_TAG]: hostname(), [PID_TAG]: String(deadPid()), [HEARTBEAT_TAG]: String(started + 1_000) },
        });
        const silent = await t.createRun({
          experimentId: exp,
          runName: 'other-host-silent',
          startTime: started,
          tags: { [HOST_TAG]: 'elsewhere', [PID_TAG]: '1', [HEARTBEAT_TAG]: String(Date.now() - 3_600_000) },
        });
        const alive = await t.createRun({
          experimentId: exp,
          runName: 'other-host-alive',
          tags: { [HOST_TAG]: 'elsewhere', [PID_TAG]: '1', [HEARTBEAT_TAG]: String(Date.now()) },
        });
        const foreign = await t.createRun({ experimentId: exp, runName: 'not-ours' });
        await withRun(t, { experimentId: exp, runName: 'next' }, async () => undefined);
        const ended = await t.getRun(orphan.runId);
        expect([ended.info.status, ended.data.tags[FAILURE_TAG], ended.info.endTime]).toEqual(['FAILED', STALE_RUN, started + 1_000]);
        expect((await t.getRun(silent.runId)).info.status).toBe('FAILED');
        expect((await t.getRun(alive.runId)).info.status).toBe('RUNNING');
        expect((await t.getRun(foreign.runId)).info.status).toBe('RUNNING');
        expect(await reconcileStaleRuns(t, exp)).toEqual([]);
      });
    });

  });
}
