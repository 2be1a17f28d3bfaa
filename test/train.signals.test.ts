/**
 * Stopping `fraudops train` mid-search: the real CLI in its own process, a search long enough that a fit is
 * running when the signal comes (boosted trees, 40 candidates × 2 folds), SIGTERM or SIGINT once the search has
 * started. The fit gives the event loop a turn every few tens of milliseconds, so the signal is seen at once: the
 * process prints one line, exits 143 (130), leaves the run KILLED in tracking, and never reaches the search's end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallLake } from './support/handbookLake.js';
import { ROOT } from './support/cli.js';
import { openRunView } from './support/runView.js';

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

/** The `fraudops` experiment's one run in the embedded store at `tracking`, once it exists. */
async function theRun(tracking: string) {
  const view = await openRunView(tracking).catch(() => undefined);
  if (view === undefined) return undefined;
  try {
    const experiment = await view.getExperimentByName('fraudops');
    if (experiment === undefined || experiment === null) return undefined;
    const [run] = await view.searchRuns({ experimentIds: [experiment.experimentId] });
    return run;
  } catch {
    return undefined;
  } finally {
    await view.tracking.close();
  }
}

/** Starts train; once its search has started (the dataset's row counts are logged, then the search begins), signals it. */
function trainAndStop(tracking: string, signal: NodeJS.Signals): Promise<Stopped> {
  const args = ['train', '--lake', lake, '--tracking', tracking, '--work-dir', dir, '--model', 'gbdt', '--trials', '40', '--folds', '2', '--json'];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...args], { cwd: ROOT, env: { ...process.env, FRAUDOPS_DEBUG: '' } });
    let stderr = '';
    let signalledAt = 0;
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let polling = false;
    const poll = setInterval(() => {
      if (polling || signalledAt > 0) return;
      polling = true;
      void theRun(tracking)
        .then((run) => {
          if (run?.data.params['dataset.train_rows'] === undefined || signalledAt > 0) return;
          // the search's first fit is under way a moment after the row counts are logged
          setTimeout(() => {
            signalledAt = performance.now();
            child.kill(signal);
          }, 1500);
          signalledAt = -1;
        })
        .finally(() => (polling = false));
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
      const lines = r.stderr.trim().split('\n');
      expect(lines[lines.length - 1]).toBe(`fraudops train: interrupted by ${signal}; nothing was left half-written`);
      expect(r.stderr).not.toMatch(/INTERNAL|\n\s+at /);
      const run = await theRun(tracking);
      expect(run?.info.status).toBe('KILLED');
      // stopped inside the search: its trials are logged only once it ends
      expect(run?.data.metrics.search_score).toBeUndefined();
    });
  }
});
