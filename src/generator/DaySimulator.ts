/**
 * Simulates one day of transactions (Handbook chapter 3) into reusable typed arrays, already in chronological
 * order. Two passes over the customers: the first draws the daily counts and times (one stream) and builds a
 * histogram per second; the second draws amounts, terminals and fraud (another stream) and scatters each row to
 * its sorted slot, so ties keep generation order (customer, then draw) and no sort or per-row object is needed.
 * A day's result depends only on (seed, options, day index), never on the other days or the thread.
 */
import { Purpose, type Xoshiro128, sampleDistinct, streamFor } from '../util/prng.js';
import { BAND_STRIDE, MAX_BANDS, type Population } from './population.js';
import type { ResolvedOptions } from './options.js';

export const SECONDS_PER_DAY = 86400;
export const ROW_STRIDE = 3;
/** Amounts are stored shifted left by 2 next to the scenario; cap keeps them inside an int32. */
const MAX_CENTS = 2 ** 29 - 1;

export interface DaySimulation {
  day: number;
  /** Transactions generated (rows before any noise). */
  rows: number;
  /** Frauds per scenario: index 1, 2, 3 (index 0 unused). */
  fraudByScenario: [number, number, number, number];
}

function growInt32(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (a.length >= need) return a;
  const b = new Int32Array(Math.max(need, Math.ceil(a.length * 1.5)));
  b.set(a);
  return b;
}

export class DaySimulator {
  /**
   * Sorted rows of the last simulated day, ROW_STRIDE ints per row (one cache line touched per scattered row):
   * customer *index* (not id), terminal id, amount in cents << 2 | fraud scenario.
   */
  rowData = new Int32Array(0);
  /** Rows per second of the day; rows are sorted, so row i's second follows from the running sum. */
  readonly perSecond = new Int32Array(SECONDS_PER_DAY);
  /** firstRow[s] = index of the first row at second s (prefix sums of perSecond), length 86401. */
  readonly firstRow = new Int32Array(SECONDS_PER_DAY + 1);
  rows = 0;
  day = -1;

  private times = new Int32Array(0);
  private readonly kept: Uint16Array;
  private readonly terminalMarks: Uint8Array;
  private readonly customerMarks: Uint8Array;
  private readonly rangeStart = new Int32Array(MAX_BANDS);
  private readonly rangeLen = new Int32Array(MAX_BANDS);

  constructor(
    private readonly pop: Population,
    private readonly o: ResolvedOptions,
  ) {
    this.kept = new Uint16Array(pop.customers);
    this.terminalMarks = new Uint8Array(pop.terminals);
    this.customerMarks = new Uint8Array(pop.customers);
    const lambda = pop.activeLambdaSum;
    const initial = Math.ceil(lambda + 8 * Math.sqrt(lambda) + 1024);
    this.times = new Int32Array(initial);
  }

  private ensureRowCapacity(n: number): void {
    if (this.rowData.length >= n * ROW_STRIDE) return;
    this.rowData = new Int32Array((Math.ceil(n * 1.05) + 1024) * ROW_STRIDE);
  }

  /**
   * Terminals compromised on days [d-27, d] and customers on days [d-13, d] (scenario 2 and 3), marked by
   * position in cell order; returns the marked positions.
   */
  private markCompromised(day: number): { terminals: number[]; customers: number[] } {
    const o = this.o;
    const terminals: number[] = [];
    const customers: number[] = [];
    for (let j = Math.max(0, day - o.terminalCompromiseDays + 1); j <= day; j++) {
      const r = streamFor(o.seed, Purpose.CompromisedTerminals, j);
      for (const t of sampleDistinct(r, o.compromisedTerminalsPerDay, this.pop.terminals)) {
        const p = this.pop.termPos[t];
        this.terminalMarks[p] = 1;
        terminals.push(p);
      }
    }
    for (let j = Math.max(0, day - o.customerCompromiseDays + 1); j <= day; j++) {
      const r = streamFor(o.seed, Purpose.CompromisedCustomers, j);
      for (const c of sampleDistinct(r, o.compromisedCustomersPerDay, this.pop.customers)) {
        const p = this.pop.custPos[c];
        this.customerMarks[p]++;
        customers.push(p);
      }
    }
    return { terminals, customers };
  }

  simulate(day: number): DaySimulation {
    const marked = this.markCompromised(day);
    try {
      this.passCounts(streamFor(this.o.seed, Purpose.TxTimes, day));
      this.ensureRowCapacity(this.rows);
      const fraud = this.passDetails(streamFor(this.o.seed, Purpose.TxDetails, day));
      this.day = day;
      return { day, rows: this.rows, fraudByScenario: fraud };
    } finally {
      for (const t of marked.terminals) this.terminalMarks[t] = 0;
      for (const c of marked.customers) this.customerMarks[c] = 0;
    }
  }

  /** Pass 1: number of transactions per customer and their times; rejected times are dropped, not redrawn. */
  private passCounts(rng: Xoshiro128): void {
    const { customers, custActive, custExpMinusLambda } = this.pop;
    const kept = this.kept;
    const perSecond = this.perSecond;
    perSecond.fill(0);
    let times = this.times;
    let n = 0;
    for (let c = 0; c < customers; c++) {
      if (custActive[c] === 0) {
        kept[c] = 0;
        continue;
      }
      const k = rng.poissonExp(custExpMinusLambda[c]);
      let kk = 0;
      for (let j = 0; j < k; j++) {
        const t = Math.trunc(43200 + 20000 * rng.normal());
        if (t > 0 && t < SECONDS_PER_DAY) {
          if (n === times.length) times = growInt32(times, n + 1);
          times[n++] = t;
          perSecond[t]++;
          kk++;
        }
      }
      kept[c] = kk;
    }
    this.times = times;
    this.rows = n;
    const firstRow = this.firstRow;
    firstRow[0] = 0;
    for (let s = 0; s < SECONDS_PER_DAY; s++) firstRow[s + 1] = firstRow[s] + perSecond[s];
  }

  /** Pass 2: amount, terminal and fraud label of every transaction, written straight to its sorted slot. */
  private passDetails(rng: Xoshiro128): [number, number, number, number] {
    const pop = this.pop;
    const { customers, custIndex, custX, custY, custMeanAmount, custBands, cellStart, termXY, termId, cellsPerSide } = pop;
    const r2 = pop.radius * pop.radius;
    const kept = this.kept;
    const times = this.times;
    const cursor = this.firstRow.slice(0, SECONDS_PER_DAY);
    const out = this.rowData;
    const terminalMarks = this.terminalMarks;
    const customerMarks = this.customerMarks;
    const rangeStart = this.rangeStart;
    const rangeLen = this.rangeLen;
    const threshold = this.o.scenario1ThresholdCents;
    const fraud: [number, number, number, number] = [0, 0, 0, 0];
    let i = 0;
    // c is a position in cell order (see Population).
    for (let c = 0; c < customers; c++) {
      const kk = kept[c];
      if (kk === 0) continue;
      const x = custX[c];
      const y = custY[c];
      const b = c * BAND_STRIDE;
      const cy0 = custBands[b];
      const bands = custBands[b + 1];
      let ranges = 0;
      let total = 0;
      for (let i = 0; i < bands; i++) {
        const row = (cy0 + i) * cellsPerSide;
        const s = cellStart[row + custBands[b + 2 + 2 * i]];
        const e = cellStart[row + custBands[b + 3 + 2 * i] + 1];
        if (e > s) {
          rangeStart[ranges] = s;
          rangeLen[ranges] = e - s;
          ranges++;
          total += e - s;
        }
      }
      const mean = custMeanAmount[c];
      const std = mean / 2;
      const events = customerMarks[c];
      for (let j = 0; j < kk; j++) {
        const pos = cursor[times[i++]]++;
        let a = mean + std * rng.normal();
        if (a < 0) a = rng.next() * 2 * mean;
        let cents = Math.round(a * 100);
        // A natural 0.00 would be indistinguishable from the injected zero-amount defect.
        if (cents < 1) cents = 1;
        let k = 0;
        for (;;) {
          let u = rng.below(total);
          let r = 0;
          while (u >= rangeLen[r]) {
            u -= rangeLen[r];
            r++;
          }
          k = rangeStart[r] + u;
          const dx = termXY[2 * k] - x;
          const dy = termXY[2 * k + 1] - y;
          if (dx * dx + dy * dy < r2) break;
        }
        let scenario = cents > threshold ? 1 : 0;
        if (terminalMarks[k] !== 0) scenario = 2;
        for (let e = 0; e < events; e++) {
          if (rng.next() * 3 < 1) {
            cents = Math.min(cents * 5, MAX_CENTS);
            scenario = 3;
          }
        }
        const q = pos * ROW_STRIDE;
        out[q] = custIndex[c];
        out[q + 1] = termId[k];
        out[q + 2] = (cents << 2) | scenario;
        fraud[scenario]++;
      }
    }
    fraud[0] = 0;
    return fraud;
  }
}
