/**
 * `runs cancel` while train runs: the running process aborts the task, the teardown runs, the run ends
 * cancelled. Real PostgreSQL, the run in its own process, the cancel from another.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, dropSchema, freshSchema, PG_URI, runFlags, smallRaw, startCli, task, waitForRun, workDir } from './support/pipeline.js';

describe('pipeline > cancel (PostgreSQL)', () => {
  const schema = freshSchema('cancel');
  const dir = workDir('cancel');
  beforeAll(async () => {
    await smallRaw(dir);
  });
  afterAll(async () => {
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('cancel during train: teardown runs and the run ends cancelled', { timeout: 600_000 }, async () => {
    const runId = 'pipeline:daily:2026-03-01';
    // A train that lasts: boosted trees over 8 candidates (each round checks the signal), not the logistic
    // regression of the other pipeline tests, which can end before a cancel sent from another process arrives.
    const flags = runFlags(dir, schema).map((f) => (f === 'logreg' ? 'gbdt' : f));
    const running = startCli(['pipeline', 'run', '--date', '2026-03-01', ...flags, '--trials', '8', '--json']);
    await waitForRun(schema, runId, (r) => task(r, 'train').state === 'running');
    const cancel = await cli(['runs', 'cancel', runId, '--db', PG_URI, '--schema', schema, '--json']);
    expect(cancel.code, cancel.stderr).toBe(0);
    const run = JSON.parse(cancel.stdout);
    expect(run.state).toBe('cancelled');
    expect(task(run, 'train').state).toBe('cancelled');
    expect(['cancelled', 'skipped', 'upstream-failed']).toContain(task(run, 'validate').state);
    expect(task(run, 'cluster.teardown')).toMatchObject({ state: 'succeeded', attempts: 1 });
    const r = await running.result;
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).state).toBe('cancelled');
    expect(r.stderr).not.toContain('INTERNAL');
  });
});
