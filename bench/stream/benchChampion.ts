/**
 * The champion the stream bench scores with, built through the CLI as an operator would: `fraudops train --model
 * logreg --folds 1` on the prepared lake, then `fraudops promote`. Kept in `<dataDir>/stream/<key>/mlruns` with a
 * stamp `<key>.json` beside it, written last, so a later run with the same data reuses it. Set-up, not measured.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliPath, gitCommit } from '../lib/generatedData.js';
import { measureCommand } from '../lib/measureCommand.js';
import type { BenchContext } from '../lib/stage.js';

export interface BenchChampion {
  tracking: string;
  version: string;
  reused: boolean;
}

interface ChampionStamp {
  key: string;
  version: string;
  trainedAt: string;
  commit: string | null;
}

/**
 * Training windows that fit a lake of `days` days: the defaults (7 train, 7 delay, 7 test, one validation fold
 * before them: 35 days) when there is room, else every window a fifth of the lake.
 */
export function trainWindowArgs(days: number): string[] {
  if (days >= 35) return [];
  const w = String(Math.max(1, Math.floor(days / 5)));
  return ['--train-days', w, '--delay-days', w, '--test-days', w];
}

export async function ensureChampion(ctx: BenchContext, key: string, lake: string, days: number): Promise<BenchChampion> {
  const root = join(ctx.dataDir, 'stream');
  const tracking = join(root, key, 'mlruns');
  const stampPath = join(root, `${key}.json`);
  try {
    const stamp = JSON.parse(await readFile(stampPath, 'utf8')) as ChampionStamp;
    if (stamp.key === key && existsSync(tracking)) {
      ctx.log(`reusing champion version ${stamp.version} in ${tracking}`);
      return { tracking, version: stamp.version, reused: true };
    }
  } catch {
    /* none yet */
  }
  await rm(stampPath, { force: true });
  await rm(join(root, key), { recursive: true, force: true });
  await mkdir(join(root, key), { recursive: true });
  const cli = cliPath(ctx.root);
  ctx.log(`training a logistic regression on ${lake} (set-up, not measured)...`);
  const trained = await measureCommand(
    process.execPath,
    [cli, 'train', '--lake', lake, '--model', 'logreg', '--folds', '1', '--tracking', tracking, '--experiment', 'bench-stream', '--work-dir', join(root, key), '--json', ...trainWindowArgs(days)],
    { cwd: ctx.root, signal: ctx.signal },
  );
  if (trained.exitCode !== 0) throw new Error(`train exited with ${trained.exitCode}:\n${trained.stderrTail.slice(-4000)}`);
  const version = String((JSON.parse(trained.stdout) as { modelVersion: string | number }).modelVersion);
  const promoted = await measureCommand(process.execPath, [cli, 'promote', version, '--reason', 'stream bench champion', '--tracking', tracking], {
    cwd: ctx.root,
    signal: ctx.signal,
  });
  if (promoted.exitCode !== 0) throw new Error(`promote exited with ${promoted.exitCode}:\n${promoted.stderrTail.slice(-4000)}`);
  const stamp: ChampionStamp = { key, version, trainedAt: new Date().toISOString(), commit: gitCommit(ctx.root) };
  await writeFile(stampPath, JSON.stringify(stamp, null, 2) + '\n');
  ctx.log(`champion: version ${version}`);
  return { tracking, version, reused: false };
}
