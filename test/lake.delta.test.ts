/**
 * The lake as a Delta table: after migration (and after each prepare), the `deltalake` Python package (delta-rs)
 * and Spark with delta-spark read exactly the committed rows, including on a lake that holds the leftovers of a
 * killed prepare, and never an uncommitted part. Real readers: the services' Python venv and Spark server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../src/engine/DuckDbEngine.js';
import { sqlStringList } from '../src/engine/SqlEngine.js';
import { generate } from '../src/generator/generate.js';
import { CommitLog } from '../src/lake/CommitLog.js';
import { DELTA_LOG_PREFIX } from '../src/lake/delta/deltaLog.js';
import { prepare } from '../src/prepare/prepare.js';
import { LocalStore } from '../src/storage/LocalStore.js';
import { readRelation, sqlRelation } from '../src/engine/spark/plans.js';
import { connectTestSpark } from './support/spark.js';

const ROOT = join(import.meta.dirname, '..');
const PYTHON = join(process.env.FRAUDOPS_SERVICES_DIR ?? join(ROOT, '.services'), 'py', 'bin', 'python');

/** Order-independent fingerprint of a set of rows, computed the same way by every reader. */
interface Fingerprint {
  rows: number;
  ids: string;
  customers: string;
  cents: string;
  days: number;
}

const FINGERPRINT_SQL = (from: string) => `
SELECT count(*) AS rows, CAST(sum(transaction_id) AS STRING) AS ids, CAST(sum(customer_id) AS STRING) AS customers,
  CAST(sum(CAST(round(tx_amount * 100) AS BIGINT)) AS STRING) AS cents, count(DISTINCT day) AS days FROM ${from}`;

let dir: string;
let raw: string;
let lake: string;

/** Runs the CLI's prepare in a child process (so a failpoint can kill it for real). */
function prepareCli(env: Record<string, string> = {}): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), 'prepare', '--raw', raw, '--lake', lake, '--json'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
}

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`fraudops ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** What the commit log says the lake holds, read by DuckDB from the committed parts only. */
async function committedFingerprint(): Promise<Fingerprint> {
  const store = await LocalStore.create(lake);
  const log = await CommitLog.load(store);
  const paths = log.parts().map((p) => join(lake, p.key));
  const engine = await DuckDbEngine.create();
  try {
    const [r] = await engine.query<Record<string, unknown>>(
      FINGERPRINT_SQL(`read_parquet(${sqlStringList(paths)}, hive_partitioning = true)`).replace(/AS STRING/g, 'AS VARCHAR'),
    );
    return { rows: Number(r.rows), ids: String(r.ids), customers: String(r.customers), cents: String(r.cents), days: Number(r.days) };
  } finally {
    await engine.close();
    await store.close();
  }
}

function deltaRsFingerprint(table = lake): Fingerprint {
  const script = `
import json, sys
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1]).to_pyarrow_table()
import pyarrow.compute as pc
ids = t.column("transaction_id").to_pylist()
cust = t.column("customer_id").to_pylist()
cents = [round(a * 100) for a in t.column("tx_amount").to_pylist()]
print(json.dumps({"rows": t.num_rows, "ids": str(sum(ids)), "customers": str(sum(cust)), "cents": str(sum(cents)),
                  "days": len(set(t.column("day").to_pylist()))}), flush=True)
import os
os._exit(0)  # skip interpreter teardown, where delta-rs's runtime can abort after the work is done
`;
  const r = spawnSync(PYTHON, ['-c', script, table], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`deltalake failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Fingerprint;
}

async function sparkFingerprint(): Promise<Fingerprint> {
  const spark = await connectTestSpark();
  try {
    await spark.command({ command: { create_dataframe_view: { input: readRelation('delta', [lake]), name: 'lake_delta', is_global: false, replace: true } } });
    const t = await spark.collect(sqlRelation(FINGERPRINT_SQL('lake_delta')));
    const r = t.get(0)!.toJSON() as Record<string, unknown>;
    return { rows: Number(r.rows), ids: String(r.ids), customers: String(r.customers), cents: String(r.cents), days: Number(r.days) };
  } finally {
    await spark.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fraudops-delta-'));
  const all = join(dir, 'all');
  raw = join(dir, 'raw');
  lake = join(dir, 'lake');
  await generate({ out: all, days: 4, customers: 300, terminals: 600, seed: 5, noise: 'course' });
  mkdirSync(raw);
  const days = readdirSync(all).filter((f) => f.endsWith('.txt')).sort();
  for (const f of days.slice(0, 3)) copyFileSync(join(all, f), join(raw, f));
  await prepare({ raw, lake });
  // Then a prepare killed after uploading the fourth day's parts, before its commit: leftovers in transactions/.
  copyFileSync(join(all, days[3]), join(raw, days[3]));
  await prepareCli({ FRAUDOPS_FAILPOINTS: 'prepare.after-parts' });
}, 400_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lake > delta', () => {
  it('prepare writes one create-only Delta version per commit', async () => {
    const store = await LocalStore.create(lake);
    try {
      expect((await CommitLog.load(store)).commits).toHaveLength(3);
      expect((await store.list(DELTA_LOG_PREFIX)).map((o) => o.key)).toEqual([0, 1, 2].map((v) => `_delta_log/${String(v).padStart(20, '0')}.json`));
    } finally {
      await store.close();
    }
  });

  it('migrates a lake from before Delta in place with `fraudops migrate-lake`, idempotently, and it reads the same', async () => {
    const old = join(dir, 'old-lake');
    cpSync(lake, old, { recursive: true });
    rmSync(join(old, '_delta_log'), { recursive: true });
    const first = JSON.parse(await cli(['migrate-lake', '--lake', old, '--json']));
    expect(first).toMatchObject({ written: [0, 1, 2], latest: 2, commits: 3 });
    const again = JSON.parse(await cli(['migrate-lake', '--lake', old, '--json']));
    expect(again).toMatchObject({ written: [], latest: 2 });
    const store = await LocalStore.create(old);
    try {
      // fraudops reads the migrated lake as before; a Delta reader reads the same rows as from the prepared lake.
      expect((await CommitLog.load(store)).commits).toEqual((await CommitLog.load(await LocalStore.create(lake))).commits);
    } finally {
      await store.close();
    }
    expect(deltaRsFingerprint(old)).toEqual(await committedFingerprint());
  });

  it('delta-rs and delta-spark read exactly the committed rows, not the killed run leftovers', async () => {
    const leftovers = readdirSync(join(lake, 'transactions'), { recursive: true }).filter((f) => String(f).includes('part-0000000004'));
    expect(leftovers.length).toBeGreaterThan(0); // the killed run did leave parts behind
    const expected = await committedFingerprint();
    expect(expected.days).toBeGreaterThanOrEqual(3);
    expect(deltaRsFingerprint()).toEqual(expected);
    expect(await sparkFingerprint()).toEqual(expected);
  }, 400_000);
});
