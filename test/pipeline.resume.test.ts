/**
 * kill -9 of the scheduler while train runs; a restart with the same executor id resumes the run where it stopped:
 * prepare is not run again (its recorded commit sequence is unchanged and the lake has no new commit), train runs
 * to the end, and teardown runs. Real PostgreSQL, real processes, a real SIGKILL.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, freshSchema, runFlags, smallRaw, startCli, task, waitForRun, withRuns, workDir } from './support/pipeline.js';

const EVERY_5S = '*/5 * * * * *';

describe('pipeline > scheduler killed mid-train resumes (PostgreSQL)', () => {
  const schema = freshSchema('resume');
  const dir = workDir('resume');
  beforeAll(async () => {
    await smallRaw(dir);
  });
  afterAll(async () => {
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('kill -9 during train, restart: the run resumes, prepare is not rerun, teardown runs', { timeout: 600_000 }, async () => {
    // A boosted-tree search, so train lasts long enough to be killed in the middle on an idle machine too.
    const flags = runFlags(dir, schema).map((f) => (f === 'logreg' ? 'gbdt' : f));
    const args = ['scheduler', 'start', '--cron', EVERY_5S, ...flags, '--trials', '3', '--executor-id', 'resume-a', '--json'];
    const first = startCli(args);
    let runId: string | undefined;
    first.stdout!.on('data', (d: Buffer) => {
      for (const line of String(d).split('\n').filter(Boolean)) {
        const e = JSON.parse(line);
        if (e.event === 'started' && !runId) runId = e.runId;
      }
    });
    while (!runId) await new Promise((r) => setTimeout(r, 100));
    const before = await waitForRun(schema, runId, (r) => task(r, 'train').state === 'running');
    await new Promise((r) => setTimeout(r, 300));
    first.kill('SIGKILL');
    const killed = await first.result;
    expect(killed.signal).toBe('SIGKILL');
    const prepared = task(before, 'prepare');
    const commitsOnDisk = readdirSync(join(dir, 'lake', '_fraudops', 'commits')).length;
    const atKill = await withRuns(schema, (c) => c.show(runId!));
    expect(atKill.state).toBe('running');
    expect(task(atKill, 'train').state).toBe('running');

    const second = startCli(args);
    try {
      const done = await waitForRun(schema, runId, (r) => ['succeeded', 'failed', 'cancelled'].includes(r.state), 500_000);
      expect(done.state).toBe('succeeded');
      expect(task(done, 'prepare')).toMatchObject({ state: 'succeeded', startedAt: prepared.startedAt, output: { commitSeqs: prepared.output!.commitSeqs } });
      expect(task(done, 'train')).toMatchObject({ state: 'succeeded' });
      expect(task(done, 'validate').output!.decision).toBe('FIRST_MODEL');
      expect(task(done, 'cluster.teardown').state).toBe('succeeded');
      expect(done.executorId).toBe('resume-a');
      expect(readdirSync(join(dir, 'lake', '_fraudops', 'commits')).length).toBe(commitsOnDisk);
      const logs = await withRuns(schema, (c) => c.logs(runId!));
      expect(logs.filter((l) => l.task === 'prepare' && l.message.startsWith('prepared '))).toHaveLength(1);
    } finally {
      second.kill('SIGTERM');
      await second.result;
    }
  });
});
