/**
 * The spec's features computed in one pass over the lake's rows in (time, transaction id) order, a day at a time:
 * the third implementation of spec.ts beside the batch SQL (featureSql.ts) and the online state
 * (OnlineFeatures.ts), held to the SQL bit for bit by `buildFeatures.test.ts`. Each customer's and terminal's recent
 * rows sit in typed arrays (`KeyRuns`) with one cursor per window edge and running integer sums, so a row costs a
 * few cursor steps and no sort, segment tree or frame search; the state holds the windows' rows only.
 *
 * The integers are the SQL's own: `t` (epoch seconds) and `cents` are computed by the engine with the SQL's
 * expressions and read here, and every sum is of integers (exact in doubles below 2^53), so each feature is the same
 * IEEE-754 operation on the same integers as in SQL.
 */
import type { ColumnChunk } from '../../engine/SqlEngine.js';
import { featureNames, type FeatureSpec } from '../spec.js';
import { KeyRuns } from './KeyRuns.js';

const DAY = 86400;
const MICROS_PER_DAY = 86400e6;
const MICROS_PER_HOUR = 3600e6;
const TWO_32 = 4294967296;

/** Columns of the rows the scan reads, in this order (`scanColumnsSql`). */
export const SCAN_COLUMNS = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_fraud', 'tx_fraud_scenario', 'tx_amount', 't', 'cents'] as const;
const [TID, TS, CUSTOMER, TERMINAL, FRAUD, , AMOUNT, T, CENTS] = SCAN_COLUMNS.map((_, i) => i);

/** Rows the scan cannot take exactly (ids beyond 2^53, times far from the first day's): the caller uses SQL instead. */
export class ScanUnsupported extends Error {}

export class FeatureScan {
  readonly names: string[];
  private readonly customers: KeyRuns;
  private readonly terminals: KeyRuns;
  private readonly customerIndex = new KeyIndex();
  private readonly terminalIndex = new KeyIndex();
  private readonly customerLengths: number[];
  private readonly outlierLengths: number[];
  private readonly terminalLengths: number[];
  private readonly ratioIndex: number[];
  private readonly outlierBase: number;
  private readonly delay: number;
  private readonly winN: Float64Array;
  private readonly winS: Float64Array;

  /** `origin`: epoch seconds that times are held relative to (the first day read). */
  constructor(
    readonly spec: FeatureSpec,
    private readonly origin: number,
  ) {
    this.names = featureNames(spec);
    this.customerLengths = spec.customerWindowsDays.map((w) => w * DAY);
    this.outlierLengths = (spec.outlierWindowsDays ?? []).map((w) => w * DAY);
    this.terminalLengths = spec.terminalWindowsDays.map((w) => w * DAY);
    this.ratioIndex = spec.amountRatioWindowsDays.map((w) => spec.customerWindowsDays.indexOf(w));
    this.outlierBase = this.outlierLengths.length > 0 ? spec.customerWindowsDays.indexOf(spec.outlierBaseWindowDays!) : -1;
    this.delay = spec.delayDays * DAY;
    const c = this.customerLengths.length;
    const o = this.outlierLengths.length;
    // Customer cursors: one tail per window, the first entry not before this second (outliers), one tail per outlier window.
    this.customers = new KeyRuns(c + (o > 0 ? 1 + o : 0), 2 * c + o);
    // Terminal cursors: the first entry after t − delay, one tail per window.
    this.terminals = new KeyRuns(1 + this.terminalLengths.length, 2 * this.terminalLengths.length);
    this.winN = new Float64Array(c);
    this.winS = new Float64Array(c);
  }

  /**
   * Takes one day's rows (columns `SCAN_COLUMNS`, in (t, transaction id) order, after every row before them) into
   * the state; with `features`, returns each chunk's feature columns in `names` order.
   */
  day(chunks: readonly ColumnChunk[], features: boolean): Float64Array[][] {
    const out: Float64Array[][] = [];
    for (const chunk of chunks) {
      const cols = features ? this.names.map(() => new Float64Array(chunk.rowCount)) : undefined;
      this.chunk(chunk, cols);
      if (cols) out.push(cols);
    }
    return out;
  }

  /** Drops the keys no row at or after `time` (epoch seconds) can see. */
  sweep(time: number): void {
    const rel = time - this.origin;
    this.customers.sweep(rel - Math.max(...this.customerLengths));
    this.terminals.sweep(rel - this.delay - Math.max(...this.terminalLengths));
  }

  /** Entries held, for the memory bound. */
  get entries(): number {
    return this.customers.entries + this.terminals.entries;
  }

  private chunk(chunk: ColumnChunk, out: Float64Array[] | undefined): void {
    const n = chunk.rowCount;
    const t = words(chunk, T);
    const cents = words(chunk, CENTS);
    const customer = words(chunk, CUSTOMER);
    const terminal = words(chunk, TERMINAL);
    const fraud = words(chunk, FRAUD);
    const ts = words(chunk, TS);
    const amount = chunk.columns[AMOUNT] as Float64Array;
    const { customerLengths, outlierLengths, terminalLengths, ratioIndex, outlierBase, winN, winS, delay } = this;
    const C = customerLengths.length;
    const O = outlierLengths.length;
    const W = terminalLengths.length;
    const ratio = this.spec.outlierRatio ?? 0;
    const night = this.spec.nightMaxHour;
    const cs = this.customers;
    const ts_ = this.terminals;
    const cStride = cs.stride;
    const tStride = ts_.stride;
    for (let r = 0; r < n; r++) {
      const time = int64(t, r) - this.origin;
      if (time > 0x7fffffff || time < -0x80000000) throw new ScanUnsupported(`a time ${time} s from the first day`);
      const c = int64(cents, r);

      // Customer windows: this row in, rows at or before t − w out; ties at this second stay (they came first).
      const ck = this.customerIndex.get(safeInt(customer, r), cs);
      const at = cs.push(ck, time, c, 0);
      {
        const m = cs.meta;
        const times = cs.time;
        const values = cs.value;
        const sums = cs.sums;
        const o = ck * cStride;
        const so = ck * cs.sumCount;
        const base = m[o];
        for (let i = 0; i < C; i++) {
          let wn = sums[so + 2 * i] + 1;
          let wsum = sums[so + 2 * i + 1] + c;
          let p = m[o + 3 + i];
          const bound = time - customerLengths[i];
          while (times[base + p] <= bound) {
            wn--;
            wsum -= values[base + p];
            p++;
          }
          m[o + 3 + i] = p;
          sums[so + 2 * i] = wn;
          sums[so + 2 * i + 1] = wsum;
          winN[i] = wn;
          winS[i] = wsum;
        }
        if (O > 0) {
          const flags = cs.flag;
          if (c * (winN[outlierBase] - 1) > ratio * (winS[outlierBase] - c)) flags[at] = 1;
          // Outliers in (t − w, t − 1]: the rows before this second, less those at or before t − w.
          let u = m[o + 3 + C];
          let added = 0;
          while (times[base + u] < time) {
            added += flags[base + u];
            u++;
          }
          m[o + 3 + C] = u;
          for (let j = 0; j < O; j++) {
            let count = sums[so + 2 * C + j] + added;
            let p = m[o + 4 + C + j];
            const bound = time - outlierLengths[j];
            while (times[base + p] <= bound) {
              count -= flags[base + p];
              p++;
            }
            m[o + 4 + C + j] = p;
            sums[so + 2 * C + j] = count;
          }
        }
      }

      // Terminal windows: rows in (t − (d + w), t − d], all of earlier days (d ≥ 1 day).
      const tk = this.terminalIndex.get(safeInt(terminal, r), ts_);
      if (out !== undefined) {
        const m = ts_.meta;
        const times = ts_.time;
        const values = ts_.value;
        const sums = ts_.sums;
        const o = tk * tStride;
        const so = tk * ts_.sumCount;
        const base = m[o];
        const end = m[o + 2];
        const upper = time - delay;
        let u = m[o + 3];
        let added = 0;
        let addedFrauds = 0;
        while (u < end && times[base + u] <= upper) {
          added++;
          addedFrauds += values[base + u];
          u++;
        }
        m[o + 3] = u;
        let k = 3 + 2 * C;
        for (let i = 0; i < W; i++) {
          let tn = sums[so + 2 * i] + added;
          let tf = sums[so + 2 * i + 1] + addedFrauds;
          let p = m[o + 4 + i];
          const bound = upper - terminalLengths[i];
          while (p < u && times[base + p] <= bound) {
            tn--;
            tf -= values[base + p];
            p++;
          }
          m[o + 4 + i] = p;
          sums[so + 2 * i] = tn;
          sums[so + 2 * i + 1] = tf;
          out[k++][r] = tn;
          out[k++][r] = tn === 0 ? 0 : tf / tn;
        }

        // Calendar and customer features.
        const micros = int64(ts, r);
        const day = Math.floor(micros / MICROS_PER_DAY);
        const dow = (((day + 4) % 7) + 7) % 7;
        out[0][r] = amount[r];
        out[1][r] = dow === 0 || dow === 6 ? 1 : 0;
        out[2][r] = Math.floor((micros - day * MICROS_PER_DAY) / MICROS_PER_HOUR) <= night ? 1 : 0;
        k = 3;
        for (let i = 0; i < C; i++) {
          out[k++][r] = winN[i];
          out[k++][r] = winS[i] / (winN[i] * 100);
        }
        k = 3 + 2 * C + 2 * W;
        for (const i of ratioIndex) out[k++][r] = winS[i] === 0 ? 1 : (c * winN[i]) / winS[i];
        const so2 = ck * cs.sumCount + 2 * C;
        for (let j = 0; j < O; j++) out[k++][r] = cs.sums[so2 + j];
      }
      ts_.push(tk, time, int64(fraud, r), 0);
    }
  }
}

/** Customer or terminal id → key index: a table for ids below 2^24, a map above. */
class KeyIndex {
  private table = new Int32Array(1 << 12);
  private readonly map = new Map<number, number>();

  get(id: number, runs: KeyRuns): number {
    if (id >= 0 && id < 1 << 24) {
      if (id >= this.table.length) {
        let length = this.table.length * 2;
        while (id >= length) length *= 2;
        const t = new Int32Array(length);
        t.set(this.table);
        this.table = t;
      }
      const k = this.table[id];
      if (k > 0) return k - 1;
      const added = runs.addKey();
      this.table[id] = added + 1;
      return added;
    }
    let k = this.map.get(id);
    if (k === undefined) this.map.set(id, (k = runs.addKey()));
    return k;
  }
}

/** A BIGINT or TIMESTAMP column as 32-bit words (little-endian: low word first). */
function words(chunk: ColumnChunk, column: number): Int32Array {
  const v = chunk.columns[column]!;
  return new Int32Array(v.buffer, v.byteOffset, chunk.rowCount * 2);
}

function int64(w: Int32Array, r: number): number {
  return w[2 * r + 1] * TWO_32 + (w[2 * r] >>> 0);
}

/** An id as an exact number, or ScanUnsupported beyond ±2^53. */
function safeInt(w: Int32Array, r: number): number {
  const hi = w[2 * r + 1];
  if (hi > 0x1fffff || hi < -0x200000) throw new ScanUnsupported('an id beyond 2^53');
  return hi * TWO_32 + (w[2 * r] >>> 0);
}

/**
 * Whether the rows are in (t, transaction id) order, all in the day starting at `dayStart` (epoch seconds), and
 * after (`afterT`, `afterId`). Ids beyond 2^53 or a row of another day: ScanUnsupported.
 */
export function inScanOrder(chunks: readonly ColumnChunk[], dayStart: number): boolean {
  let lastT = -Infinity;
  let lastId = -Infinity;
  let ordered = true;
  for (const chunk of chunks) {
    const t = words(chunk, T);
    const id = words(chunk, TID);
    for (let r = 0; r < chunk.rowCount; r++) {
      const time = int64(t, r);
      const tid = safeInt(id, r);
      if (time < dayStart || time >= dayStart + DAY) throw new ScanUnsupported(`a row at ${time} s outside its partition's day`);
      if (time < lastT || (time === lastT && tid <= lastId)) ordered = false;
      lastT = time;
      lastId = tid;
    }
  }
  return ordered;
}
