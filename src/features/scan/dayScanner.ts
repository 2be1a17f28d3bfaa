/**
 * The feature scan a day at a time, in this thread (`inlineScanner`) or on a worker thread (`threadScanner`), behind
 * one interface: the caller hands over each day's rows in order and gets back, per day and in the same order, the
 * day's feature columns. On a worker the scan of day N + 1 runs while this thread hands day N's features to the
 * engine, so the scan and the hand-off to the engine no longer take turns on one core. Both return the same values: the
 * same FeatureScan runs on the same rows in the same order.
 *
 * A day's feature columns are the caller's until it gives them back (`recycle`) for a later day to fill, so memory
 * holds a few days' columns, not one set per day. On a worker, the rows of a day are copied into one array per
 * column and moved there (never shared); a ScanUnsupported there comes back as a ScanUnsupported here (the caller
 * falls back to SQL), any other failure as a FraudopsError, and a worker that dies fails every pending day.
 */
import type { Worker } from 'node:worker_threads';
import type { ColumnChunk } from '../../engine/SqlEngine.js';
import { FraudopsError } from '../../errors.js';
import { moduleWorker } from '../../util/moduleWorker.js';
import { featureNames, type FeatureSpec } from '../spec.js';
import { FeatureScan, SCAN_COLUMNS, ScanUnsupported } from './FeatureScan.js';

export interface DayScanner {
  /** Feature names, in column order. */
  readonly names: string[];
  /**
   * Takes the day's rows (columns `SCAN_COLUMNS`, in scan order, after every earlier day) into the scan; with
   * `features`, resolves to the day's feature columns (each exactly the day's row count long), else to undefined.
   */
  day(chunks: readonly ColumnChunk[], features: boolean): Promise<Float64Array[] | undefined>;
  /** Gives back the columns of a day, for a later day to fill. */
  recycle(columns: Float64Array[]): void;
  close(): Promise<void>;
}

/** Arrays of a day's columns, for another day: the whole buffers behind the views handed out. */
class ColumnPool {
  private readonly free: Float64Array[][] = [];

  constructor(private readonly width: number) {}

  /** A set that holds `rows` rows, taken from the pool when one is long enough, else new (an eighth spare). */
  take(rows: number): Float64Array[] {
    const i = this.free.findIndex((set) => set[0].length >= rows);
    if (i >= 0) return this.free.splice(i, 1)[0];
    return Array.from({ length: this.width }, () => new Float64Array(rows + (rows >> 3)));
  }

  give(columns: Float64Array[]): void {
    if (columns.length === this.width) this.free.push(columns.map((c) => new Float64Array(c.buffer, 0, c.buffer.byteLength / 8)));
  }
}

/** The scan in this thread; each day's scan runs before `day` returns. */
export function inlineScanner(spec: FeatureSpec, origin: number): DayScanner {
  const scan = new FeatureScan(spec, origin);
  const pool = new ColumnPool(scan.names.length);
  return {
    names: scan.names,
    day: async (chunks, features) => {
      const rows = chunks.reduce((n, c) => n + c.rowCount, 0);
      const into = features ? pool.take(rows) : undefined;
      scan.day(chunks, into);
      return into?.map((c) => c.subarray(0, rows));
    },
    recycle: (columns) => pool.give(columns),
    close: async () => undefined,
  };
}

export type ToScanWorker =
  | { op: 'start'; spec: FeatureSpec; origin: number }
  | { op: 'day'; rows: number; columns: ArrayBufferView[]; into: Float64Array[] | undefined };

export type FromScanWorker =
  | { op: 'day'; columns: Float64Array[] | undefined }
  | { op: 'error'; error: { name: string; message: string } };

/** The scan on a worker thread of its own, started here and ended by `close`. */
export function threadScanner(spec: FeatureSpec, origin: number): DayScanner {
  const names = featureNames(spec);
  const pool = new ColumnPool(names.length);
  const waiting: { resolve(c: Float64Array[] | undefined): void; reject(e: unknown): void }[] = [];
  let failure: unknown;
  const fail = (e: unknown) => {
    failure ??= e instanceof ScanUnsupported || e instanceof FraudopsError ? e : new FraudopsError('FEATURE_SCAN_FAILED', `features: the scan thread failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  const worker: Worker = moduleWorker(import.meta.url, 'scanWorker');
  let closed = false;
  worker.on('message', (m: FromScanWorker) => {
    if (m.op === 'error') return fail(m.error.name === 'ScanUnsupported' ? new ScanUnsupported(m.error.message) : new Error(m.error.message));
    waiting.shift()?.resolve(m.columns);
  });
  worker.on('error', fail);
  worker.on('messageerror', fail);
  worker.on('exit', (code) => fail(new Error(closed ? 'the scan thread was closed' : `the scan thread exited with code ${code}`)));
  worker.postMessage({ op: 'start', spec, origin } satisfies ToScanWorker);
  return {
    names,
    day: (chunks, features) => {
      const p = new Promise<Float64Array[] | undefined>((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        const rows = chunks.reduce((n, c) => n + c.rowCount, 0);
        const columns = SCAN_COLUMNS.map((_, i) => concat(chunks, i, rows));
        const into = features ? pool.take(rows) : undefined;
        const transfer = [...columns, ...(into ?? [])].map((c) => c.buffer as ArrayBuffer);
        waiting.push({ resolve, reject });
        worker.postMessage({ op: 'day', rows, columns, into } satisfies ToScanWorker, transfer);
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

/** Column `i` of the chunks (8-byte values) in one new array of its type. */
function concat(chunks: readonly ColumnChunk[], i: number, rows: number): ArrayBufferView {
  type Column = { subarray(from: number, to: number): Column; set(from: Column, at: number): void };
  const first = chunks[0]?.columns[i] ?? new Float64Array(0);
  const out = new (first.constructor as new (n: number) => ArrayBufferView)(rows) as unknown as Column;
  let at = 0;
  for (const c of chunks) {
    out.set((c.columns[i] as unknown as Column).subarray(0, c.rowCount), at);
    at += c.rowCount;
  }
  return out as unknown as ArrayBufferView;
}
