/**
 * Ctrl-C and SIGTERM mid-prepare and mid-train (the cases found; mid-generate is in test/cli.signals.test.ts):
 * the real CLI in its own process, stopped once it is inside the stage, prints one line and exits 130 / 143;
 * the interrupted prepare leaves a lake that a rerun completes to exactly what an uninterrupted run writes, and
 * the interrupted training run is KILLED in tracking (never left RUNNING) with no model version registered.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/generator/generate.js';
import { prepare } from '../../src/prepare/prepare.js';
import { ROOT, snapshotLake } from './support/lakeRace.js';

let dir: string;
let raw: string;
let lake: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-interrupt-'));
  raw = join(dir, 'raw');
  lake = join(dir, 'lake');
  await generate({ out: raw, startDate: '2019-08-22', days: 36, customers: 300, terminals: 600, seed: 4, noise: 'course', workers: 1 });
  await prepare({ raw, lake, workDir: dir });
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI and sends `signal` once `ready()` holds (polled). */
function runAndStop(args: string[], signal: NodeJS.Signals, ready: () => boolean): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...args], { cwd: ROOT, env: { ...process.env, FRAUDOPS_DEBUG: '' } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const poll = setInterval(() => {
      if (ready()) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 50);
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(poll);
      done({ code, stderr });
    });
  });
}

function runStatuses(db: string): string[] {
  if (!existsSync(db)) return [];
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (d.prepare('SELECT status FROM runs').all() as { status: string }[]).map((r) => r.status);
  } catch {
    return []; // the store is being created
  } finally {
    d.close();
  }
}

describe('cli > interrupted mid-stage', () => {
  it('SIGINT mid-prepare: one line, exit 130; a rerun completes the lake to what an uninterrupted run writes', async () => {
    const target = join(dir, 'interrupted-lake');
    const r = await runAndStop(['prepare', '--raw', raw, '--lake', target, '--work-dir', dir], 'SIGINT', () => existsSync(join(target, '_fraudops', 'commits')));
    expect(r.code).toBe(130);
    expect(r.stderr.trim().split('\n')).toEqual(['fraudops prepare: interrupted by SIGINT; nothing was left half-written']);
    expect((await prepare({ raw, lake: target, workDir: dir })).ok).toBe(true);
    const cache = join(dir, 'cache');
    expect(await snapshotLake(target, cache)).toEqual(await snapshotLake(lake, cache));
  }, 300_000);

  it('SIGTERM mid-train: one line, exit 143; the run is KILLED, not RUNNING, and no version is registered', async () => {
    const tracking = join(dir, 'mlruns');
    const db = join(tracking, 'mlflow.db');
    const r = await runAndStop(['train', '--lake', lake, '--model', 'logreg', '--folds', '1', '--tracking', tracking, '--work-dir', dir], 'SIGTERM', () =>
      runStatuses(db).includes('RUNNING'),
    );
    expect(r.code).toBe(143);
    expect(r.stderr.trim().split('\n').filter((l) => !l.includes('warning['))).toEqual(['fraudops train: interrupted by SIGTERM; nothing was left half-written']);
    expect(runStatuses(db)).toEqual(['KILLED']);
    const d = new Database(db, { readonly: true });
    try {
      expect(d.prepare('SELECT count(*) AS n FROM model_versions').get()).toEqual({ n: 0 });
    } finally {
      d.close();
    }
  }, 300_000);
});
