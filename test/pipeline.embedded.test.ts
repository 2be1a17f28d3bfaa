/**
 * The pipeline with no database server: runs kept in the embedded database (PGlite in a folder). A run killed -9
 * mid-train resumes at the next `pipeline run` of its date without rerunning prepare; `runs show` from another
 * process reads the folder through the running process's socket; a killed process's leftover address is ignored.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../src/pipeline/engine/embeddedDatabase.js';
import { RunsClient, type RunDetail } from '../src/pipeline/engine/RunsClient.js';
import { cli, smallRaw, startCli, workDir } from './support/pipeline.js';

const DATE = '2019-09-26';
const RUN = `pipeline:daily:${DATE}`;

describe('pipeline > embedded database (no server)', () => {
  const dir = workDir('embedded');
  const db = join(dir, 'runs');
  const flags = ['--raw', join(dir, 'raw'), '--lake', join(dir, 'lake'), '--tracking', join(dir, 'mlruns'), '--model', 'logreg', '--folds', '1', '--bootstrap', '100', '--db', db];
  beforeAll(async () => {
    await smallRaw(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function show(): Promise<RunDetail | undefined> {
    const r = await cli(['runs', 'show', RUN, '--db', db, '--json']);
    expect(r.stderr + r.stdout).not.toMatch(/error\[INTERNAL\]|\n\s+at /);
    return r.code === 0 ? (JSON.parse(r.stdout) as RunDetail) : undefined;
  }
  const task = (r: RunDetail, name: string) => r.tasks.find((t) => t.task === name)!;

  it('kill -9 during train, rerun of the date: it resumes, prepare is not rerun; runs show works beside a running process', { timeout: 600_000 }, async () => {
    const first = startCli(['pipeline', 'run', '--date', DATE, ...flags]);
    // Wait for the run's process to serve the folder, then watch the run through its socket.
    const started = Date.now();
    while (!existsSync(join(db, 'server.json')) && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 200));
    expect(JSON.parse(readFileSync(join(db, 'server.json'), 'utf8')).pid).toBe(first.pid);
    const joined = await openEmbeddedDatabase(db);
    const client = await RunsClient.open(joined.url);
    let before: RunDetail | undefined;
    try {
      while (Date.now() - started < 300_000) {
        before = await client.show(RUN).catch(() => undefined);
        // The run records its tasks once it starts; until then the list is empty.
        const train = before?.tasks.find((t) => t.task === 'train');
        if (train && train.state !== 'pending') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await client.close();
      await joined.close();
    }
    expect(before?.tasks.find((t) => t.task === 'train')?.state, 'train never seen running').toBe('running');
    first.kill('SIGKILL');
    expect((await first.result).signal).toBe('SIGKILL');
    // runs show from another process after the kill: the dead process's address is ignored.
    const atKill = await show();
    expect(atKill?.state).toBe('running');
    const prepared = task(before!, 'prepare');
    const commits = readdirSync(join(dir, 'lake', '_fraudops', 'commits')).length;

    // The killed process left its address behind; the next process opens the folder itself.
    const second = await cli(['pipeline', 'run', '--date', DATE, ...flags, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/LISTEN\/NOTIFY|error\[INTERNAL\]/);
    const done = JSON.parse(second.stdout) as RunDetail;
    expect(done.runId).toBe(RUN);
    expect(done.state).toBe('succeeded');
    expect(task(done, 'prepare')).toMatchObject({ state: 'succeeded', startedAt: prepared.startedAt, output: { commitSeqs: prepared.output!.commitSeqs } });
    expect(task(done, 'train').state).toBe('succeeded');
    expect(task(done, 'validate').output!.decision).toBe('FIRST_MODEL');
    expect(task(done, 'cluster.teardown').state).toBe('succeeded');
    expect(readdirSync(join(dir, 'lake', '_fraudops', 'commits')).length).toBe(commits);

    // A third run of the date is the same run: it returns its result and runs nothing.
    const third = await cli(['pipeline', 'run', '--date', DATE, ...flags, '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect((JSON.parse(third.stdout) as RunDetail).tasks.map((t) => t.startedAt)).toEqual(done.tasks.map((t) => t.startedAt));
    const list = await cli(['runs', 'list', '--db', db, '--json']);
    expect((JSON.parse(list.stdout) as { runs: { runId: string }[] }).runs.map((r) => r.runId)).toEqual([RUN]);
  });
});
