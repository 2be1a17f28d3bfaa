/**
 * Feature building over the lake: picks the committed parts a date range needs (plus the windows' history),
 * checks that no day is missing, and runs the spec's SQL. `buildFeatures` writes feature Parquet;
 * `createFeatureTable` leaves the result in the engine for dataset assembly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FraudopsError, LakeError } from '../errors.js';
import { engineFactory } from '../engine/openEngine.js';
import { holdStore, stageProgress, withContext, type StageContext } from '../stage/StageContext.js';
import { sqlString, type EngineFactory, type SqlEngine, type WrittenObject } from '../engine/SqlEngine.js';
import { committedParts } from '../lake/readLake.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { addDays, daysBetween } from '../util/dates.js';
import { sampleHashSql } from '../engine/sampleHash.js';
import { featureSelectSql, terminalValuesSql, type FeatureDays } from './featureSql.js';
import { reportWarning, type StageWarning } from '../stage/warnings.js';
import { DEFAULT_FEATURE_SPEC, historyDays, validateSpec, type FeatureSpec } from './spec.js';
import { sizeBytes } from '../config/parseValue.js';
import type { CommitPart } from '../lake/CommitLog.js';
import { canScan, writeScannedFeatures } from './scan/writeScannedFeatures.js';
import { ScanUnsupported } from './scan/FeatureScan.js';

export interface FeatureTableOptions {
  lake: ObjectStore;
  from: string;
  to: string;
  spec?: FeatureSpec;
  signal?: AbortSignal;
}

/**
 * Keeps only some rows of the feature table: given `rows`, a SQL relation over the lake rows of the range with
 * columns transaction_id, customer_id, tx_fraud and day ('YYYY-MM-DD'), returns a predicate over those same
 * columns of the feature rows (or undefined: every row). The caller can count and plan on `rows` first; the
 * features themselves are computed over every row of the range and its history either way.
 */
export type FeatureRowFilter = (rows: string) => Promise<string | undefined>;

export interface FeatureTableInfo {
  rows: number;
  days: string[];
  /** First day of the lake, when history before `from` was cut short by the lake's start. */
  lakeStart?: string;
}

/**
 * The feature rows of days [from, to] as one SQL query (the spec's columns plus ids, label and day, ordered by
 * time then id), after checking that the lake holds every day the windows reach back to.
 */
async function featureQuery(
  engine: SqlEngine,
  o: FeatureTableOptions & { where?: FeatureRowFilter },
): Promise<{ sql: string; source: string; spec: FeatureSpec; parts: CommitPart[]; lakeRows: number; info: Omit<FeatureTableInfo, 'rows'> }> {
  const spec = o.spec ?? DEFAULT_FEATURE_SPEC;
  validateSpec(spec);
  if (o.from > o.to) throw new FraudopsError('EMPTY_WINDOW', `empty date range: ${o.from} is after ${o.to}`, { context: { from: o.from, to: o.to } });
  const historyFrom = addDays(o.from, -historyDays(spec));
  const { log, parts } = await committedParts(o.lake, { days: { from: historyFrom, to: o.to }, signal: o.signal });
  const present = new Set(parts.map((p) => p.day));
  const lakeStart = log
    .parts()
    .map((p) => p.day)
    .filter((d) => d <= o.to)
    .sort()[0];
  const needed = daysBetween(lakeStart !== undefined && lakeStart > historyFrom ? lakeStart : historyFrom, o.to);
  const missing = needed.filter((d) => !present.has(d));
  if (lakeStart === undefined || present.size === 0 || missing.length > 0) {
    const list = lakeStart === undefined ? needed : missing;
    throw new LakeError(
      'LAKE_MISSING_DAYS',
      `${o.lake.uri}: no data for ${list.length} day(s) needed for features ${o.from}..${o.to}: ${summarize(list)}`,
      { context: { uri: o.lake.uri, from: o.from, to: o.to, missing: list.length } },
    );
  }
  const lakeRows = await engine.readParquet(o.lake, parts.map((p) => p.key), o.signal);
  const source = `SELECT transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud, tx_fraud_scenario FROM ${lakeRows}`;
  o.signal?.throwIfAborted();
  const inRangeRows = `SELECT * FROM (${source}) WHERE ${engine.dialect.formatDay('tx_datetime')} BETWEEN ${sqlString(o.from)} AND ${sqlString(o.to)}`;
  const keep = o.where
    ? await o.where(`SELECT transaction_id, customer_id, tx_fraud, ${engine.dialect.formatDay('tx_datetime')} AS day FROM (${inRangeRows}) AS in_range`)
    : undefined;
  o.signal?.throwIfAborted();
  return {
    sql: featureSelectSql(engine.dialect, source, spec, { from: o.from, to: o.to }, keep),
    source,
    spec,
    parts,
    // The commit log's row count of each day's parts: what prepare committed, so no second pass over the rows.
    lakeRows: parts.filter((p) => p.day >= o.from && p.day <= o.to).reduce((n, p) => n + p.rows, 0),
    info: { days: daysBetween(o.from, o.to), lakeStart: lakeStart > historyFrom ? lakeStart : undefined },
  };
}

/**
 * Creates the temp table `features` (the spec's columns plus ids, label and day) for days [from, to], only the
 * rows `where` keeps when it is given (`rows` then counts those).
 */
export async function createFeatureTable(engine: SqlEngine, o: FeatureTableOptions & { where?: FeatureRowFilter }): Promise<FeatureTableInfo> {
  const { sql, info } = await featureQuery(engine, o);
  await engine.run(`CREATE OR REPLACE TEMP TABLE features AS ${sql}`);
  const [c] = await engine.query<{ n: bigint }>('SELECT count(*) AS n FROM features');
  return { rows: Number(c.n), ...info };
}

function summarize(days: string[]): string {
  return days.length <= 6 ? days.join(', ') : `${days.slice(0, 3).join(', ')}, …, ${days.slice(-2).join(', ')}`;
}

export interface BuildFeaturesOptions {
  lake: string;
  out: string;
  from: string;
  to: string;
  spec?: FeatureSpec;
  workDir?: string;
  memoryLimit?: string;
  /** Engine URI (`duckdb:` default); ignored when `engines` is given. */
  engine?: string;
  engines?: EngineFactory;
  /**
   * How many buckets of customers the lake is split into, each built on its own (`writeFeatures`); default 1. On
   * the 20M-row bench lake, 3 and 6 buckets took about 30% more CPU than one query and did not keep peak RSS under
   * the cap more reliably (docs/features.md), so splitting is not the default.
   */
  customerBuckets?: number;
  /**
   * How the features are computed: `scan` (default where the engine runs in this process: one pass over the rows in
   * time order, scan/FeatureScan.ts) or `sql` (window SQL, featureSql.ts; every engine). Both give the same files bit
   * for bit. Default from FRAUDOPS_FEATURES_IMPL, else `scan`; customer buckets are SQL's.
   */
  implementation?: FeatureImplementation;
  /** Whether the scan runs on worker threads of its own (customer and terminal features); default from a million lake rows (`SCAN_THREAD_ROWS`). */
  scanThread?: boolean;
  signal?: AbortSignal;
  /** Called once per warning as soon as it is known (the result lists them too). */
  onWarning?: (warning: StageWarning) => void;
}

export interface BuildFeaturesResult {
  out: string;
  rows: number;
  days: string[];
  files: string[];
  /** HISTORY_CUT_SHORT when the lake starts after the history the first days' windows reach back to. */
  warnings: StageWarning[];
  durationMs: number;
  rowsPerSecond: number;
  /** How the features were computed (`scan` falls back to `sql` for rows it cannot take exactly). */
  implementation: FeatureImplementation;
}

/**
 * Writes feature Parquet (zstd at level −1, partitioned by day) for [from, to] under `out`: `day=D/features-data_<b>.parquet`,
 * one file per customer bucket `b` (see `customerBuckets`). Rows leave the engine sorted by (time, transaction id),
 * but DuckDB's partitioned writer interleaves its threads' batches, so a file is in that order only in runs: readers
 * that need the order sort (as they did before buckets).
 */
export async function buildFeatures(o: BuildFeaturesOptions, ctx?: StageContext): Promise<BuildFeaturesResult> {
  o = withContext(o, ctx);
  const started = Date.now();
  const heldLake = await holdStore(ctx, o.lake);
  const heldOut = await holdStore(ctx, o.out).catch(async (e: unknown) => {
    await heldLake.release();
    throw e;
  });
  const lake = heldLake.value;
  const out = heldOut.value;
  const work = mkdtempSync(join(o.workDir ?? tmpdir(), 'fraudops-features-'));
  try {
    const engine = await (o.engines ?? engineFactory(o.engine))({ workDir: join(work, 'engine'), memoryLimit: engineMemoryLimit(o.memoryLimit ?? '4GB'), signal: o.signal });
    try {
      const progress = stageProgress(ctx, 'features');
      progress(`building features ${o.from}..${o.to}`);
      // Straight from the query to Parquet (per customer bucket, with the terminal values of every row kept in one
      // table): the rows are sorted once, on their way out (sorted runs compress better).
      const query = await featureQuery(engine, { lake, from: o.from, to: o.to, spec: o.spec, signal: o.signal });
      const { lakeRows, info } = query;
      const warnings: StageWarning[] = [];
      if (info.lakeStart !== undefined) {
        warnings.push({
          code: 'HISTORY_CUT_SHORT',
          message: `features from ${o.from} reach back to ${addDays(o.from, -historyDays(o.spec ?? DEFAULT_FEATURE_SPEC))}, but the lake starts on ${info.lakeStart}: windowed features of the first days are built on a shorter history than their windows say`,
        });
      }
      for (const w of warnings) reportWarning('features', w, o.onWarning, ctx);
      // One feature row per lake row of the range (windows never drop a row), so the lake's rows are the count.
      const rows = lakeRows;
      progress(`writing ${rows.toLocaleString('en-US')} rows to ${out.uri}`);
      const buckets = o.customerBuckets ?? 1;
      let written: WrittenObject[] | undefined;
      let implementation: FeatureImplementation = 'sql';
      if (featureImplementation(o.implementation) === 'scan' && buckets <= 1 && canScan(engine)) {
        try {
          const scanned = await writeScannedFeatures(engine, {
            lake,
            out,
            parts: query.parts,
            from: o.from,
            to: o.to,
            spec: query.spec,
            keyFor: featureFileKey(0),
            thread: o.scanThread,
            signal: o.signal,
            onDay: (day) => progress(`day ${day} written`),
          });
          if (scanned.rows !== lakeRows) {
            throw new FraudopsError('FEATURES_ROWS_MISMATCH', `features: ${scanned.rows} rows written for ${lakeRows} lake rows of ${o.from}..${o.to}`, {
              context: { from: o.from, to: o.to, written: scanned.rows, lakeRows },
            });
          }
          written = scanned.written;
          implementation = 'scan';
        } catch (e) {
          if (!(e instanceof ScanUnsupported)) throw e;
          progress(`the rows need window SQL (${e.message})`);
        }
      }
      written ??= await writeFeatures(engine, out, query, { from: o.from, to: o.to }, buckets, o.signal, (b) =>
        progress(`customer bucket ${b + 1} of ${buckets} written`),
      );
      await removeStaleFiles(out, info.days, new Set(written.map((w) => w.key)), o.signal);
      const files = written.map((w) => w.key);
      const durationMs = Date.now() - started;
      return { out: out.uri, rows, days: info.days, files, warnings, durationMs, rowsPerSecond: rows / Math.max(durationMs / 1000, 1e-3), implementation };
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    await heldLake.release();
    await heldOut.release();
  }
}

export type FeatureImplementation = 'scan' | 'sql';

/** The object key of a day's feature file written by customer bucket `bucket` (0 without buckets). */
function featureFileKey(bucket: number): (day: string, index: number) => string {
  return (day, index) => `day=${day}/features-data_${bucket}${index > 0 ? `_${index}` : ''}.parquet`;
}

/** The implementation asked for: the option, else FRAUDOPS_FEATURES_IMPL, else `scan`. */
export function featureImplementation(asked?: string): FeatureImplementation {
  const value = asked ?? process.env.FRAUDOPS_FEATURES_IMPL ?? 'scan';
  if (value !== 'scan' && value !== 'sql') {
    throw new FraudopsError('BAD_OPTION', `feature implementation must be scan or sql: ${value}`, { context: { implementation: value } });
  }
  return value;
}

/**
 * zstd level of the feature files. Three quarters of their bytes are the amount-ratio columns (doubles with random
 * low bits, 17% smaller at level 1), where compression buys little. Level −1, zstd's first fast mode, wrote the
 * 2,006,740 feature rows of the 2M-row bench lake with 10% less CPU (1.64 s against 1.83 s on one thread, the least
 * of five runs each; 8% fewer instructions) for files 1.9% larger (110.2 MB against 108.1 MB). Snappy and LZ4 took
 * 1.57–1.58 s for files 26% larger. docs/features.md.
 */
const FEATURE_ZSTD_LEVEL = -1;

/** Seed of the hash that assigns customers to buckets (any fixed value: buckets only split the work). */
const BUCKET_SEED = 14;

/**
 * The share of the memory cap given to DuckDB's own limit. That limit covers its buffer manager only; the Parquet
 * writers, per-thread state and this process's heap come on top: on the 20M-row bench lake peak RSS was 4.05 GiB
 * with DuckDB's limit at the whole 4 GB cap (3.73 GiB).
 */
const ENGINE_SHARE = 0.8;

/** The engine's memory limit for a cap such as `4GB`: `ENGINE_SHARE` of it, in MB. */
export function engineMemoryLimit(cap: string): string {
  return `${Math.floor((capBytes(cap) * ENGINE_SHARE) / 1e6)}MB`;
}

function capBytes(size: string): number {
  const bytes = sizeBytes(size);
  if (bytes === undefined) throw new FraudopsError('BAD_SIZE', `not a size such as 512MB or 4GB: ${size}`, { context: { size } });
  return bytes;
}

/**
 * Writes the feature rows of `days`. With one bucket, the feature query of the whole lake. With more, the terminal
 * windows once over every row (they need every customer's transactions at a terminal) into a temp table, then per
 * bucket of customers (a seeded hash of the id) the customer windows over that bucket's rows, joined with their
 * terminal values: the same rows and values, each bucket's rows in their own file per day.
 */
async function writeFeatures(
  engine: SqlEngine,
  out: ObjectStore,
  query: { sql: string; source: string; spec: FeatureSpec },
  days: FeatureDays,
  buckets: number,
  signal: AbortSignal | undefined,
  onBucket: (bucket: number) => void,
): Promise<WrittenObject[]> {
  const write = (sql: string, bucket: number) =>
    engine.writePartitionedParquet(sql, {
      store: out,
      partitionBy: 'day',
      compressionLevel: FEATURE_ZSTD_LEVEL,
      keyFor: featureFileKey(bucket),
      signal,
    });
  if (buckets <= 1) return write(query.sql, 0);
  const table = 'feature_terminal_values';
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${terminalValuesSql(engine.dialect, query.source, query.spec, days)}`);
  try {
    const written: WrittenObject[] = [];
    for (let b = 0; b < buckets; b++) {
      signal?.throwIfAborted();
      const inBucket = `${sampleHashSql('customer_id', BUCKET_SEED)} % ${buckets} = ${b}`;
      const sql = featureSelectSql(engine.dialect, `SELECT * FROM (${query.source}) AS lake_rows WHERE ${inBucket}`, query.spec, days, undefined, `SELECT * FROM ${table} WHERE ${inBucket}`);
      written.push(...(await write(sql, b)));
      onBucket(b);
    }
    return written;
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** Feature files of `days` left by an earlier run that this one did not write (it had more buckets): removed. */
async function removeStaleFiles(out: ObjectStore, days: string[], written: Set<string>, signal?: AbortSignal): Promise<void> {
  const stale: string[] = [];
  for (const day of days) {
    for (const o of await out.list(`day=${day}/`, signal)) {
      if (/\/features-data_[^/]*\.parquet$/.test(o.key) && !written.has(o.key)) stale.push(o.key);
    }
  }
  if (stale.length > 0) await out.delete(stale, signal);
}
