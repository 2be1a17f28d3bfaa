/**
 * Stopping `fraudops train` mid-search: the real CLI in its own process, a search long enough that a fit is
 * running when the signal comes (boosted trees, 40 candidates × 2 folds), SIGTERM or SIGINT once the search has
 * started. The fit gives the event loop a turn every few tens of milliseconds, so the signal is seen at once: the
 * process prints one line, exits 143 (130), leaves the run KILLED in tracking, and never reaches the search's end.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallLake } from './support/handbookLake.js';
import { ROOT } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fraudops-train-signals-'));
let lake: string;
beforeAll(async () => {
  lake = await smallLake();
}, 900_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Far more than the few seconds the product promises, and far less than the rest of the search (over a minute
 * here), which is what a train that does not see the signal would run before stopping.
 */
const STOP_BOUND_MS = 20_000;

interface Stopped {
  code: number | null;
  stderr: string;
  /** From the signal to the process's exit. */
  stopMs: number;
}

/** A query on the child's store, read-only; empty while the store is being created. */
function query(tracking: string, sql: string): Record<string, unknown>[] {
  const db = join(tracking, 'mlflow.db');
  if (!existsSync(db)) return [];
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return d.prepare(sql).all() as Record<string, unknown>[];
  } catch {
    return [];
  } finally {
    d.close();
  }
}

const searchStarted = (tracking: string): boolean => query(tracking, "SELECT 1 FROM params WHERE key = 'dataset.train_rows'").length > 0;

/** Starts train; once its search has started (the dataset's row counts are logged, then the search begins), signals it. */
function trainAndStop(tracking: string, signal: NodeJS.Signals): Promise<Stopped> {
  const args = ['train', '--lake', lake, '--tracking', tracking, '--work-dir', dir, '--model', 'gbdt', '--trials', '40', '--folds', '2', '--json'];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...args], { cwd: ROOT, env: { ...process.env, FRAUDOPS_DEBUG: '' } });
    let stderr = '';
    let signalledAt = 0;
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const poll = setInterval(() => {
      if (signalledAt !== 0 || !searchStarted(tracking)) return;
      // the search's first fit is under way a moment after the row counts are logged
      signalledAt = -1;
      setTimeout(() => {
        signalledAt = performance.now();
        child.kill(signal);
      }, 1500);
    }, 250);
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(poll);
      done({ code, stderr, stopMs: signalledAt > 0 ? performance.now() - signalledAt : Infinity });
    });
  });
}

describe('train > signals', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal} mid-search: exits ${code} promptly, one line, no trace, the run KILLED`, { timeout: 600_000 }, async () => {
      const tracking = join(dir, `tracking-${signal}`);
      const r = await trainAndStop(tracking, signal);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stopMs, r.stderr).toBeLessThan(STOP_BOUND_MS);
      expect(r.stderr.trim().split('\n').filter((l) => !l.includes('warning['))).toEqual([`fraudops train: interrupted by ${signal}; nothing was left half-written`]);
      expect(r.stderr).not.toMatch(/INTERNAL|\n\s+at /);
      expect(query(tracking, 'SELECT status FROM runs')).toEqual([{ status: 'KILLED' }]);
      // stopped inside the search: its trials are logged only once it ends, and no model version is registered
      expect(query(tracking, "SELECT count(*) AS n FROM metrics WHERE key = 'search_score'")).toEqual([{ n: 0 }]);
      expect(query(tracking, 'SELECT count(*) AS n FROM model_versions')).toEqual([{ n: 0 }]);
    });
  }
});
