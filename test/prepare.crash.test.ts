/**
 * Crash recovery: a prepare process killed with SIGKILL at any point, then rerun, leaves exactly the lake one
 * clean run produces — same rows, same quarantine, same commit ledger, no leftover objects. Kills come both from
 * named crash points (deterministic windows: after a part upload, after all parts, before and after the commit
 * record) and from timers at random moments.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generate } from '../src/generator/generate.js';
import { DuckDbEngine } from '../src/engine/DuckDbEngine.js';
import { sqlStringList } from '../src/engine/SqlEngine.js';
import { liveParts } from '../src/lake/readLake.js';
import { openStore } from '../src/storage/openStore.js';

const ROOT = join(import.meta.dirname, '..');
let dir: string;
let raw: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prepare-crash-'));
  raw = join(dir, 'raw');
  await generate({
    out: raw,
    days: 5,
    customers: 3000,
    terminals: 6000,
    seed: 11,
    noise: 'course',
    noiseRates: { duplicate_across_files: 5e-4, duplicate_within_file: 5e-4, bad_datetime: 5e-4, terminal_missing: 5e-4 },
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** `killWhen` is polled every few milliseconds; when it returns true the process gets SIGKILL. */
function runPrepare(lake: string, env: Record<string, string> = {}, killWhen?: () => boolean): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), 'prepare', '--raw', raw, '--lake', lake, '--json', '--work-dir', dir], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', () => undefined);
    const timer = killWhen === undefined ? undefined : setInterval(() => killWhen() && child.kill('SIGKILL'), 3);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stdout });
    });
  });
}

/** Everything observable about a lake, with commit timestamps removed. */
async function snapshot(lake: string) {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(relative(lake, p));
    }
  };
  walk(lake);
  const commits = files
    .filter((f) => f.startsWith('_fraudops/commits/'))
    .sort()
    .map((f) => {
      // Which writer (lease epoch) made a commit is not part of the lake's content.
      const c = JSON.parse(readFileSync(join(lake, f), 'utf8').replace(/-w\d+-/g, '-w*-'));
      delete c.committedAt;
      delete c.writer;
      return c;
    });
  const quarantine = files
    .filter((f) => f.startsWith('quarantine/'))
    .sort()
    .map((f) => readFileSync(join(lake, f), 'utf8'));
  const store = await openStore(lake);
  const { paths } = await liveParts(store, join(dir, 'cache'));
  await store.close();
  const engine = await DuckDbEngine.create();
  const [rows] = await engine.query<{ n: bigint; h: bigint }>(
    `SELECT count(*) AS n, sum(hash(transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_time_seconds, tx_time_days, tx_fraud, tx_fraud_scenario, terminal_id_missing, source_file, source_line)) AS h FROM read_parquet(${sqlStringList(paths)})`,
  );
  const [dups] = await engine.query<{ d: bigint }>(`SELECT count(*) - count(DISTINCT transaction_id) AS d FROM read_parquet(${sqlStringList(paths)})`);
  await engine.close();
  const content = files
    .filter((f) => !f.startsWith('_fraudops/leases/'))
    .map((f) => f.replace(/-w\d+-/, '-w*-'))
    .sort();
  return { files: content, commits, quarantine, rows: { n: Number(rows.n), h: String(rows.h) }, duplicateIds: Number(dups.d) };
}

describe('prepare > crash recovery', () => {
  let clean: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    const lake = join(dir, 'lake-clean');
    const r = await runPrepare(lake);
    expect(r.code).toBe(0);
    clean = await snapshot(lake);
    expect(clean.rows.n).toBeGreaterThan(0);
    expect(clean.duplicateIds).toBe(0);
    expect(clean.commits.length).toBe(5);
  });

  for (const point of ['prepare.after-part-upload:2', 'prepare.after-parts:3', 'prepare.before-commit:1', 'prepare.before-commit:4', 'prepare.after-commit:2']) {
    it(`is identical to a clean run after SIGKILL at ${point}`, async () => {
      const lake = join(dir, `lake-${point.replace(/[^a-z0-9]/gi, '_')}`);
      const crashed = await runPrepare(lake, { FRAUDOPS_FAILPOINTS: point });
      expect(crashed.signal).toBe('SIGKILL');
      const rerun = await runPrepare(lake);
      expect(rerun.code).toBe(0);
      expect(await snapshot(lake)).toEqual(clean);
    });
  }

  it('is identical to a clean run after several kills at random moments', async () => {
    const lake = join(dir, 'lake-random');
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const commits = () => {
      try {
        return readdirSync(join(lake, '_fraudops', 'commits')).length;
      } catch {
        return 0;
      }
    };
    let kills = 0;
    for (let i = 0; i < 3; i++) {
      // While the run works on a file: after its next commit, plus a random part of a file's processing time.
      const target = commits() + 1;
      const extraMs = Math.floor(rand() * 150);
      let seenAt = 0;
      const r = await runPrepare(lake, {}, () => {
        if (commits() < target) return false;
        seenAt ||= Date.now();
        return Date.now() - seenAt >= extraMs;
      });
      if (r.signal === 'SIGKILL') kills++;
    }
    const final = await runPrepare(lake);
    expect(final.code).toBe(0);
    expect(kills).toBeGreaterThan(0);
    expect(await snapshot(lake)).toEqual(clean);
  });
});
