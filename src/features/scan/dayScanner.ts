/**
 * The feature scan a day at a time, in this thread (`inlineScanner`) or on two worker threads (`threadScanner`: one
 * for the customer features, one for the terminal features), behind one interface: the caller hands over each day's
 * rows in order and gets back, per day and in the same order, the day's feature columns. On workers the scan of day
 * N + 1 runs while this thread encodes day N's file, and the scan's two halves, each waiting on memory at random
 * places of its own sums, run side by side. All return the same values: the same FeatureScan code runs on the same
 * rows in the same order.
 *
 * A day's feature columns are the caller's until it gives them back (`recycle`) for a later day to fill, so memory
 * holds a few days' columns, not one set per day. On worker threads, the rows and feature columns of a day are in
 * shared memory (never copied but once, for rows not there yet); a ScanUnsupported there comes back as a
 * ScanUnsupported here (the caller falls back to SQL), any other failure as a FraudopsError, and a worker that dies
 * fails every pending day.
 */
import type { Worker } from 'node:worker_threads';
import type { ColumnChunk } from '../../engine/SqlEngine.js';
import { FraudopsError } from '../../errors.js';
import { moduleWorker } from '../../util/moduleWorker.js';
import { featureNames, type FeatureSpec } from '../spec.js';
import { inShared } from '../../util/sharedMemory.js';
import { ColumnPool, type ColumnArray } from './columnPool.js';
import { FeatureScan, featureArrayTypes, SCAN_COLUMNS, ScanUnsupported, type FeatureArray, type ScanPart } from './FeatureScan.js';

export interface DayScanner {
  /** Feature names, in column order. */
  readonly names: string[];
  /**
   * Takes the day's rows (one chunk, columns `SCAN_COLUMNS`, in scan order, after every earlier day) into the scan;
   * with `features`, resolves to the day's feature columns (each exactly the day's row count long), else to
   * undefined. Until then the rows must not change.
   */
  day(rows: ColumnChunk, features: boolean): Promise<FeatureArray[] | undefined>;
  /** Gives back the feature columns of a day, for a later day to fill. */
  recycle(columns: FeatureArray[]): void;
  close(): Promise<void>;
}

/** The scan in this thread; each day's scan runs before `day` returns. */
export function inlineScanner(spec: FeatureSpec, origin: number): DayScanner {
  const scan = new FeatureScan(spec, origin);
  const pool = featurePool(spec);
  return {
    names: scan.names,
    day: async (rows, features) => {
      const into = features ? (pool.take(rows.rowCount) as FeatureArray[]) : undefined;
      scan.day([rows], into);
      return into;
    },
    recycle: (columns) => pool.give(columns),
    close: async () => undefined,
  };
}

export type ToScanWorker =
  | { op: 'start'; spec: FeatureSpec; origin: number; part: ScanPart }
  | { op: 'day'; rows: number; columns: readonly ArrayBufferView[]; into: FeatureArray[] | undefined };

export type FromScanWorker = { op: 'day' } | { op: 'error'; error: { name: string; message: string } };

/** The parts the threads of a `threadScanner` run, one thread each. */
const THREAD_PARTS: readonly ScanPart[] = ['customer', 'terminal'];

/**
 * The scan on two worker threads, started here and ended by `close`: one computes the customer features and one the
 * terminal features, from the same rows in shared memory, each into its own columns of the same shared arrays.
 */
export function threadScanner(spec: FeatureSpec, origin: number): DayScanner {
  const names = featureNames(spec);
  const pool = featurePool(spec, true);
  interface Pending {
    features: FeatureArray[] | undefined;
    left: number;
    resolve(features: FeatureArray[] | undefined): void;
    reject(e: unknown): void;
  }
  const queues: Pending[][] = THREAD_PARTS.map(() => []);
  let failure: unknown;
  const fail = (e: unknown) => {
    failure ??= e instanceof ScanUnsupported || e instanceof FraudopsError ? e : new FraudopsError('FEATURE_SCAN_FAILED', `features: the scan thread failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    for (const q of queues) for (const w of q.splice(0)) w.reject(failure);
  };
  let closed = false;
  const workers: Worker[] = THREAD_PARTS.map((part, w) => {
    const worker = moduleWorker(import.meta.url, 'scanWorker');
    worker.on('message', (m: FromScanWorker) => {
      if (m.op === 'error') return fail(m.error.name === 'ScanUnsupported' ? new ScanUnsupported(m.error.message) : new Error(m.error.message));
      const pending = queues[w].shift();
      if (pending !== undefined && --pending.left === 0) pending.resolve(pending.features);
    });
    worker.on('error', fail);
    worker.on('messageerror', fail);
    worker.on('exit', (code) => fail(new Error(closed ? 'the scan thread was closed' : `the scan thread exited with code ${code}`)));
    worker.postMessage({ op: 'start', spec, origin, part } satisfies ToScanWorker);
    return worker;
  });
  return {
    names,
    day: (rows, features) => {
      const p = new Promise<FeatureArray[] | undefined>((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        if (rows.columns.length !== SCAN_COLUMNS.length || rows.columns.some((c) => c === null)) {
          return reject(new RangeError(`a day of ${rows.columns.length} columns, not ${SCAN_COLUMNS.length}`));
        }
        // Rows not in shared memory yet are copied there, once for both threads.
        const columns = (rows.columns as ColumnArray[]).map(inShared);
        const into = features ? (pool.take(rows.rowCount) as FeatureArray[]) : undefined;
        const pending: Pending = { features: into, left: workers.length, resolve, reject };
        workers.forEach((worker, w) => {
          queues[w].push(pending);
          worker.postMessage({ op: 'day', rows: rows.rowCount, columns, into } satisfies ToScanWorker);
        });
      });
      // Awaited in order by the caller, who may stop at an earlier day: never an unhandled rejection.
      p.catch(() => undefined);
      return p;
    },
    recycle: (columns) => pool.give(columns),
    close: async () => {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function featurePool(spec: FeatureSpec, shared = false): ColumnPool {
  return new ColumnPool(featureArrayTypes(spec), shared);
}
