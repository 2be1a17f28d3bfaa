/**
 * Feature Parquet through the feature scan (FeatureScan.ts) instead of window SQL: the lake's days are read one at a
 * time in (time, transaction id) order, from the first day of history to the last asked day, each day's rows go
 * through the scan, and each asked day's rows and features are written as that day's file, with the same name,
 * columns and types as the SQL path's. The files are encoded here (`parquet/writeParquet.ts`: dictionary, delta and
 * plain pages, no codec), at a fraction of the engine's cost for the same columns.
 * Three days are in flight at once: day N + 1 is read (on a second engine session) while day N is scanned (on a
 * two worker threads from a million rows, `dayScanner.ts`) and day N − 1 encoded and stored. Memory holds the scan's
 * windows and a few days of rows, whatever the lake's length.
 */
import { FraudopsError } from '../../errors.js';
import type { CommitPart } from '../../lake/CommitLog.js';
import type { ColumnChunk, SqlEngine, WrittenObject } from '../../engine/SqlEngine.js';
import type { ObjectStore } from '../../storage/ObjectStore.js';
import { scanRowsSql } from '../featureSql.js';
import type { FeatureSpec } from '../spec.js';
import { dayStartSeconds } from '../../util/dates.js';
import { writeParquet, type ParquetColumn } from '../../parquet/writeParquet.js';
import { ColumnPool } from './columnPool.js';
import { deriveIntegers, joinRows, OrderScratch, SCAN_COLUMNS, scanOrder, ScanUnsupported, type FeatureArray } from './FeatureScan.js';
import { inlineScanner, threadScanner, type DayScanner } from './dayScanner.js';

export interface ScanPlan {
  lake: ObjectStore;
  out: ObjectStore;
  /** The committed parts from the first day of history to `to`. */
  parts: readonly CommitPart[];
  from: string;
  to: string;
  spec: FeatureSpec;
  /** The object key of a day's file (the SQL path's names). */
  keyFor: (day: string, index: number) => string;
  /** Whether the scan runs on worker threads; default: from `SCAN_THREAD_ROWS` rows of parts. */
  thread?: boolean;
  signal?: AbortSignal;
  onDay?: (day: string) => void;
}

/**
 * Rows from which the scan gets a thread of its own. Below, its start-up (about 50 ms, and a cold JIT) is more than
 * it saves.
 */
export const SCAN_THREAD_ROWS = 1_000_000;

/** Whether an engine can run the scan (it reads and appends typed columns in this process). */
export function canScan(engine: SqlEngine): boolean {
  return engine.queryTypedChunks !== undefined;
}

/** The columns read when the scan works out `t` and `cents` itself: the first seven of SCAN_COLUMNS. */
const WITHOUT_INTEGERS = SCAN_COLUMNS.indexOf('t');

/** Columns carried from the lake to the feature files, as the scan reads them (BIGINT, TIMESTAMP). */
const CARRIED = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_fraud', 'tx_fraud_scenario'] as const;

/**
 * Writes the feature files of days [from, to]; returns them and the feature rows written. ScanUnsupported when the
 * rows hold what the scan cannot take exactly (the caller then writes every day with SQL, over these files).
 */
export async function writeScannedFeatures(engine: SqlEngine, p: ScanPlan): Promise<{ written: WrittenObject[]; rows: number }> {
  if (!canScan(engine)) throw new ScanUnsupported(`engine ${engine.name} cannot read typed columns`);
  const byDay = new Map<string, string[]>();
  for (const part of p.parts) {
    const keys = byDay.get(part.day);
    if (keys) keys.push(part.key);
    else byDay.set(part.day, [part.key]);
  }
  const days = [...byDay.keys()].sort();
  if (days.length === 0) return { written: [], rows: 0 };
  const types = await sourceTypes(engine, await engine.readParquet(p.lake, p.parts.map((x) => x.key), p.signal));
  const fileColumns = carriedFileColumns(types);
  // Where the scan can work out `t` and `cents` as the SQL does (from a TIMESTAMP and a DOUBLE), the engine reads
  // seven columns instead of nine, without their expressions.
  const derive = types.tx_datetime === 'TIMESTAMP' && types.tx_amount === 'DOUBLE';
  const origin = dayStartSeconds(days[0]);
  const thread = p.thread ?? p.parts.reduce((n, part) => n + part.rows, 0) >= SCAN_THREAD_ROWS;
  const reader = (await engine.openSession?.()) ?? engine;
  let scanner: DayScanner;
  try {
    scanner = thread ? threadScanner(p.spec, origin) : inlineScanner(p.spec, origin);
  } catch (e) {
    if (reader !== engine) await reader.close();
    throw e;
  }
  let pending: Promise<WrittenObject[]> | undefined;
  const written: WrittenObject[] = [];
  let rows = 0;
  // The arrays of a day's rows, taken for each day read and given back once its file is encoded.
  const dayPool = new ColumnPool(
    SCAN_COLUMNS.map((c) => (c === 'tx_amount' ? Float64Array : BigInt64Array)),
    thread,
  );
  let fileBuffer: Uint8Array | undefined;
  // The merge's arrays, like the file's buffer, kept from one day to the next.
  const orderScratch = new OrderScratch();
  /** The day's file encoded and its write started, once the previous day's is written. */
  const write = async (day: string, dayRows: ColumnChunk, scanned: Promise<FeatureArray[] | undefined>): Promise<void> => {
    const features = await scanned;
    if (features === undefined) return dayPool.give(dayRows.columns as ArrayBufferView[]);
    p.signal?.throwIfAborted();
    if (pending !== undefined) written.push(...(await pending));
    pending = undefined;
    rows += dayRows.rowCount;
    const key = p.keyFor(day, 0);
    const carried = fileColumns.map((column, i) => ({ ...column, values: dayRows.columns[i] as BigInt64Array }));
    // One buffer for every day's file (the previous file is stored by now), so its memory is not new each day.
    const columns = [...carried, ...scanner.names.map((name, i) => ({ name, type: 'DOUBLE' as const, values: features[i] }))];
    const file = writeParquet(columns, { buffer: fileBuffer });
    fileBuffer = new Uint8Array(file.buffer, file.byteOffset);
    scanner.recycle(features);
    dayPool.give(dayRows.columns as ArrayBufferView[]);
    pending = p.out.write(key, file, { signal: p.signal }).then(() => [{ key, partition: day }]);
    p.onDay?.(day);
  };
  try {
    /**
     * A day's chunks (the first `width` of SCAN_COLUMNS) merged into scan order by `time`, into one chunk of arrays
     * from the pool; undefined when they are too far from that order (more runs than are merged here).
     */
    const merged = (chunks: ColumnChunk[], day: string, time: 't' | 'tx_datetime', width: number): ColumnChunk | undefined => {
      const order = scanOrder(chunks, dayStartSeconds(day), time, orderScratch);
      if (order === 'far') return undefined;
      const rowCount = chunks.reduce((n, c) => n + c.rowCount, 0);
      const into = dayPool.take(rowCount);
      const scratch = order === undefined ? undefined : dayPool.take(rowCount);
      joinRows(chunks, into.slice(0, width), order, scratch?.slice(0, width));
      if (scratch !== undefined) dayPool.give(scratch);
      return { rowCount, columns: into };
    };
    /** A day's rows in scan order, in one chunk of arrays from the pool. */
    const read = async (day: string): Promise<ColumnChunk> => {
      const source = `SELECT * FROM ${await reader.readParquet(p.lake, byDay.get(day)!, p.signal)}`;
      if (derive) {
        const rows = merged(await reader.queryTypedChunks!(scanRowsSql(reader.dialect, source, false, false)), day, 'tx_datetime', WITHOUT_INTEGERS);
        if (rows !== undefined && deriveIntegers(rows)) return rows;
        // A time between seconds, or cents past 2^53 (or rows far from scan order): the engine's own integers, as below.
        if (rows !== undefined) dayPool.give(rows.columns as ArrayBufferView[]);
      }
      const chunks = await reader.queryTypedChunks!(scanRowsSql(reader.dialect, source));
      // A few sorted runs (row groups written out of order, a day's late parts) are merged here; more, by the engine.
      const rows = merged(chunks, day, 't', SCAN_COLUMNS.length);
      if (rows !== undefined) return rows;
      const sorted = await reader.queryTypedChunks!(scanRowsSql(reader.dialect, source, true));
      if (scanOrder(sorted, dayStartSeconds(day)) !== undefined) throw new ScanUnsupported(`day ${day} is not in order once sorted`);
      return joinRows(sorted, dayPool.take(chunks.reduce((n, c) => n + c.rowCount, 0)));
    };
    // Day N + 1 is read while day N is scanned and day N − 1 is encoded and stored (once day N − 2's file is).
    let next: Promise<ColumnChunk> | undefined = read(days[0]);
    let previous: { day: string; rows: ColumnChunk; scanned: Promise<FeatureArray[] | undefined> } | undefined;
    for (let i = 0; i < days.length; i++) {
      const day = days[i];
      const dayRows = await next!;
      next = i + 1 < days.length ? read(days[i + 1]) : undefined;
      // A read not awaited yet must not fail unobserved when this day fails.
      next?.catch(() => undefined);
      p.signal?.throwIfAborted();
      const scanned = scanner.day(dayRows, day >= p.from && day <= p.to);
      if (previous !== undefined) await write(previous.day, previous.rows, previous.scanned);
      previous = { day, rows: dayRows, scanned };
    }
    if (previous !== undefined) await write(previous.day, previous.rows, previous.scanned);
    if (pending !== undefined) written.push(...(await pending));
    pending = undefined;
    return { written, rows };
  } finally {
    // A write still running when a day failed finishes before the engine is closed under it.
    await pending?.catch(() => undefined);
    await scanner.close();
    if (reader !== engine) await reader.close();
  }
}

/** The Parquet types of the lake's SQL types that the feature files are written in. */
const FILE_TYPES: Record<string, Pick<Extract<ParquetColumn, { type: 'INT64' | 'INT32' }>, 'type' | 'annotation'>> = {
  BIGINT: { type: 'INT64', annotation: 'INT_64' },
  INTEGER: { type: 'INT32', annotation: 'INT_32' },
  SMALLINT: { type: 'INT32', annotation: 'INT_16' },
  TINYINT: { type: 'INT32', annotation: 'INT_8' },
  TIMESTAMP: { type: 'INT64', annotation: 'TIMESTAMP_MICROS' },
};

/** The carried columns with the types the SQL path's files give them; ScanUnsupported for other lake types. */
function carriedFileColumns(types: Record<string, string>): { name: string; type: 'INT64' | 'INT32'; annotation?: 'TIMESTAMP_MICROS' | 'INT_8' | 'INT_16' | 'INT_32' | 'INT_64' }[] {
  return CARRIED.map((name) => {
    const type = name === 'tx_fraud' ? 'INTEGER' : types[name];
    const file = FILE_TYPES[type];
    if (file === undefined) throw new ScanUnsupported(`the lake's ${name} is ${type}, which the feature files here are not written in`);
    return { name, ...file };
  });
}

/** The SQL types of the carried columns in the lake, which the files keep (as the SQL path's do). */
async function sourceTypes(engine: SqlEngine, source: string): Promise<Record<string, string>> {
  const described = await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT ${CARRIED.join(', ')}, tx_amount FROM ${source}`);
  const types = Object.fromEntries(described.map((d) => [d.column_name, d.column_type]));
  for (const c of CARRIED) {
    if (types[c] === undefined) throw new FraudopsError('ENGINE_FAILED', `the lake has no column ${c}`, { context: { column: c } });
  }
  return types;
}
