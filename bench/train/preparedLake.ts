/**
 * Prepared lakes for the train bench, kept between runs like the generated raw files they come from: the lake of
 * data set `<key>` lives in `<dataDir>/lakes/<key>/` with a stamp `<key>.json` beside it, written last, so an
 * interrupted prepare is redone. The prepare run here is set-up, not a measurement (the prepare bench measures it).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { liveParts } from '../../src/lake/readLake.js';
import { openStore } from '../../src/storage/openStore.js';
import { cliPath, datasetKey, gitCommit, type GeneratedData } from '../lib/generatedData.js';
import { measureCommand } from '../lib/measureCommand.js';
import type { BenchContext } from '../lib/stage.js';

export interface PreparedLake {
  dir: string;
  /** Committed rows, from the live parts' commit records. */
  rows: number;
  firstDay: string;
  lastDay: string;
  /** Local paths of the live Parquet parts, in key order. */
  paths: string[];
  reused: boolean;
}

interface LakeStamp {
  key: string;
  preparedAt: string;
  commit: string | null;
  prepareSeconds: number;
}

/** The cached lake of `data`, running `fraudops prepare` into it first when there is none. */
export async function ensurePreparedLake(ctx: BenchContext, data: GeneratedData): Promise<PreparedLake> {
  const key = datasetKey(data.params);
  const root = join(ctx.dataDir, 'lakes');
  const dir = join(root, key);
  const stampPath = `${dir}.json`;
  let reused = false;
  try {
    const stamp = JSON.parse(await readFile(stampPath, 'utf8')) as LakeStamp;
    reused = stamp.key === key && existsSync(dir);
  } catch {
    reused = false;
  }
  if (!reused) {
    await rm(stampPath, { force: true });
    await rm(dir, { recursive: true, force: true });
    await mkdir(root, { recursive: true });
    ctx.log(`preparing ${data.rows} rows into ${dir} (set-up, not measured)...`);
    const m = await measureCommand(process.execPath, [cliPath(ctx.root), 'prepare', '--raw', data.dir, '--lake', dir, '--json'], {
      cwd: ctx.root,
      stdout: 'ignore',
      signal: ctx.signal,
    });
    if (m.exitCode !== 0) throw new Error(`prepare exited with ${m.exitCode}:\n${m.stderrTail.slice(-4000)}`);
    const stamp: LakeStamp = { key, preparedAt: new Date().toISOString(), commit: gitCommit(ctx.root), prepareSeconds: m.wallSeconds };
    await writeFile(stampPath, JSON.stringify(stamp, null, 2) + '\n');
  } else {
    ctx.log(`reusing prepared lake ${dir}`);
  }

  const store = await openStore(dir);
  const cache = await mkdtemp(join(ctx.dataDir, '.lake-cache-'));
  try {
    const { parts, paths } = await liveParts(store, cache, { signal: ctx.signal });
    if (parts.length === 0) throw new Error(`${dir} has no committed parts`);
    const days = parts.map((p) => p.day).sort();
    const rows = parts.reduce((sum, p) => sum + p.rows, 0);
    return { dir, rows, firstDay: days[0], lastDay: days[days.length - 1], paths, reused };
  } finally {
    await store.close();
    await rm(cache, { recursive: true, force: true });
  }
}

