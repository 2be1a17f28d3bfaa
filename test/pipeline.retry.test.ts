/**
 * A task that fails ends the run failed after the teardown ran; `runs retry` then reruns only what failed (and
 * what follows it): prepare is reused with the same commit sequence, train runs again. Real PostgreSQL.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, dropSchema, freshSchema, PG_URI, runFlags, smallRaw, task, withRuns, workDir } from './support/pipeline.js';

describe('pipeline > train fails, then retry (PostgreSQL)', () => {
  const schema = freshSchema('retry');
  const dir = workDir('retry');
  beforeAll(async () => {
    await smallRaw(dir);
    // The tracking store's directory is a plain file: training cannot create its run — a real failure an
    // operator fixes before retrying.
    writeFileSync(join(dir, 'mlruns'), 'not a directory');
  });
  afterAll(async () => {
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('train fails: teardown runs and the run ends failed; retry reruns train onwards and reuses prepare', { timeout: 600_000 }, async () => {
    const first = await cli(['pipeline', 'run', '--date', '2026-02-01', ...runFlags(dir, schema), '--json']);
    expect(first.code, first.stderr).toBe(1);
    const failed = JSON.parse(first.stdout);
    expect(failed.state).toBe('failed');
    expect(task(failed, 'prepare').state).toBe('succeeded');
    const commits = (task(failed, 'prepare').output as { commitSeqs: number[] }).commitSeqs;
    expect(commits).toHaveLength(36);
    expect(task(failed, 'train')).toMatchObject({ state: 'failed', attempts: 1 });
    expect(task(failed, 'train').error?.code).toBeTruthy();
    expect(task(failed, 'validate').state).toBe('upstream-failed');
    expect(task(failed, 'cluster.teardown').state).toBe('succeeded');

    rmSync(join(dir, 'mlruns'));
    const retry = await cli(['runs', 'retry', 'pipeline:daily:2026-02-01', '--db', PG_URI, '--schema', schema, '--json']);
    expect(retry.code, retry.stderr).toBe(0);
    const retried = JSON.parse(retry.stdout);
    expect(retried.runId).toBe('pipeline:daily:2026-02-01:retry-1');
    expect(retried.retryOf).toBe('pipeline:daily:2026-02-01');
    expect(retried.state).toBe('succeeded');
    expect(task(retried, 'prepare')).toMatchObject({ state: 'reused', output: { commitSeqs: commits } });
    expect(task(retried, 'new-data').state).toBe('reused');
    expect(task(retried, 'train')).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(task(retried, 'validate').output?.decision).toBe('FIRST_MODEL');
    expect(task(retried, 'cluster.ensure').state).toBe('succeeded');
    expect(task(retried, 'cluster.teardown').state).toBe('succeeded');
    // Prepare ran once over both runs.
    const logs = await withRuns(schema, async (c) => [...(await c.logs('pipeline:daily:2026-02-01')), ...(await c.logs('pipeline:daily:2026-02-01:retry-1'))]);
    expect(logs.filter((l) => l.task === 'prepare' && l.message.startsWith('prepared '))).toHaveLength(1);
  });
});
