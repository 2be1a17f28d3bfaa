/**
 * Generated raw inputs for the benches, kept between runs. A data set lives in `<dataDir>/raw/<key>/` with a
 * stamp `<dataDir>/raw/<key>.json` beside it (outside the directory, so prepare never sees it as input); the key
 * holds every generator parameter, so a run with the same parameters reuses the files instead of regenerating
 * 20M rows. The stamp is written last: a directory without one is an interrupted generation and is replaced.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from './stage.js';
import { measureCommand, type Measurement } from './measureCommand.js';

export interface GenerateParams {
  days: number;
  customers: number;
  terminals: number;
  seed: number;
  noise: string;
}

export interface GeneratedData {
  dir: string;
  params: GenerateParams;
  /** Data files in name order: every regular file below `dir` whose name starts with neither `_` nor `.`. */
  files: string[];
  bytes: number;
  rows: number;
  /** `manifest`: the generator's `_manifest.json` totals.rows; `lines`: counted newlines less header lines. */
  rowsSource: 'manifest' | 'lines';
  reused: boolean;
}

interface Stamp {
  params: GenerateParams;
  rows: number;
  rowsSource: GeneratedData['rowsSource'];
  bytes: number;
  files: number;
  generatedAt: string;
  commit: string | null;
  generateSeconds: number;
}

/**
 * Handbook simulation rates: each customer makes Poisson(m) transactions a day with m ~ U(0, 4) (mean 2), only
 * through terminals within radius 5 on the 100×100 grid, and times drawn N(noon, 20000 s) outside the day are
 * dropped (about 3.1%). A customer with no terminal in reach makes none.
 */
const MEAN_TX_PER_CUSTOMER_DAY = 2;
const KEPT_TIME_FRACTION = 0.969;
const REACH_AREA_FRACTION = (Math.PI * 5 * 5) / (100 * 100);

export function estimateRows(p: Pick<GenerateParams, 'days' | 'customers' | 'terminals'>): number {
  return Math.round(p.customers * rowsPerCustomer(p.days, p.terminals));
}

/** Customers needed for about `rows` rows, rounded up to a thousand. */
export function customersForRows(rows: number, days: number, terminals: number): number {
  const per = rowsPerCustomer(days, terminals);
  return per > 0 ? Math.max(1000, Math.ceil(rows / per / 1000) * 1000) : 1000;
}

function rowsPerCustomer(days: number, terminals: number): number {
  const withTerminal = 1 - Math.exp(-terminals * REACH_AREA_FRACTION);
  return days * MEAN_TX_PER_CUSTOMER_DAY * KEPT_TIME_FRACTION * withTerminal;
}

export function datasetKey(p: GenerateParams): string {
  return `d${p.days}-c${p.customers}-t${p.terminals}-s${p.seed}-${p.noise}`;
}

/** The CLI under test: the `fraudops` entry of package.json's `bin` (dist/cli/bin.js when it names none). */
export function cliPath(root: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
    const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.fraudops;
    if (bin) return join(root, bin);
  } catch {
    /* fall through to the documented default */
  }
  return join(root, 'dist', 'cli', 'bin.js');
}

/** `extra` holds flags that change speed but not output (e.g. `--workers 2`), so they stay out of the cache key. */
export function generateArgs(root: string, out: string, p: GenerateParams, extra: string[] = []): string[] {
  return [
    cliPath(root), 'generate', '--out', out,
    '--days', String(p.days), '--customers', String(p.customers), '--terminals', String(p.terminals),
    '--seed', String(p.seed), '--noise', p.noise, ...extra,
  ];
}

/** The cached data set for these parameters, or null when there is none (or it was never finished). */
export async function findGenerated(dataDir: string, p: GenerateParams): Promise<GeneratedData | null> {
  const dir = join(dataDir, 'raw', datasetKey(p));
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(`${dir}.json`, 'utf8')) as Stamp;
  } catch {
    return null;
  }
  if (!existsSync(dir) || datasetKey(stamp.params) !== datasetKey(p)) return null;
  const files = await listDataFiles(dir);
  if (files.length !== stamp.files) return null;
  return { dir, params: p, files, bytes: stamp.bytes, rows: stamp.rows, rowsSource: stamp.rowsSource, reused: true };
}

/**
 * Runs the generator into a scratch directory, measured, then files the result as the cached data set for these
 * parameters (replacing an older one). Returns the measurement and the data set.
 */
export async function generateMeasured(
  ctx: BenchContext,
  p: GenerateParams,
  extra: string[] = [],
): Promise<{ measurement: Measurement; data: GeneratedData }> {
  const rawRoot = join(ctx.dataDir, 'raw');
  await mkdir(rawRoot, { recursive: true });
  const scratch = join(rawRoot, `.tmp-${datasetKey(p)}-${process.pid}-${Date.now()}`);
  let measurement: Measurement;
  let files: string[];
  try {
    measurement = await measureCommand(process.execPath, generateArgs(ctx.root, scratch, p, extra), {
      cwd: ctx.root,
      stdout: 'ignore',
      signal: ctx.signal,
    });
    if (measurement.exitCode !== 0) {
      throw new Error(`generate exited with ${measurement.exitCode}:\n${measurement.stderrTail.slice(-4000)}`);
    }
    files = existsSync(scratch) ? await listDataFiles(scratch) : [];
    if (files.length === 0) throw new Error(`generate exited 0 but wrote no data files into ${scratch}`);
  } catch (e) {
    await rm(scratch, { recursive: true, force: true });
    throw e;
  }
  const bytes = await totalBytes(files);
  const { rows, rowsSource } = await countRows(scratch, files);

  const dir = join(rawRoot, datasetKey(p));
  await rm(`${dir}.json`, { force: true });
  await rm(dir, { recursive: true, force: true });
  await rename(scratch, dir);
  const stamp: Stamp = {
    params: p,
    rows,
    rowsSource,
    bytes,
    files: files.length,
    generatedAt: new Date().toISOString(),
    commit: gitCommit(ctx.root),
    generateSeconds: measurement.wallSeconds,
  };
  await writeFile(`${dir}.json`, JSON.stringify(stamp, null, 2) + '\n');
  return {
    measurement,
    data: { dir, params: p, files: await listDataFiles(dir), bytes, rows, rowsSource, reused: false },
  };
}

/** The cached data set, generating it first when missing or when `regenerate` is set. */
export async function ensureGenerated(ctx: BenchContext, p: GenerateParams, regenerate: boolean): Promise<GeneratedData> {
  if (!regenerate) {
    const found = await findGenerated(ctx.dataDir, p);
    if (found) {
      ctx.log(`reusing generated data ${found.dir} (${found.rows} rows)`);
      return found;
    }
  }
  ctx.log(`generating ${datasetKey(p)} (about ${estimateRows(p)} rows)...`);
  const { measurement, data } = await generateMeasured(ctx, p);
  ctx.log(`generated ${data.rows} rows, ${data.files.length} files in ${measurement.wallSeconds.toFixed(1)} s`);
  return data;
}

export async function listDataFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('_') || e.name.startsWith('.')) continue;
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) out.push(path);
    }
  };
  await walk(dir);
  return out.sort();
}

export async function totalBytes(files: string[]): Promise<number> {
  let sum = 0;
  for (const f of files) sum += (await stat(f)).size;
  return sum;
}

/** Rows per the generator's manifest when it has `totals.rows`, else newlines counted less one header per file. */
export async function countRows(dir: string, files: string[]): Promise<{ rows: number; rowsSource: GeneratedData['rowsSource'] }> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, '_manifest.json'), 'utf8')) as { totals?: { rows?: unknown } };
    const rows = manifest.totals?.rows;
    if (typeof rows === 'number' && Number.isFinite(rows)) return { rows, rowsSource: 'manifest' };
  } catch {
    /* no manifest: count */
  }
  let rows = 0;
  for (const f of files) rows += await countDataLines(f);
  return { rows, rowsSource: 'lines' };
}

async function countDataLines(file: string): Promise<number> {
  let newlines = 0;
  let first: number | null = null;
  let last = 0x0a;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    if (first === null && chunk.length) first = chunk[0];
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) newlines++;
    if (chunk.length) last = chunk[chunk.length - 1];
  }
  const lines = newlines + (last === 0x0a ? 0 : 1);
  return first === 0x23 /* '#' header */ ? lines - 1 : lines;
}

export function gitCommit(root: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
