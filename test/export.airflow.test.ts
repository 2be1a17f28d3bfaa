/**
 * The exported DAG in real Apache Airflow (installed from PyPI by scripts/services/airflow.sh): it imports with no
 * errors, and `airflow dags test` runs it end to end on a local lake with the `none` cluster provider — every task
 * calling this CLI, outputs passing as XComs. A second `dags test` of another date has no new data: train, validate
 * and publish are skipped and teardown still runs.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT, smallRaw } from './support/pipeline.js';

const run = promisify(execFile);
const VENV = process.env.FRAUDOPS_TEST_AIRFLOW_VENV ?? join(process.env.HOME ?? '', '.cache/fraudops/airflow-2.10.5-py311');

describe('export > airflow (real Airflow)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fraudops-airflow-'));
  const home = join(dir, 'airflow');
  const dags = join(home, 'dags');
  const env = {
    ...process.env,
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__DAGS_FOLDER: dags,
    AIRFLOW__CORE__UNIT_TEST_MODE: 'False',
    AIRFLOW__LOGGING__LOGGING_LEVEL: 'WARNING',
    PATH: `${join(VENV, 'bin')}:${process.env.PATH}`,
  };
  const airflow = (args: string[], timeout = 600_000) => run(join(VENV, 'bin', 'airflow'), args, { env, cwd: dir, timeout, maxBuffer: 64 * 1024 * 1024 });
  const states = async (date: string) => {
    const { stdout } = await run(join(VENV, 'bin', 'python'), ['-c', `import sqlite3, json; c = sqlite3.connect(${JSON.stringify(join(home, 'airflow.db'))}); print(json.dumps(dict(c.execute("select task_id, state from task_instance where run_id like '%${date}%'").fetchall())))`], { env });
    return JSON.parse(stdout) as Record<string, string | null>;
  };

  beforeAll(async () => {
    if (!existsSync(join(VENV, '.complete'))) throw new Error(`Airflow is not installed at ${VENV}: run \`bash scripts/services.sh up\``);
    await smallRaw(dir);
    const cliCommand = `${process.execPath} --import ${pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href} ${join(ROOT, 'src/cli/bin.ts')}`;
    const exported = await cli(['export', 'airflow', '--dag', 'daily', '--out', dags, '--cli', cliCommand, '--raw', join(dir, 'raw'), '--lake', join(dir, 'lake'), '--tracking', join(dir, 'mlruns'), '--model', 'logreg', '--folds', '1', '--bootstrap', '100', '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    await airflow(['db', 'migrate']);
  }, 900_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the exported DAG imports with no errors', { timeout: 300_000 }, async () => {
    const { stdout } = await run(join(VENV, 'bin', 'python'), ['-c', `from airflow.models import DagBag; import json; b = DagBag(${JSON.stringify(dags)}, include_examples=False); print(json.dumps({"errors": {k: str(v) for k, v in b.import_errors.items()}, "dags": list(b.dag_ids), "tasks": [t.task_id for t in b.get_dag("fraudops_daily").topological_sort()]}))`], { env });
    const bag = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(bag.errors).toEqual({});
    expect(bag.dags).toEqual(['fraudops_daily']);
    expect(bag.tasks).toEqual(['cluster.ensure', 'prepare', 'new-data', 'train', 'validate', 'publish', 'cluster.teardown']);
  });

  it('airflow dags test runs it end to end on a local lake with the none provider', { timeout: 900_000 }, async () => {
    await airflow(['dags', 'test', 'fraudops_daily', '2026-01-05']);
    expect(await states('2026-01-05')).toEqual({
      'cluster.ensure': 'success',
      prepare: 'success',
      'new-data': 'success',
      train: 'success',
      validate: 'success',
      publish: 'success',
      'cluster.teardown': 'success',
    });
    expect(readdirSync(join(dir, 'lake', '_fraudops', 'commits'))).toHaveLength(36);
    // No new raw files the next day: the branch skips training; teardown still runs.
    await airflow(['dags', 'test', 'fraudops_daily', '2026-01-06']);
    expect(await states('2026-01-06')).toMatchObject({ prepare: 'success', 'new-data': 'skipped', train: 'skipped', validate: 'skipped', publish: 'skipped', 'cluster.teardown': 'success' });
  });
});
