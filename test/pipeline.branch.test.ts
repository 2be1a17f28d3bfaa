/**
 * The daily pipeline on the real PostgreSQL of the services script: a day without new raw files skips training
 * and validation, and the cluster teardown still runs. Also: a run of a date is one run (the second start returns
 * the first's result), and a bad DAG is refused before any run exists.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../src/prepare/prepare.js';
import { cli, dropSchema, freshSchema, PG_URI, runFlags, smallRaw, task, withRuns, workDir } from './support/pipeline.js';

describe('pipeline > branch on new data (PostgreSQL)', () => {
  const schema = freshSchema('branch');
  const dir = workDir('branch');
  beforeAll(async () => {
    await smallRaw(dir);
    await prepare({ raw: join(dir, 'raw'), lake: join(dir, 'lake'), workDir: dir });
  });
  afterAll(async () => {
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('no new data: train, validate and publish are skipped and teardown runs', { timeout: 600_000 }, async () => {
    const r = await cli(['pipeline', 'run', '--date', '2026-01-05', ...runFlags(dir, schema), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.runId).toBe('pipeline:daily:2026-01-05');
    expect(run.state).toBe('succeeded');
    expect(task(run, 'prepare')).toMatchObject({ state: 'succeeded', output: { newFiles: 0, commitSeqs: [] } });
    expect(task(run, 'new-data')).toMatchObject({ state: 'succeeded', output: { proceed: false } });
    for (const name of ['train', 'validate', 'publish']) expect(task(run, name)).toMatchObject({ state: 'skipped', attempts: 0 });
    expect(task(run, 'cluster.teardown')).toMatchObject({ state: 'succeeded', attempts: 1 });
  });

  it('starting the same date again is the same run: its recorded result, no task runs twice', { timeout: 600_000 }, async () => {
    const again = await cli(['pipeline', 'run', '--date', '2026-01-05', ...runFlags(dir, schema), '--json']);
    expect(again.code, again.stderr).toBe(0);
    const logs = await withRuns(schema, (c) => c.logs('pipeline:daily:2026-01-05'));
    expect(logs.filter((l) => l.task === 'prepare' && l.message.startsWith('prepared '))).toHaveLength(1);
    const runs = await withRuns(schema, (c) => c.list());
    expect(runs.map((x) => x.runId)).toEqual(['pipeline:daily:2026-01-05']);
  });

  it('a bad DAG is refused at load with exit 2, naming the task and the missing option, and no run is created', { timeout: 600_000 }, async () => {
    const r = await cli(['pipeline', 'run', '--date', '2026-01-06', '--lake', join(dir, 'lake'), '--db', PG_URI, '--schema', schema, '--json']);
    expect(r.code).toBe(2);
    const error = JSON.parse(r.stdout).error;
    expect(error.code).toBe('DAG_INVALID');
    expect(error.message).toContain('task prepare: option raw is required');
    expect(r.stderr).not.toContain('INTERNAL');
    const runs = await withRuns(schema, (c) => c.list());
    expect(runs.map((x) => x.runId)).not.toContain('pipeline:daily:2026-01-06');
  });
});
