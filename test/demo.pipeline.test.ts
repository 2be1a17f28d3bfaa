/**
 * `fraudops demo` is one pipeline run on the embedded database in its directory: every step is a task of the
 * `demo` DAG, `runs show` then shows the run with what each task produced, and a second demo starts from scratch
 * (a new lake, a new run) instead of returning the first run's recorded result.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../src/pipeline/engine/RunsClient.js';
import type { DemoResult } from '../src/demo/runDemo.js';
import { cli, workDir } from './support/pipeline.js';

const SMALL = ['--days', '35', '--customers', '800', '--terminals', '1600', '--seed', '3'];
const TASKS = ['cluster.ensure', 'generate', 'prepare', 'check-manifest', 'new-data', 'train', 'validate', 'train-challenger', 'validate-challenger', 'score', 'cluster.teardown'];

describe('demo > one pipeline run', () => {
  const dir = join(workDir('demo'), 'demo');
  afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
  const noCrash = (r: { stdout: string; stderr: string }) => expect(r.stdout + r.stderr).not.toMatch(/error\[INTERNAL\]|\n\s+at /);

  it('runs generate → prepare → check → train/validate twice → score as one run that `runs show` shows', { timeout: 600_000 }, async () => {
    const demo = await cli(['demo', '--dir', dir, ...SMALL]);
    noCrash(demo);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain('quality report matches the generator manifest exactly');
    expect(demo.stdout).toMatch(/validate: PROMOTED \[FIRST_MODEL\]/);
    expect(demo.stdout).toMatch(/validate: (PROMOTED|REFUSED) \[[A-Z_]+\]/);
    const runId = /pipeline run (pipeline:demo:\d{4}-\d{2}-\d{2}): succeeded/.exec(demo.stdout)?.[1];
    expect(runId, demo.stdout).toBeDefined();
    expect(demo.stdout).toContain(`runs show ${runId} --db ${join(dir, 'pipeline')}`);

    const shown = await cli(['runs', 'show', runId!, '--db', join(dir, 'pipeline'), '--json']);
    noCrash(shown);
    expect(shown.code, shown.stderr).toBe(0);
    const run = JSON.parse(shown.stdout) as RunDetail;
    expect(run.state).toBe('succeeded');
    expect(run.tasks.map((t) => t.task)).toEqual(TASKS);
    expect(run.tasks.every((t) => t.state === 'succeeded')).toBe(true);
    const out = (name: string) => run.tasks.find((t) => t.task === name)!.output!;
    const manifest = JSON.parse(readFileSync(join(dir, 'raw', '_manifest.json'), 'utf8')) as { totals: { rows: number }; files: unknown[] };
    expect(out('generate').rows).toBe(manifest.totals.rows);
    expect(out('prepare').commitSeqs).toHaveLength(manifest.files.length);
    const account = out('prepare').account as { rowsIn: number; kept: number; duplicates: number; quarantinedTotal: number };
    expect(account.rowsIn).toBe(manifest.totals.rows);
    expect(account.kept + account.duplicates + account.quarantinedTotal).toBe(account.rowsIn);
    expect(out('check-manifest')).toMatchObject({ matches: true, differenceCount: 0 });
    expect(out('train').model).toBe('gbdt');
    expect(out('train-challenger').model).toBe('logreg');
    // Each validate judged its own candidate: the one trained just before it.
    expect(out('validate').candidateRunId).toBe(out('train').runId);
    expect(out('validate-challenger').candidateRunId).toBe(out('train-challenger').runId);
    expect(out('validate')).toMatchObject({ promoted: true, decision: 'FIRST_MODEL' });
    const predictions = readFileSync(join(dir, 'predictions.jsonl'), 'utf8').trim().split('\n');
    expect(out('score').scored).toBe(predictions.length);
    expect(out('score').modelVersion).toBe(String(out('train').modelVersion));

    const text = await cli(['runs', 'show', runId!, '--db', join(dir, 'pipeline')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/generate\s+succeeded.*rows/);
    expect(text.stdout).toMatch(/check-manifest\s+succeeded.*matches the manifest/);
  });

  it('a second demo in the same directory starts from scratch: a new run, a lake of one generation, --json', { timeout: 600_000 }, async () => {
    const again = await cli(['demo', '--dir', dir, ...SMALL, '--json']);
    noCrash(again);
    expect(again.code, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout) as DemoResult;
    expect(result.state).toBe('succeeded');
    expect(result.matchesManifest).toBe(true);
    expect(result.steps.map((s) => s.task)).toEqual(TASKS);
    // The run executed again (a replayed run would not have committed anything new into a fresh lake).
    const prepare = result.steps.find((s) => s.task === 'prepare')!.output!;
    expect(prepare.newFiles).toBe(35);
    expect(result.steps.find((s) => s.task === 'validate')!.output).toMatchObject({ decision: 'FIRST_MODEL' });
    const list = await cli(['runs', 'list', '--db', join(dir, 'pipeline'), '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { runs: unknown[] }).runs).toHaveLength(1);
  });
});
