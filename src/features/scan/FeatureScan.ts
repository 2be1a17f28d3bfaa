/**
 * The spec's features computed in one pass over the lake's rows in (time, transaction id) order, a day at a time:
 * the third implementation of spec.ts beside the batch SQL (featureSql.ts) and the online state
 * (OnlineFeatures.ts), held to the SQL bit for bit by `FeatureScan.test.ts`.
 *
 * Every window is a running sum per key, and every window edge one cursor over the rows already scanned (kept in
 * scan order in a ring of typed arrays): a row is added to its customer's windows when it is scanned, and each
 * cursor, moving forward with the current time, takes out (or, for the terminal windows and outlier counts, puts
 * in) the rows its edge has passed. So each row is one sequential step of each cursor and a few updates of its
 * keys' sums: no sort, frame search or per-key list. The ring holds the rows of the longest window (its oldest
 * cursor's), whatever the lake's length; per key, the sums alone.
 *
 * The integers are the SQL's own: `t` (epoch seconds) and `cents` are computed by the engine with the SQL's
 * expressions and read here, and every sum is of integers (exact in doubles below 2^53), so each feature is the same
 * IEEE-754 operation on the same integers as in SQL.
 */
import type { ColumnChunk } from '../../engine/SqlEngine.js';
import { featureNames, type FeatureSpec } from '../spec.js';

const DAY = 86400;
const MICROS_PER_DAY = 86400e6;
const MICROS_PER_HOUR = 3600e6;
const TWO_32 = 4294967296;
/** Rows whose sums are read ahead together (`nextBlock`); a power of two. */
const BLOCK = 256;

/** Columns of the rows the scan reads, in this order (`scanRowsSql`). */
export const SCAN_COLUMNS = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_fraud', 'tx_fraud_scenario', 'tx_amount', 't', 'cents'] as const;
const [TID, TS, CUSTOMER, TERMINAL, FRAUD, , AMOUNT, T, CENTS] = SCAN_COLUMNS.map((_, i) => i);

/** Rows the scan cannot take exactly (ids beyond 2^53, times far from the first day's): the caller uses SQL instead. */
export class ScanUnsupported extends Error {
  override name = 'ScanUnsupported';
}

const FRAUD_BIT = 1;
const OUTLIER_BIT = 2;

/**
 * What a scan computes: every feature, or only the customer's (amount, time of day and week, customer windows, amount
 * ratios, outlier counts) or only the terminal's. The two parts share nothing but the rows, so two threads can
 * each run one over the same rows, each writing its own feature columns.
 */
export type ScanPart = 'all' | 'customer' | 'terminal';

/**
 * A day's feature column: doubles, or 32-bit integers for the features that are whole numbers (flags and counts,
 * `featureArrayTypes`), which take half the memory and go into the files' dictionaries by value.
 */
export type FeatureArray = Float64Array | Int32Array;

/** The array type of each feature column, in `featureNames(spec)` order: Int32Array for flags and counts. */
export function featureArrayTypes(spec: FeatureSpec): (typeof Float64Array | typeof Int32Array)[] {
  return featureNames(spec).map((name) => (/^TX_DURING_|_NB_TX_|_NB_OUTLIERS_/.test(name) ? Int32Array : Float64Array));
}

/** The feature columns (indices into `featureNames(spec)`) a part writes. */
export function partColumns(spec: FeatureSpec, part: ScanPart): number[] {
  const all = featureNames(spec).map((_, i) => i);
  const terminalFrom = 3 + 2 * spec.customerWindowsDays.length;
  const terminalTo = terminalFrom + 2 * spec.terminalWindowsDays.length;
  if (part === 'all') return all;
  return all.filter((i) => (i >= terminalFrom && i < terminalTo) === (part === 'terminal'));
}

export class FeatureScan {
  readonly names: string[];
  private readonly customerIndex = new KeyIndex((keys) => (this.customerSums = withRoom(this.customerSums, keys * this.customerStride)));
  private readonly terminalIndex = new KeyIndex((keys) => (this.terminalSums = withRoom(this.terminalSums, keys * this.terminalStride)));
  private readonly customerLengths: Int32Array;
  private readonly outlierLengths: Int32Array;
  private readonly terminalLengths: Int32Array;
  private readonly ratioIndex: Int32Array;
  private readonly outlierBase: number;
  private readonly delay: number;
  /**
   * Per customer: count and cents of each customer window, then each outlier count; 32-bit integers (a sum past
   * them is ScanUnsupported), each key's side by side with no padding: fewer bytes in all (the terminals' 24 bytes
   * a key instead of 32 scanned about a tenth faster, though a quarter of them straddle two cache lines).
   */
  private customerSums: Int32Array;
  private readonly customerStride: number;
  /** Per terminal: count and frauds of each terminal window, likewise. */
  private terminalSums: Int32Array;
  private readonly terminalStride: number;
  /** The scanned rows, a ring in scan order: time (relative to `origin`), key indices, cents, fraud and outlier bits. */
  private time: Int32Array;
  private customer: Int32Array;
  private terminal: Int32Array;
  private cents: Int32Array;
  private bits: Uint8Array;
  private write = 0;
  /**
   * Ring positions of the cursors: customer window tails, terminal window head (rows at or before t − d) and tails,
   * outlier head (rows before this second) and tails; `oldest` is the one furthest back.
   */
  private readonly cursor: Int32Array;
  private readonly oldest: number;
  /** The customer and terminal keys of the block of rows being scanned (`nextBlock`). */
  private readonly blockKeys = new Int32Array(2 * BLOCK);
  /** Where the reads of `nextBlock` go. */
  private sink = 0;
  private readonly customerPart: boolean;
  private readonly terminalPart: boolean;

  /** `origin`: epoch seconds that times are held relative to (the first day read). */
  constructor(
    readonly spec: FeatureSpec,
    private readonly origin: number,
    part: ScanPart = 'all',
  ) {
    this.customerPart = part !== 'terminal';
    this.terminalPart = part !== 'customer';
    this.names = featureNames(spec);
    this.customerLengths = Int32Array.from(spec.customerWindowsDays, (w) => w * DAY);
    this.outlierLengths = Int32Array.from(spec.outlierWindowsDays ?? [], (w) => w * DAY);
    this.terminalLengths = Int32Array.from(spec.terminalWindowsDays, (w) => w * DAY);
    this.ratioIndex = Int32Array.from(spec.amountRatioWindowsDays, (w) => spec.customerWindowsDays.indexOf(w));
    this.outlierBase = this.outlierLengths.length > 0 ? spec.customerWindowsDays.indexOf(spec.outlierBaseWindowDays!) : -1;
    this.delay = spec.delayDays * DAY;
    const C = this.customerLengths.length;
    const O = this.outlierLengths.length;
    const W = this.terminalLengths.length;
    this.customerStride = Math.max(1, 2 * C + O);
    this.terminalStride = Math.max(1, 2 * W);
    this.customerSums = new Int32Array(this.customerStride * 1024);
    this.terminalSums = new Int32Array(this.terminalStride * 1024);
    const lags = [...this.customerLengths, this.delay, ...Array.from(this.terminalLengths, (l) => this.delay + l), 1, ...this.outlierLengths];
    this.cursor = new Int32Array(lags.length);
    // The oldest of the cursors this part moves (the other part's stay where they are).
    const moves = (i: number) => (i < C || i > C + W ? this.customerPart : this.terminalPart);
    this.oldest = lags.reduce((best, lag, i) => (moves(i) && (best < 0 || lag > lags[best]) ? i : best), -1);
    // The ring holds only what the part reads back: no customers or cents for the terminal part, no terminals for the
    // customer part (empty arrays).
    const size = 1 << 16;
    this.time = new Int32Array(size);
    this.customer = new Int32Array(this.customerPart ? size : 0);
    this.terminal = new Int32Array(this.terminalPart ? size : 0);
    this.cents = new Int32Array(this.customerPart ? size : 0);
    this.bits = new Uint8Array(size);
  }

  /**
   * Takes one day's rows (columns `SCAN_COLUMNS`, in (t, transaction id) order, after every row before them) into
   * the state; with `into` (one array per feature in `names` order, each at least the day's row count long; an
   * Int32Array only where `featureArrayTypes` has one), writes the day's features there, row i of the day at index i
   * (only the part's columns, `partColumns`).
   */
  day(chunks: readonly ColumnChunk[], into?: FeatureArray[]): void {
    const rows = chunks.reduce((n, c) => n + c.rowCount, 0);
    if (into !== undefined && (into.length !== this.names.length || into.some((b) => b.length < rows))) {
      throw new RangeError(`the feature arrays given cannot hold ${rows} rows`);
    }
    let at = 0;
    for (const chunk of chunks) {
      this.chunk(chunk, into?.map((b) => b.subarray(at, at + chunk.rowCount)));
      at += chunk.rowCount;
    }
  }

  private chunk(chunk: ColumnChunk, out: FeatureArray[] | undefined): void {
    const n = chunk.rowCount;
    const tWords = words(chunk, T);
    const centsWords = words(chunk, CENTS);
    const customerWords = words(chunk, CUSTOMER);
    const terminalWords = words(chunk, TERMINAL);
    const fraudWords = words(chunk, FRAUD);
    const tsWords = words(chunk, TS);
    const amount = chunk.columns[AMOUNT] as Float64Array;
    const { customerLengths, outlierLengths, terminalLengths, ratioIndex, outlierBase, delay, cursor, customerStride, terminalStride, customerPart, terminalPart } = this;
    const C = customerLengths.length;
    const O = outlierLengths.length;
    const W = terminalLengths.length;
    const R = ratioIndex.length;
    const ratio = this.spec.outlierRatio ?? 0;
    // Night: the first nightMaxHour + 1 hours of the day (the hour, floor((micros − day start) / hour), ≤ nightMaxHour).
    const nightMicros = (this.spec.nightMaxHour + 1) * MICROS_PER_HOUR;
    // The day of the row before, its start in microseconds and whether it is a weekend day: a chunk's rows are of
    // one day, so the day is worked out again only when a row is outside it.
    let dayStart = 0;
    let dayEnd = -Infinity;
    let weekend = 0;
    const terminalHead = C;
    const outlierHead = C + 1 + W;
    const blockKeys = this.blockKeys;
    for (let r = 0; r < n; r++) {
      const j = r & (BLOCK - 1);
      if (j === 0) this.nextBlock(r, Math.min(n, r + BLOCK), customerWords, terminalWords);
      const time = int64(tWords, r) - this.origin;
      if (time > 0x3fffffff || time < -0x3fffffff) throw new ScanUnsupported(`a time ${time} s from the first day`);
      const c = int64(centsWords, r);
      const ck = blockKeys[2 * j];
      const tk = blockKeys[2 * j + 1];
      const fraud = fraudWords[2 * r];
      if ((fraud !== 0 && fraud !== 1) || fraudWords[2 * r + 1] !== 0) throw new ScanUnsupported('a label other than 0 or 1');

      // The cursors catch up with this row's time (the ring's arrays are read after adding keys, which may grow them).
      const times = this.time;
      const customers = this.customer;
      const terminals = this.terminal;
      const centsRing = this.cents;
      const bits = this.bits;
      const cap = times.length;
      const write = this.write;
      const cs = this.customerSums;
      const tsums = this.terminalSums;
      for (let i = 0; customerPart && i < C; i++) {
        // Customer window i: rows at or before t − w leave.
        let p = cursor[i];
        const bound = time - customerLengths[i];
        while (p !== write && times[p] <= bound) {
          const k = customers[p] * customerStride + 2 * i;
          cs[k] -= 1;
          const sum = cs[k + 1] - centsRing[p];
          if (sum !== (sum | 0)) throw new ScanUnsupported('a sum of cents beyond 32 bits');
          cs[k + 1] = sum;
          if (++p === cap) p = 0;
        }
        cursor[i] = p;
      }
      if (terminalPart) {
        // Terminal windows: rows at or before t − d come in, rows at or before t − (d + w) leave.
        let p = cursor[terminalHead];
        const bound = time - delay;
        while (p !== write && times[p] <= bound) {
          const k = terminals[p] * terminalStride;
          const f = bits[p] & FRAUD_BIT;
          for (let i = 0; i < W; i++) {
            tsums[k + 2 * i] += 1;
            tsums[k + 2 * i + 1] += f;
          }
          if (++p === cap) p = 0;
        }
        cursor[terminalHead] = p;
        for (let i = 0; i < W; i++) {
          let q = cursor[terminalHead + 1 + i];
          const leave = bound - terminalLengths[i];
          while (q !== write && times[q] <= leave) {
            const k = terminals[q] * terminalStride + 2 * i;
            tsums[k] -= 1;
            tsums[k + 1] -= bits[q] & FRAUD_BIT;
            if (++q === cap) q = 0;
          }
          cursor[terminalHead + 1 + i] = q;
        }
      }
      if (O > 0 && customerPart) {
        // Outlier counts: outliers before this second come in, those at or before t − w leave.
        let p = cursor[outlierHead];
        while (p !== write && times[p] < time) {
          if ((bits[p] & OUTLIER_BIT) !== 0) {
            const k = customers[p] * customerStride + 2 * C;
            for (let j = 0; j < O; j++) cs[k + j] += 1;
          }
          if (++p === cap) p = 0;
        }
        cursor[outlierHead] = p;
        for (let j = 0; j < O; j++) {
          let q = cursor[outlierHead + 1 + j];
          const leave = time - outlierLengths[j];
          while (q !== write && times[q] <= leave) {
            if ((bits[q] & OUTLIER_BIT) !== 0) cs[customers[q] * customerStride + 2 * C + j] -= 1;
            if (++q === cap) q = 0;
          }
          cursor[outlierHead + 1 + j] = q;
        }
      }

      // This row joins its customer's windows (same-second rows with smaller ids are in already).
      const ko = ck * customerStride;
      let flag = 0;
      if (customerPart) {
        if (c !== (c | 0)) throw new ScanUnsupported('an amount of cents beyond 32 bits');
        for (let i = 0; i < C; i++) {
          cs[ko + 2 * i] += 1;
          const sum = cs[ko + 2 * i + 1] + c;
          if (sum !== (sum | 0)) throw new ScanUnsupported('a sum of cents beyond 32 bits');
          cs[ko + 2 * i + 1] = sum;
        }
        if (O > 0 && c * (cs[ko + 2 * outlierBase] - 1) > ratio * (cs[ko + 2 * outlierBase + 1] - c)) flag = OUTLIER_BIT;
      }

      if (out !== undefined && customerPart) {
        const micros = int64(tsWords, r);
        if (micros < dayStart || micros >= dayEnd) {
          const day = Math.floor(micros / MICROS_PER_DAY);
          const dow = (((day + 4) % 7) + 7) % 7;
          weekend = dow === 0 || dow === 6 ? 1 : 0;
          dayStart = day * MICROS_PER_DAY;
          dayEnd = dayStart + MICROS_PER_DAY;
        }
        out[0][r] = amount[r];
        out[1][r] = weekend;
        out[2][r] = micros - dayStart < nightMicros ? 1 : 0;
        let k = 3;
        for (let i = 0; i < C; i++) {
          const wn = cs[ko + 2 * i];
          out[k++][r] = wn;
          out[k++][r] = cs[ko + 2 * i + 1] / (wn * 100);
        }
        k += 2 * W;
        for (let i = 0; i < R; i++) {
          const wn = cs[ko + 2 * ratioIndex[i]];
          const ws = cs[ko + 2 * ratioIndex[i] + 1];
          out[k++][r] = ws === 0 ? 1 : (c * wn) / ws;
        }
        for (let j = 0; j < O; j++) out[k++][r] = cs[ko + 2 * C + j];
      }
      if (out !== undefined && terminalPart) {
        const to = tk * terminalStride;
        for (let i = 0, k = 3 + 2 * C; i < W; i++) {
          const tn = tsums[to + 2 * i];
          out[k++][r] = tn;
          out[k++][r] = tn === 0 ? 0 : tsums[to + 2 * i + 1] / tn;
        }
      }

      // Into the ring (made larger when it would overrun its oldest cursor).
      if ((write + 1 === cap ? 0 : write + 1) === cursor[this.oldest]) this.growRing();
      const w = this.write;
      this.time[w] = time;
      if (customerPart) {
        this.customer[w] = ck;
        this.cents[w] = c;
      }
      if (terminalPart) this.terminal[w] = tk;
      this.bits[w] = fraud | flag;
      this.write = w + 1 === this.time.length ? 0 : w + 1;
    }
  }

  /**
   * Before rows [from, to) of a chunk: their customer and terminal keys (added in row order when new) into
   * `blockKeys`, then a read of every sum those rows and the cursors' next rows will update. The scan's time goes to
   * waiting on memory (its sums are read at random); these reads do not depend on each other, so the processor has
   * many in flight at once, where the rows' own updates come one after another. The values read are only summed.
   */
  private nextBlock(from: number, to: number, customerWords: Int32Array, terminalWords: Int32Array): void {
    const keys = this.blockKeys;
    const { customerPart, terminalPart } = this;
    // Each part reads (and checks) only its own ids: the other part's are not worth their memory traffic here. A row
    // one part refuses fails the whole scan all the same.
    for (let r = from; r < to; r++) {
      keys[2 * (r - from)] = customerPart ? this.customerIndex.get(safeInt(customerWords, r)) : 0;
      keys[2 * (r - from) + 1] = terminalPart ? this.terminalIndex.get(safeInt(terminalWords, r)) : 0;
    }
    const cs = this.customerSums;
    const ts = this.terminalSums;
    const cStride = this.customerStride;
    const tStride = this.terminalStride;
    let sink = 0;
    for (let j = 0; j < 2 * (to - from); j += 2) {
      const k = keys[j] * cStride;
      if (customerPart) sink += cs[k];
      if (terminalPart) sink += ts[keys[j + 1] * tStride];
    }
    // About as many rows leave each window as come in: the next rows past each cursor.
    const cap = this.time.length;
    const write = this.write;
    const customers = this.customer;
    const terminals = this.terminal;
    const C = this.customerLengths.length;
    // The customer windows' cursors, then the terminal windows' head and tails (the outlier counts move rarely).
    const cursors = C + 1 + this.terminalLengths.length;
    for (let i = 0; i < cursors; i++) {
      const onCustomer = i < C;
      if (onCustomer ? !customerPart : !terminalPart) continue;
      let p = this.cursor[i];
      for (let j = from; j < to && p !== write; j++) {
        sink += onCustomer ? cs[customers[p] * cStride] : ts[terminals[p] * tStride];
        if (++p === cap) p = 0;
      }
    }
    this.sink = sink;
  }

  private growRing(): void {
    const cap = this.time.length;
    const from = this.cursor[this.oldest];
    const held = (this.write - from + cap) % cap;
    const order = (a: Int32Array | Float64Array | Uint8Array) => {
      if (a.length === 0) return a;
      const b = new (a.constructor as new (n: number) => typeof a)(cap * 2);
      if (from <= this.write) b.set(a.subarray(from, this.write));
      else {
        b.set(a.subarray(from));
        b.set(a.subarray(0, this.write), cap - from);
      }
      return b;
    };
    this.time = order(this.time) as Int32Array;
    this.customer = order(this.customer) as Int32Array;
    this.terminal = order(this.terminal) as Int32Array;
    this.cents = order(this.cents) as Int32Array;
    this.bits = order(this.bits) as Uint8Array;
    for (let i = 0; i < this.cursor.length; i++) this.cursor[i] = (this.cursor[i] - from + cap) % cap;
    this.write = held;
  }
}

/** `a`, or a copy twice as long when it is shorter than `length`. */
function withRoom<A extends Int32Array | Float64Array>(a: A, length: number): A {
  if (length <= a.length) return a;
  const grown = new (a.constructor as new (n: number) => A)(Math.max(length, a.length * 2));
  grown.set(a);
  return grown;
}

/** Ids below this are their own keys. */
const DIRECT_IDS = 1 << 22;

/**
 * Customer or terminal id → key (the index of its sums): an id from 0 to 2^22 − 1 is its own key, so a row's sums
 * are one read away (no table read first, a read at random of its own); other ids get keys from 2^22 up, in order
 * of first appearance. `room` is told how many keys the sums must hold.
 */
class KeyIndex {
  private keys = 0;
  private readonly map = new Map<number, number>();

  constructor(private readonly room: (keys: number) => void) {}

  get(id: number): number {
    let k = id;
    if (id < 0 || id >= DIRECT_IDS) {
      let mapped = this.map.get(id);
      if (mapped === undefined) this.map.set(id, (mapped = DIRECT_IDS + this.map.size));
      k = mapped;
    }
    if (k >= this.keys) {
      this.keys = k + 1;
      this.room(this.keys);
    }
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
 * The order the rows must be scanned in: undefined when they already are in (t, transaction id) order, else the
 * row numbers in that order when they are a few runs in that order (a part whose row groups were written out of
 * order), merged here; else 'far' (the engine sorts them). Every row must be in the day starting at `dayStart`
 * (epoch seconds) and hold ids below 2^53 (ScanUnsupported otherwise, or for a transaction id twice). `time`: the
 * column ordered by, `t` or, for rows read without it, `tx_datetime` (the same order when times are whole seconds,
 * which `deriveIntegers` checks).
 */
export function scanOrder(chunks: readonly ColumnChunk[], dayStart: number, time: 't' | 'tx_datetime' = 't', scratch = new OrderScratch()): Int32Array | undefined | 'far' {
  const [column, scale] = time === 't' ? [T, 1] : [TS, 1e6];
  const n = chunks.reduce((k, c) => k + c.rowCount, 0);
  const [times, ids, first, second] = scratch.take(n);
  const starts = [0];
  let at = 0;
  // The row before's time and id (none before the first row).
  let lastTime = -Infinity;
  let lastId = 0;
  for (const chunk of chunks) {
    const t = words(chunk, column);
    const id = words(chunk, TID);
    for (let r = 0; r < chunk.rowCount; r++, at++) {
      const time = int64(t, r) / scale;
      if (time < dayStart || time >= dayStart + DAY) throw new ScanUnsupported(`a row at ${time} s outside its partition's day`);
      const x = safeInt(id, r);
      times[at] = time;
      ids[at] = x;
      if (time <= lastTime) {
        if (time === lastTime && x === lastId) throw new ScanUnsupported('a transaction id twice in a day');
        if (time < lastTime || x < lastId) starts.push(at);
      }
      lastTime = time;
      lastId = x;
    }
  }
  if (starts.length === 1) return undefined;
  if (starts.length > 64) return 'far';
  // Runs merged pairwise until one is left; each side's rows before the other's head are found by galloping, so runs
  // that are long stretches in order (row groups written by two threads) cost little more than a copy.
  const before = (x: number, y: number) => times[x] < times[y] || (times[x] === times[y] && ids[x] < ids[y]);
  let order = first;
  for (let i = 0; i < n; i++) order[i] = i;
  let into = second;
  let bounds = [...starts, n];
  while (bounds.length > 2) {
    const next = [0];
    for (let k = 0; k + 1 < bounds.length; k += 2) {
      const [a, m] = [bounds[k], bounds[k + 1]];
      const b = k + 2 < bounds.length ? bounds[k + 2] : m;
      let [i, j, o] = [a, m, a];
      while (i < m && j < b) {
        const x = order[i];
        const y = order[j];
        if (times[x] === times[y] && ids[x] === ids[y]) throw new ScanUnsupported('a transaction id twice in a day');
        if (before(x, y)) {
          const end = gallop(order, i, m, y, before);
          while (i < end) into[o++] = order[i++];
        } else {
          const end = gallop(order, j, b, x, before);
          while (j < end) into[o++] = order[j++];
        }
      }
      while (i < m) into[o++] = order[i++];
      while (j < b) into[o++] = order[j++];
      next.push(b);
    }
    [order, into] = [into, order];
    bounds = next;
  }
  return order;
}

/**
 * The arrays `scanOrder` works in (times, ids and two orders), kept from one day to the next when given: a day's
 * worth of fresh memory is costly to touch. The order returned is one of them, good until the next call.
 */
export class OrderScratch {
  private times = new Float64Array(0);
  private ids = new Float64Array(0);
  private orders = [new Int32Array(0), new Int32Array(0)];
  take(n: number): [Float64Array, Float64Array, Int32Array, Int32Array] {
    if (this.times.length < n) {
      this.times = new Float64Array(n);
      this.ids = new Float64Array(n);
      this.orders = [new Int32Array(n), new Int32Array(n)];
    }
    return [this.times.subarray(0, n), this.ids.subarray(0, n), this.orders[0].subarray(0, n), this.orders[1].subarray(0, n)];
  }
}

/**
 * The first position in [from, to) of `order` (rows in order there) whose row does not come before row `y`: steps
 * of 1, 2, 4, … from `from`, then a binary search in the last step.
 */
function gallop(order: Int32Array, from: number, to: number, y: number, before: (x: number, y: number) => boolean): number {
  let lo = from;
  let hi = from;
  for (let step = 1; hi < to && before(order[hi], y); step *= 2) {
    lo = hi + 1;
    hi = from + step;
  }
  if (hi > to) hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(order[mid], y)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * For a day's rows read without `t` and `cents` (the first seven of `SCAN_COLUMNS`, in one chunk whose columns have
 * room for all nine), works them out as the SQL does (featureSql.ts: `CAST(epoch(tx_datetime) AS BIGINT)`,
 * `CAST(round(tx_amount * 100) AS BIGINT)`, round halving away from zero) and writes them into the last two columns.
 * False, with nothing to rely on written, when a time is not a whole second (the engine rounds those its own way) or
 * the cents are not an exact integer: then the engine's own are read.
 */
export function deriveIntegers(rows: ColumnChunk): boolean {
  const n = rows.rowCount;
  const ts = words(rows, TS);
  const amount = rows.columns[AMOUNT] as Float64Array;
  const t = words(rows, T);
  const cents = words(rows, CENTS);
  for (let r = 0; r < n; r++) {
    const hi = ts[2 * r + 1];
    if (hi > 0x1fffff || hi < -0x200000) return false;
    const seconds = (hi * TWO_32 + (ts[2 * r] >>> 0)) / 1e6;
    if (seconds !== Math.floor(seconds)) return false;
    const y = amount[r] * 100;
    const c = y < 0 ? -Math.round(-y) : Math.round(y);
    if (!(c > -MAX_EXACT && c < MAX_EXACT)) return false;
    putInt64(t, r, seconds);
    putInt64(cents, r, c);
  }
  return true;
}

const MAX_EXACT = 2 ** 53;

/** An integer below 2^53 in magnitude as the 32-bit words of a 64-bit value. */
function putInt64(w: Int32Array, r: number, x: number): void {
  const hi = Math.floor(x / TWO_32);
  w[2 * r] = x - hi * TWO_32;
  w[2 * r + 1] = hi;
}

/**
 * The rows of `chunks` (8-byte values in every column) in one chunk, in `order` when given (row numbers across the
 * chunks), written into `into` (one array per column, each exactly the rows long); `scratch` (arrays like `into`)
 * holds the rows in their first order on the way when there are several chunks to gather from.
 */
export function joinRows(chunks: readonly ColumnChunk[], into: readonly ArrayBufferView[], order?: Int32Array, scratch?: readonly ArrayBufferView[]): ColumnChunk {
  const rows = chunks.reduce((k, c) => k + c.rowCount, 0);
  if (into.some((c) => c.byteLength !== rows * 8) || (scratch !== undefined && scratch.some((c) => c.byteLength !== rows * 8))) {
    throw new RangeError(`the arrays given do not hold ${rows} rows`);
  }
  if (order !== undefined && order.length !== rows) throw new RangeError(`an order of ${order.length} rows for ${rows}`);
  const concat = (to: Int32Array, c: number) => {
    let at = 0;
    for (const chunk of chunks) {
      to.set(words(chunk, c), at);
      at += chunk.rowCount * 2;
    }
  };
  const pieces = order === undefined ? undefined : stretches(chunks, order);
  into.forEach((column, c) => {
    const to = new Int32Array(column.buffer, column.byteOffset, rows * 2);
    if (order === undefined) return concat(to, c);
    if (pieces !== undefined) {
      const from = chunks.map((chunk) => words(chunk, c));
      for (let p = 0; p < pieces.length; p += 4) {
        const at = 2 * pieces[p + 2];
        to.set(from[pieces[p + 1]].subarray(at, at + 2 * pieces[p + 3]), 2 * pieces[p]);
      }
      return;
    }
    let from: Int32Array;
    if (chunks.length === 1) from = words(chunks[0], c);
    else {
      from = scratch === undefined ? new Int32Array(rows * 2) : new Int32Array(scratch[c].buffer, scratch[c].byteOffset, rows * 2);
      concat(from, c);
    }
    for (let r = 0; r < rows; r++) {
      const i = 2 * order[r];
      to[2 * r] = from[i];
      to[2 * r + 1] = from[i + 1];
    }
  });
  return { rowCount: rows, columns: into };
}

/**
 * `order` as stretches of consecutive rows of one chunk, four numbers each: the first row written, the chunk, its
 * first row there, the rows. Undefined when there are more than one for every 64 rows beside one a chunk (rows
 * merged from finely interleaved runs): then row by row is quicker than a copy per stretch.
 */
function stretches(chunks: readonly ColumnChunk[], order: Int32Array): Int32Array | undefined {
  const starts = new Float64Array(chunks.length + 1);
  chunks.forEach((chunk, i) => (starts[i + 1] = starts[i] + chunk.rowCount));
  const limit = chunks.length + (order.length >> 6);
  const out = new Int32Array(4 * limit);
  let count = 0;
  for (let r = 0; r < order.length; ) {
    if (count === limit) return undefined;
    const first = order[r];
    // The chunk holding row `first`: the last start at or before it.
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= first) lo = mid;
      else hi = mid - 1;
    }
    const room = starts[lo + 1] - first;
    let length = 1;
    while (length < room && r + length < order.length && order[r + length] === first + length) length++;
    out.set([r, lo, first - starts[lo], length], 4 * count++);
    r += length;
  }
  return out.subarray(0, 4 * count);
}
