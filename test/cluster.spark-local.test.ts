/**
 * The `spark-local` cluster provider on a real Spark Connect server of its own (not the services' shared one):
 * ensure starts it and hands out an endpoint with a token; a pipeline run of the same date (as after a scheduler
 * was killed between ensure and its checkpoint) adopts that server instead of starting another, runs prepare on
 * it, and its teardown stops it and frees its port even though train failed; a second teardown finds nothing.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { portOpen } from '../src/engine/spark/localServer.js';
import { SparkConnectClient } from '../src/engine/spark/SparkConnectClient.js';
import { sqlRelation } from '../src/engine/spark/plans.js';
import { openCluster } from '../src/pipeline/cluster/openCluster.js';
import { processIsGone } from '../src/util/processes.js';
import type { RunDetail } from '../src/pipeline/engine/RunsClient.js';
import { cli } from './support/pipeline.js';
import { generate } from '../src/generator/generate.js';

describe('cluster > spark-local', () => {
  const state = mkdtempSync(join(tmpdir(), 'fraudops-spark-local-'));
  const uri = `spark-local://?state=${encodeURIComponent(state)}&driverMemory=1g`;
  afterAll(async () => {
    // Never leave a JVM behind, whatever failed.
    for (const run of ['pipeline:daily:2019-08-25']) await (await openCluster(uri)).teardown(run).catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
  });

  it('a bad spark-local URI is a configuration error naming the parameter', async () => {
    await expect(openCluster('spark-local://?driverMemory=lots')).rejects.toThrow(/driverMemory/);
    await expect(openCluster('spark-local://?colour=red')).rejects.toThrow(/unknown parameter colour/);
  });

  it('ensure starts a server with a token, a run adopts it (as after a crash), prepare runs on it, teardown removes it', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudops-spark-local-run-'));
    const date = '2019-08-25';
    const run = `pipeline:daily:${date}`;
    try {
      // Started outside the run first, as if a scheduler had run cluster.ensure and was killed before recording it.
      const info = await (await openCluster(uri)).ensure(run);
      expect(info).toMatchObject({ provider: 'spark-local', name: 'fraudops-pipeline-daily-2019-08-25', adopted: false });
      expect(info.endpoint).toMatch(/^sc:\/\/127\.0\.0\.1:\d+\/;token=[0-9a-f]{32}$/);
      const client = await SparkConnectClient.connect(info.endpoint!);
      try {
        const table = await client.collect(sqlRelation('SELECT 40 + 2 AS answer'));
        expect(Number(table.getChild('answer')?.get(0))).toBe(42);
      } finally {
        await client.close();
      }
      const port = Number(/:(\d+)\//.exec(info.endpoint!)![1]);

      // Two days are too few to train: the run fails at train, and teardown must still remove the cluster.
      await generate({ out: join(dir, 'raw'), startDate: '2019-08-22', days: 2, customers: 100, terminals: 200, seed: 1, noise: 'course', workers: 1 });
      const r = await cli(['pipeline', 'run', '--date', date, '--raw', join(dir, 'raw'), '--lake', join(dir, 'lake'), '--tracking', join(dir, 'mlruns'), '--model', 'logreg', '--db', join(dir, 'runs'), '--cluster', uri, '--json']);
      expect(r.stderr + r.stdout).not.toMatch(/error\[INTERNAL\]|\n\s+at /);
      const detail = JSON.parse(r.stdout) as RunDetail;
      const task = (name: string) => detail.tasks.find((t) => t.task === name)!;
      expect(task('cluster.ensure')).toMatchObject({ state: 'succeeded', output: { provider: 'spark-local', adopted: true, id: info.id, endpoint: info.endpoint } });
      expect(task('prepare').state, JSON.stringify(task('prepare'))).toBe('succeeded');
      expect(task('prepare').output).toMatchObject({ newFiles: 2 });
      const logs = await cli(['runs', 'logs', detail.runId, '--task', 'prepare', '--db', join(dir, 'runs')]);
      expect(logs.stdout + logs.stderr).toMatch(/preparing on the cluster's engine sc:\/\/127\.0\.0\.1:\d+\/;token=\*\*\*/);
      expect(task('train').state).toBe('failed');
      expect(task('cluster.teardown')).toMatchObject({ state: 'succeeded', output: { deleted: true } });
      expect(processIsGone(Number(info.id))).toBe(true);
      expect(await portOpen('127.0.0.1', port)).toBe(false);
      expect(readdirSync(state)).toEqual([]);
      expect(await (await openCluster(uri)).teardown(run)).toMatchObject({ deleted: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
