/**
 * prepare on Spark keeps every promise it makes on DuckDB: the same report for every file (each defect classified
 * the same, the same per-file account), the same rows in the lake compared by id and every column, the same
 * quarantine lines, global dedup, incremental runs with a changed file, and recovery from a prepare killed
 * between its parts and its commit. The Spark lake lives on the real S3 API server (Spark reads and writes it
 * through s3a); the DuckDB lake is a local directory. Real Spark Connect server from `scripts/services.sh up spark`.
 * Kept small (Spark runs one statement at a time on local[2]): a defect corpus file and a few generated days with
 * course noise at high rates.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../src/engine/DuckDbEngine.js';
import { buildFeatures } from '../src/features/buildFeatures.js';
import { generate } from '../src/generator/generate.js';
import { committedParts } from '../src/lake/readLake.js';
import { prepare } from '../src/prepare/prepare.js';
import { courseFile, rawLine } from '../src/prepare/testkit.js';
import type { QualityReport } from '../src/prepare/report.js';
import type { ObjectStore } from '../src/storage/ObjectStore.js';
import { openStore } from '../src/storage/openStore.js';
import { createTestBucket, deleteTestBucket, useTestS3Env } from './support/s3.js';
import { sparkTestUri } from './support/spark.js';

const ROOT = join(import.meta.dirname, '..');
let dir: string;
let raw: string;
let all: string;
let duckLake: string;
let bucket: string;
let sparkLake: string;

/** Every defect the cleaning rules know, plus edge cases where engines could disagree. */
function corpus(): string {
  return courseFile([
    { id: 0 },
    { id: 1, customer: -17 },
    { id: 2, customer: 999999 },
    { id: 3, customer: -999999 },
    { id: 4, terminal: 'Err' },
    { id: 5, terminal: 'None' },
    { id: 6, terminal: '' },
    { id: 7, datetime: '2019-08-22 24:05:11' },
    { id: 8, days: 5 },
    { id: 9, amount: '0.00' },
    { id: '10.5' },
    { id: 11, fraud: 2 },
    { id: 12, amount: '-3.00' },
    { id: 13, terminal: 'T13' },
    { id: 14, seconds: 'abc' },
    { id: 15 },
    { id: 15, customer: 99 },
    { id: '9223372036854775807', seconds: 3600 },
    { id: '9223372036854775808', seconds: 3600 },
    { id: 16, datetime: '2019-8-22 1:02:03' },
    { id: 17, datetime: '9999-12-31 00:00:00' },
    { id: 18, datetime: '2019-08-21 23:59:59' },
    { id: 19, amount: '1000000.01' },
    { id: 20, amount: '12.3456789' },
    { id: 21, amount: '1e3' },
    { id: 22, fraud: 1, scenario: 0 },
    { id: 23, fraud: 0, scenario: 2 },
    { id: 24, fraud: 1, scenario: 3 },
    { id: 25, customer: '"17"' },
    { id: 26, customer: "O'Brien\\x" },
    '27,2019-08-22 01:00:00,17,42',
    '',
    '\u0001\u0002binary',
    { id: 28, amount: '7.5' },
    // Enough good rows that the corpus stays under the reject-ratio guard.
    ...Array.from({ length: 40 }, (_, i) => ({ id: 100 + i, customer: 30 + (i % 7), amount: `${i}.${i % 10}5` })),
  ]);
}

function prepareSpark(o: { engine?: string } = {}): Promise<QualityReport> {
  return prepare({ raw, lake: sparkLake, engine: o.engine ?? sparkTestUri(), workDir: dir });
}

function prepareDuck(): Promise<QualityReport> {
  return prepare({ raw, lake: duckLake, workDir: dir });
}

/** A report without what differs by nature: timings and the lake's address. */
function comparable(r: QualityReport): unknown {
  const strip = (o: object) => Object.fromEntries(Object.entries(o).filter(([k]) => !/^(durationMs|lake|rowsPerSecond|bytesPerSecond|elapsedMs)$/.test(k)));
  return { ...strip(r), perFile: r.perFile.map(strip) };
}

/** Every committed row of a lake, every column, ordered by id (read by one reader, so only the lakes differ). */
async function lakeRows(lake: string): Promise<Record<string, unknown>[]> {
  const store = await openStore(lake);
  const engine = await DuckDbEngine.create({ workDir: join(dir, `read-${Math.random().toString(36).slice(2)}`) });
  try {
    const { parts } = await committedParts(store);
    const rows: Record<string, unknown>[] = [];
    // Part by part, so each row carries its partition's day from the commit log (a local path would also give
    // DuckDB a hive `day` column, a cached S3 object would not: the reader must not make the lakes differ).
    for (const part of parts) {
      const rel = await engine.readParquet(store, [part.key]);
      for (const r of await engine.query(`SELECT * FROM ${rel}`)) {
        const values = Object.entries(r).filter(([k]) => k !== 'day');
        rows.push({ ...Object.fromEntries(values.map(([k, v]) => [k, typeof v === 'object' && v !== null ? String(v) : v])), day: part.day });
      }
    }
    return rows.sort((a, b) => (BigInt(a.transaction_id as bigint) < BigInt(b.transaction_id as bigint) ? -1 : 1));
  } finally {
    await engine.close();
    await store.close();
  }
}

/** Quarantine lines of a lake, as objects, in file and line order. */
async function quarantine(lake: string): Promise<unknown[]> {
  const store: ObjectStore = await openStore(lake);
  try {
    const keys = (await store.list('quarantine/')).map((o) => o.key).sort();
    const lines: Record<string, unknown>[] = [];
    for (const k of keys) {
      const text = (await store.readBytes(k)).toString('utf8');
      for (const l of text.split('\n')) if (l.trim()) lines.push(JSON.parse(l));
    }
    return lines.sort((a, b) => String(a.file).localeCompare(String(b.file)) || Number(a.line) - Number(b.line));
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  useTestS3Env();
  dir = mkdtempSync(join(tmpdir(), 'fraudops-prepare-spark-'));
  raw = join(dir, 'raw');
  all = join(dir, 'all');
  duckLake = join(dir, 'lake-duck');
  bucket = await createTestBucket('prepare-spark');
  sparkLake = `s3://${bucket}/lake`;
  mkdirSync(raw);
  await generate({
    out: all,
    startDate: '2019-08-23',
    days: 4,
    customers: 120,
    terminals: 300,
    seed: 11,
    noise: 'course',
    noiseRates: {
      terminal_missing: 0.01,
      bad_datetime: 0.01,
      time_days_mismatch: 0.01,
      duplicate_within_file: 0.01,
      duplicate_across_files: 0.02,
      negative_customer_id: 0.01,
      sentinel_customer_id: 0.01,
      zero_amount: 0.01,
    },
  });
  writeFileSync(join(raw, '2019-08-22.txt'), corpus());
  for (const f of ['2019-08-23.txt', '2019-08-24.txt']) copyFileSync(join(all, f), join(raw, f));
}, 120_000);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (bucket) await deleteTestBucket(bucket);
});

/** Every feature row written under `out`, keyed by transaction id, all columns. */
async function featureRows(out: string): Promise<Map<string, Record<string, unknown>>> {
  const store = await openStore(out);
  const engine = await DuckDbEngine.create({ workDir: join(dir, `features-${Math.random().toString(36).slice(2)}`) });
  try {
    const keys = (await store.list('')).map((o) => o.key).filter((k) => k.endsWith('.parquet'));
    const rows = new Map<string, Record<string, unknown>>();
    for (const key of keys) {
      const rel = await engine.readParquet(store, [key]);
      for (const r of await engine.query(`SELECT * FROM ${rel}`)) {
        const values = Object.entries(r).filter(([k]) => k !== 'day');
        rows.set(String(r.transaction_id), { ...Object.fromEntries(values.map(([k, v]) => [k, typeof v === 'object' && v !== null ? String(v) : v])), day: /day=([^/]+)/.exec(key)![1] });
      }
    }
    return rows;
  } finally {
    await engine.close();
    await store.close();
  }
}

describe('prepare > spark', () => {
  it('gives the same report, lake rows and quarantine as DuckDB on the defect corpus and noisy days', async () => {
    const [duck, spark] = [await prepareDuck(), await prepareSpark()];
    expect(spark.errors).toEqual([]);
    expect(spark.quarantinedTotal).toBeGreaterThan(20);
    expect(spark.duplicates).toBeGreaterThan(0);
    expect(comparable(spark)).toEqual(comparable(duck));
    const rows = await lakeRows(sparkLake);
    expect(rows.length).toBe(duck.kept);
    expect(rows).toEqual(await lakeRows(duckLake));
    expect(await quarantine(sparkLake)).toEqual(await quarantine(duckLake));
  }, 400_000);

  it('runs incrementally like DuckDB: new files only, a changed file reported and not reprocessed, dedup across runs', async () => {
    copyFileSync(join(all, '2019-08-25.txt'), join(raw, '2019-08-25.txt'));
    appendFileSync(join(raw, '2019-08-22.txt'), `${rawLine({ id: 99 })}\n`);
    const [duck, spark] = [await prepareDuck(), await prepareSpark()];
    expect(spark.files).toBe(1);
    expect(spark.changed).toHaveLength(1);
    expect(comparable(spark)).toEqual(comparable(duck));
    expect(await lakeRows(sparkLake)).toEqual(await lakeRows(duckLake));
  }, 300_000);

  it('recovers from a prepare killed between its parts and its commit, to the lake of one clean run', async () => {
    copyFileSync(join(all, '2019-08-26.txt'), join(raw, '2019-08-26.txt'));
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), 'prepare', '--raw', raw, '--lake', sparkLake, '--engine', sparkTestUri(), '--json'], {
        cwd: ROOT,
        env: { ...process.env, FRAUDOPS_FAILPOINTS: 'prepare.after-parts' },
        stdio: 'ignore',
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).not.toBe(0);
    const store = await openStore(sparkLake);
    try {
      // The killed run left its parts behind, and no commit names them.
      const leftovers = (await store.list('transactions/')).filter((o) => o.key.includes('part-0000000005'));
      expect(leftovers.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
    const [duck, spark] = [await prepareDuck(), await prepareSpark()];
    expect(comparable(spark)).toEqual(comparable(duck));
    expect(await lakeRows(sparkLake)).toEqual(await lakeRows(duckLake));
    // Five raw files, five commits, five Delta versions on both lakes (the killed run's version was never written).
    expect(readdirSync(join(duckLake, '_delta_log'))).toHaveLength(5);
    const sparkStore = await openStore(sparkLake);
    try {
      expect((await sparkStore.list('_delta_log/')).map((o) => o.key.slice('_delta_log/'.length))).toEqual(readdirSync(join(duckLake, '_delta_log')).sort());
    } finally {
      await sparkStore.close();
    }
  }, 300_000);

  it('builds the same features on Spark from the S3 lake as DuckDB from its lake, equal to 1e-9', async () => {
    const range = { from: '2019-08-22', to: '2019-08-26' };
    const duck = await buildFeatures({ lake: duckLake, out: join(dir, 'features-duck'), ...range, workDir: dir });
    const spark = await buildFeatures({ lake: sparkLake, out: `s3://${bucket}/features`, engine: sparkTestUri(), ...range, workDir: dir });
    expect(spark.rows).toBe(duck.rows);
    expect(spark.days).toEqual(duck.days);
    const [a, b] = [await featureRows(join(dir, 'features-duck')), await featureRows(`s3://${bucket}/features`)];
    expect(a.size).toBe(duck.rows);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    let compared = 0;
    for (const [id, row] of a) {
      const other = b.get(id)!;
      expect(Object.keys(other).sort()).toEqual(Object.keys(row).sort());
      for (const [k, v] of Object.entries(row)) {
        if (typeof v === 'number') expect(Math.abs(v - (other[k] as number)), `${id}.${k}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
        else expect(other[k], `${id}.${k}`).toEqual(v);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  }, 300_000);
});

describe('prepare > spark > raw files read by Spark itself', () => {
  it('classifies line-level defects like the normalizer: CRLF, last lines without newline, long lines, bytes that are not text, gzip', async () => {
    const edge = mkdtempSync(join(tmpdir(), 'fraudops-prepare-spark-edge-'));
    const rawDir = join(edge, 'raw');
    mkdirSync(rawDir);
    const good = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ id: base + i }));
    try {
      writeFileSync(join(rawDir, '2019-08-22.txt'), courseFile([...good(20, 1000), { id: 7, amount: '1e3' }, '', { id: 8, customer: '"9"' }], { eol: '\r\n' }));
      writeFileSync(join(rawDir, '2019-08-23.txt'), courseFile(good(20, 2000)) + rawLine({ id: 3000 }).slice(0, 20));
      writeFileSync(join(rawDir, '2019-08-24.txt'), `${courseFile([...good(20, 4000), 'x'.repeat(70_000)])}\n`);
      writeFileSync(join(rawDir, '2019-08-25.txt.gz'), gzipSync(`${courseFile(good(30, 5000))}1,2`));
      writeFileSync(join(rawDir, '2019-08-26.txt'), '');
      writeFileSync(join(rawDir, '2019-08-27.txt'), 'a,b,c\n1,2,3\n');
      writeFileSync(join(rawDir, '2019-08-28.txt'), courseFile([]));
      const notText = Buffer.concat([Buffer.from('1,'), Buffer.alloc(80, 0xc3), Buffer.from('\n\t1,2,3,4,5,6,7,8,9\n')]);
      writeFileSync(join(rawDir, '2019-08-29.txt'), Buffer.concat([Buffer.from(courseFile(good(20, 6000))), notText]));
      writeFileSync(join(rawDir, '2019-08-30.txt.gz'), 'not gzip at all');
      // gzip under a name without .gz: Spark cannot read it as text, so its rows go through the client.
      writeFileSync(join(rawDir, '2019-08-31.txt'), gzipSync(courseFile(good(5, 7000))));
      const duck = await prepare({ raw: rawDir, lake: join(edge, 'lake-duck'), workDir: edge });
      const spark = await prepare({ raw: rawDir, lake: `s3://${bucket}/edge-lake`, engine: sparkTestUri(), workDir: edge });
      const codes = (r: QualityReport) => r.errors.map((e) => [e.file, e.code, e.line]);
      expect(codes(spark)).toEqual(codes(duck));
      expect(codes(duck).map((c) => c[1])).toEqual(['INPUT_EMPTY', 'INPUT_BAD_HEADER', 'INPUT_BAD_GZIP']);
      const withoutMessages = (r: QualityReport) => ({ ...(comparable(r) as object), errors: codes(r) });
      expect(withoutMessages(spark)).toEqual(withoutMessages(duck));
      expect(duck.quarantined.truncated_line).toBe(2);
      expect(duck.quarantined.line_too_long).toBe(1);
      expect(duck.quarantined.not_text).toBe(2);
      expect(await lakeRows(`s3://${bucket}/edge-lake`)).toEqual(await lakeRows(join(edge, 'lake-duck')));
      expect(await quarantine(`s3://${bucket}/edge-lake`)).toEqual(await quarantine(join(edge, 'lake-duck')));
    } finally {
      rmSync(edge, { recursive: true, force: true });
    }
  }, 400_000);
});
