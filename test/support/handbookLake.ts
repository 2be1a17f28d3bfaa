/**
 * Generated-and-prepared lakes for training and validation tests. Building the Handbook-size lake takes a while,
 * so each lake is built once and kept under the OS temp directory, keyed by its generator parameters and by the
 * source of the stages that write it (generator, prepare, lake): a change to any of them builds a fresh lake.
 * Concurrent test files wait for one builder (an exclusive lock directory) instead of both paying for the build,
 * and a lake becomes visible only by an atomic rename once it is complete. Tests only read these lakes.
 * `tinyLake` writes a few hand-made rows a day instead, for tests that need an exact defect (a hole, no fraud).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../../src/generator/generate.js';
import type { GenerateOptions } from '../../src/generator/options.js';
import { addDays } from '../../src/util/dates.js';
import { prepare } from '../../src/prepare/prepare.js';
import { courseFile, type RawRow } from '../../src/prepare/testkit.js';

export type LakeParams = Omit<GenerateOptions, 'out' | 'workers'>;

/** The Handbook's protocol data: train 2018-07-25..31, delay, test 2018-08-08..14, with 116 days of history before. */
export const HANDBOOK_LAKE: LakeParams = {
  startDate: '2018-04-01',
  days: 136,
  customers: 5000,
  terminals: 10000,
  seed: 1,
  noise: 'course',
};
export const HANDBOOK_TRAIN_START = '2018-07-25';

/**
 * A small lake for quick tests: 50 days, so one train/delay/test window (the last 21 days) has 29 days of
 * history before it; the terminal-risk features' 37-day reach is cut short by the lake's start, as on any young lake.
 */
export const SMALL_LAKE: LakeParams = {
  startDate: '2018-04-01',
  days: 50,
  customers: 2000,
  terminals: 4000,
  seed: 3,
  noise: 'course',
};
/** The last complete 7/7/7 window of SMALL_LAKE: train 04-30..05-06, test 05-14..05-20. */
export const SMALL_TRAIN_START = '2018-04-30';

const ROOT = join(tmpdir(), 'fraudops-test-lakes');
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCES = ['src/generator', 'src/prepare', 'src/lake', 'src/storage', 'src/engine', 'src/quality.ts'];

const built = new Map<string, Promise<string>>();

/** The lake directory for `params`, built on first use (in this process or any earlier one). */
export function handbookLake(params: LakeParams = HANDBOOK_LAKE): Promise<string> {
  const key = lakeKey(params);
  let lake = built.get(key);
  if (!lake) {
    lake = buildOnce(key, params);
    built.set(key, lake);
  }
  return lake;
}

export function smallLake(): Promise<string> {
  return handbookLake(SMALL_LAKE);
}

function lakeKey(params: LakeParams): string {
  const h = createHash('sha256').update(JSON.stringify(params, Object.keys(params).sort()));
  for (const file of SOURCES.flatMap((s) => sourceFiles(join(REPO, s)))) {
    h.update(relative(REPO, file)).update(readFileSync(file));
  }
  return `${params.days}d-${params.customers}c-${h.digest('hex').slice(0, 16)}`;
}

function sourceFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((n) => (n.endsWith('.test.ts') ? [] : sourceFiles(join(path, n))))
    .filter((f) => f.endsWith('.ts'));
}

async function buildOnce(key: string, params: LakeParams): Promise<string> {
  const final = join(ROOT, key);
  const lake = join(final, 'lake');
  mkdirSync(ROOT, { recursive: true });
  const lock = `${final}.lock`;
  for (;;) {
    if (existsSync(lake)) return lake;
    if (tryLock(lock)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    if (existsSync(lake)) return lake;
    const staging = `${final}.building-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    await generate({ ...params, out: join(staging, 'raw'), workers: 1 });
    const report = await prepare({ raw: join(staging, 'raw'), lake: join(staging, 'lake'), workDir: staging });
    if (!report.ok) throw new Error(`test lake ${key}: prepare reported problems: ${JSON.stringify(report.errors)}`);
    // The raw files are not needed by the tests; dropping them halves the cache's size.
    rmSync(join(staging, 'raw'), { recursive: true, force: true });
    renameSync(staging, final);
    return lake;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Claims the build lock; a lock left by a process that no longer exists is taken over. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const pid = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }));
  if (pid > 0 && pid !== process.pid && !alive(pid)) {
    rmSync(lock, { recursive: true, force: true });
    rmSync(`${lock.slice(0, -'.lock'.length)}.building-${pid}`, { recursive: true, force: true });
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** First day of the hand-written lakes (the day the prepare testkit counts its seconds from). */
export const TINY_START = '2019-08-22';

export interface TinyLakeOptions {
  days: number;
  rowsPerDay?: number;
  /** Day offsets (0 = TINY_START) that get no raw file: a hole in the lake. */
  skipDays?: number[];
  /** Which rows are fraud; default none. */
  fraud?: (day: number, row: number) => boolean;
}

/**
 * A hand-written lake under `dir` (raw files in `dir/raw`, the lake in `dir/lake`): `rowsPerDay` transactions a
 * day over ten cards and seven terminals (each fraud on a fresh card), so a test states exactly which days exist and which rows are fraud.
 */
export async function tinyLake(dir: string, o: TinyLakeOptions): Promise<string> {
  const raw = join(dir, 'raw');
  const lake = join(dir, 'lake');
  mkdirSync(raw, { recursive: true });
  const perDay = o.rowsPerDay ?? 20;
  for (let day = 0; day < o.days; day++) {
    if (o.skipDays?.includes(day)) continue;
    const rows: RawRow[] = [];
    for (let i = 0; i < perDay; i++) {
      const fraud = o.fraud?.(day, i) ?? false;
      rows.push({
        id: day * 1000 + i,
        seconds: day * 86_400 + 600 + i * Math.floor(80_000 / perDay),
        // Every fraud on a card of its own: a card is never already known as compromised in a later window.
        customer: fraud ? 1000 + day * 100 + i : 1 + (i % 10),
        terminal: 1 + (i % 7),
        amount: (fraud ? 250 + i : 10 + ((day * 7 + i * 13) % 90)).toFixed(2),
        fraud: fraud ? 1 : 0,
        scenario: fraud ? 1 : 0,
      });
    }
    writeFileSync(join(raw, `${addDays(TINY_START, day)}.txt`), courseFile(rows));
  }
  const report = await prepare({ raw, lake, workDir: dir });
  if (!report.ok || report.quarantinedTotal !== 0) throw new Error(`tiny lake: prepare reported problems: ${JSON.stringify(report)}`);
  return lake;
}
