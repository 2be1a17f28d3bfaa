/**
 * The feature scan a day at a time, in this thread (`inlineScanner`) or on a worker thread (`threadScanner`), behind
 * one interface: the caller hands over each day's rows in order and gets back, per day and in the same order, the
 * day's feature columns. On a worker the scan of day N + 1 runs while this thread hands day N's features to the
 * engine, so the scan and the hand-off to the engine no longer take turns on one core. Both return the same values: the
 * same FeatureScan runs on the same rows in the same order.
 *
 * A day's feature columns are the caller's until it gives them back (`recycle`) for a later day to fill, so memory
 * holds a few days' columns, not one set per day. On a worker, the rows of a day are moved there and back with its
 * features (never copied, never shared); a ScanUnsupported there comes back as a ScanUnsupported here (the caller
 * falls back to SQL), any other failure as a FraudopsError, and a worker that dies fails every pending day.
 */
import type { Worker } from 'node:worker_threads';
import type { ColumnChunk } from '../../engine/SqlEngine.js';
import { FraudopsError } from '../../errors.js';
import { moduleWorker } from '../../util/moduleWorker.js';
import { featureNames, type FeatureSpec } from '../spec.js';
import { ColumnPool } from './columnPool.js';
import { FeatureScan, SCAN_COLUMNS, ScanUnsupported } from './FeatureScan.js';

export interface DayScanner {
  /** Feature names, in column order. */
  readonly names: string[];
  /**
   * Takes the day's rows (one chunk, columns `SCAN_COLUMNS`, in scan order, after every earlier day) into the scan;
   * resolves to the same rows (the caller's again: on a worker, the same memory moved back) and, with `features`, the
   * day's feature columns (each exactly the day's row count long). Until then the rows' arrays are the scanner's: on
   * a worker they are moved there, so each must be a view of an ArrayBuffer of its own.
   */
  day(rows: ColumnChunk, features: boolean): Promise<ScannedDay>;
  /** Gives back the feature columns of a day, for a later day to fill. */
  recycle(columns: Float64Array[]): void;
  close(): Promise<void>;
}

export interface ScannedDay {
  rows: ColumnChunk;
  features?: Float64Array[];
}

/** The scan in this thread; each day's scan runs before `day` returns. */
export function inlineScanner(spec: FeatureSpec, origin: number): DayScanner {
  const scan = new FeatureScan(spec, origin);
  const pool = featurePool(scan.names.length);
  return {
    names: scan.names,
    day: async (rows, features) => {
      const into = features ? (pool.take(rows.rowCount) as Float64Array[]) : undefined;
      scan.day([rows], into);
      return { rows, features: into };
    },
    recycle: (columns) => pool.give(columns),
    close: async () => undefined,
  };
}

export type ToScanWorker =
  | { op: 'start'; spec: FeatureSpec; origin: number }
  | { op: 'day'; rows: number; columns: readonly ArrayBufferView[]; into: Float64Array[] | undefined };

export type FromScanWorker =
  | { op: 'day'; rows: number; columns: readonly ArrayBufferView[]; features: Float64Array[] | undefined }
  | { op: 'error'; error: { name: string; message: string } };

/** The scan on a worker thread of its own, started here and ended by `close`. */
export function threadScanner(spec: FeatureSpec, origin: number): DayScanner {
  const names = featureNames(spec);
  const pool = featurePool(names.length);
  const waiting: { resolve(d: ScannedDay): void; reject(e: unknown): void }[] = [];
  let failure: unknown;
  const fail = (e: unknown) => {
    failure ??= e instanceof ScanUnsupported || e instanceof FraudopsError ? e : new FraudopsError('FEATURE_SCAN_FAILED', `features: the scan thread failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  const worker: Worker = moduleWorker(import.meta.url, 'scanWorker');
  let closed = false;
  worker.on('message', (m: FromScanWorker) => {
    if (m.op === 'error') return fail(m.error.name === 'ScanUnsupported' ? new ScanUnsupported(m.error.message) : new Error(m.error.message));
    waiting.shift()?.resolve({ rows: { rowCount: m.rows, columns: m.columns }, features: m.features });
  });
  worker.on('error', fail);
  worker.on('messageerror', fail);
  worker.on('exit', (code) => fail(new Error(closed ? 'the scan thread was closed' : `the scan thread exited with code ${code}`)));
  worker.postMessage({ op: 'start', spec, origin } satisfies ToScanWorker);
  return {
    names,
    day: (rows, features) => {
      const p = new Promise<ScannedDay>((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        if (rows.columns.length !== SCAN_COLUMNS.length || rows.columns.some((c) => c === null)) {
          return reject(new RangeError(`a day of ${rows.columns.length} columns, not ${SCAN_COLUMNS.length}`));
        }
        const columns = rows.columns as ArrayBufferView[];
        const into = features ? (pool.take(rows.rowCount) as Float64Array[]) : undefined;
        const transfer = [...columns, ...(into ?? [])].map((c) => c.buffer as ArrayBuffer);
        waiting.push({ resolve, reject });
        worker.postMessage({ op: 'day', rows: rows.rowCount, columns, into } satisfies ToScanWorker, transfer);
      });
      // Awaited in order by the caller, who may stop at an earlier day: never an unhandled rejection.
      p.catch(() => undefined);
      return p;
    },
    recycle: (columns) => pool.give(columns),
    close: async () => {
      closed = true;
      await worker.terminate();
    },
  };
}

function featurePool(width: number): ColumnPool {
  return new ColumnPool(Array.from({ length: width }, () => 'double' as const));
}
