/**
 * Two schedulers with distinct executor ids on one database and one schedule: every interval has exactly one
 * run, and each run's tasks ran once, whichever scheduler got there first. Real PostgreSQL, real processes.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../src/prepare/prepare.js';
import { dropSchema, freshSchema, runFlags, smallRaw, startCli, withRuns, workDir } from './support/pipeline.js';

describe('pipeline > two schedulers on one database (PostgreSQL)', () => {
  const schema = freshSchema('two');
  const dir = workDir('two');
  beforeAll(async () => {
    await smallRaw(dir);
    await prepare({ raw: join(dir, 'raw'), lake: join(dir, 'lake'), workDir: dir });
  });
  afterAll(async () => {
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('exactly one run per interval', { timeout: 600_000 }, async () => {
    const started = new Map<string, string[]>();
    const spawnScheduler = (id: string) => {
      const child = startCli(['scheduler', 'start', '--cron', '*/3 * * * * *', ...runFlags(dir, schema), '--executor-id', id, '--json']);
      child.stdout!.on('data', (d: Buffer) => {
        for (const line of String(d).split('\n').filter(Boolean)) {
          const e = JSON.parse(line);
          if (e.event === 'started') started.set(e.runId, [...(started.get(e.runId) ?? []), id]);
        }
      });
      return child;
    };
    const a = spawnScheduler('sched-a');
    const b = spawnScheduler('sched-b');
    // Both must have seen at least three intervals.
    const deadline = Date.now() + 400_000;
    while ([...started.values()].filter((ids) => ids.length === 2).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    await Promise.all([a.result, b.result]);

    const shared = [...started.entries()].filter(([, ids]) => ids.length === 2).map(([runId]) => runId);
    expect(shared.length).toBeGreaterThanOrEqual(3);
    await withRuns(schema, async (c) => {
      const runs = await c.list({ limit: 1000 });
      const ids = runs.map((r) => r.runId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const runId of shared) {
        const run = await c.show(runId);
        expect(['succeeded', 'running', 'cancelled']).toContain(run.state);
        expect(['sched-a', 'sched-b']).toContain(run.executorId);
        const logs = await c.logs(runId);
        // One execution of each task: prepare reported once, teardown once.
        expect(logs.filter((l) => l.task === 'prepare' && l.message.startsWith('prepared '))).toHaveLength(1);
        expect(logs.filter((l) => l.task === 'cluster.teardown')).toHaveLength(1);
      }
    });
  });
});
