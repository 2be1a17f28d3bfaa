/**
 * The demo's working directory. Each demo starts from scratch by replacing what it wrote there before (raw/,
 * lake/, mlruns/, pipeline/, predictions and caches), so it must never replace what it did not write: a directory the demo
 * made carries a marker file, and a directory without it whose demo paths already exist (`--dir .` in a project
 * with its own ./raw or ./lake) is refused before anything is touched.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

/** Marks a directory as the demo's own. */
export const DEMO_MARKER = '.fraudops-demo';
/** What a demo writes in its directory and replaces on the next run (mlruns/ only when tracking is embedded there). */
export const DEMO_PATHS = ['raw', 'lake', 'mlruns', 'pipeline', 'cache', 'predictions.jsonl', 'predictions.jsonl.dead.jsonl'] as const;

/**
 * Makes `dir` ready for a fresh demo: creates it if needed, or clears what an earlier demo wrote in it. Refuses
 * (CONFIG_INVALID, exit 2) a directory the demo did not make that already holds one of the demo's paths.
 * `keepTracking`: the demo tracks elsewhere, so mlruns/ is neither needed nor touched.
 */
export function prepareDemoDir(dir: string, keepTracking: boolean): string {
  const root = resolve(dir);
  const paths = DEMO_PATHS.filter((p) => !(keepTracking && p === 'mlruns'));
  if (existsSync(root) && !existsSync(join(root, DEMO_MARKER))) {
    const taken = paths.filter((p) => existsSync(join(root, p)));
    if (taken.length > 0) {
      throw new ConfigError(
        `--dir ${dir}: ${root} holds ${taken.join(', ')} that no earlier demo made (no ${DEMO_MARKER} marker); the demo replaces these, ` +
          'so it runs only in a new or empty directory, or one it made: pick another --dir',
        { context: { field: 'dir', dir: root, paths: taken.join(',') } },
      );
    }
  }
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, DEMO_MARKER), 'made by `fraudops demo`, which replaces raw/, lake/, mlruns/ and predictions here on each run\n');
  for (const p of paths) rmSync(join(root, p), { recursive: true, force: true });
  return root;
}

