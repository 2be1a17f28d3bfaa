/**
 * One day's life cycle, identical in the calling thread and in a worker: simulate (rows counted, ids not yet
 * known) → prepare (id offset known: place the noise, hand out donor rows for later files) → write (format
 * into large Buffers and stream them to a sink). Arrays are reused from one day to the next.
 */
import { COURSE_HEADER, type NoiseDefect } from '../quality.js';
import { DaySimulator, type DaySimulation, ROW_STRIDE, SECONDS_PER_DAY } from './DaySimulator.js';
import { planNoise, ROW_DEFECTS, type NoisePlan } from './noisePlan.js';
import { dayDate, type ResolvedOptions } from './options.js';
import type { Population } from './population.js';
import { joinRow, RowFormatter, type RowFields, type RowTarget, rowTarget } from './rowFormat.js';
import type { ChunkSink } from './openOutput.js';

export interface DayWritten {
  day: number;
  /** Data lines written (header excluded, duplicates included). */
  rows: number;
  bytes: number;
  defects: Record<NoiseDefect, number>;
}

const CHUNK_BYTES = 4 << 20;
/** Room kept free at the end of a chunk: longer than any row, defective or not. */
const ROW_SLACK = 512;

const GARBAGE_DATETIMES = ['', 'NaT', 'None', '0000-00-00 00:00:00', '??', 'not a date'];

/** Edits one clean row's fields into the defect `kind` (index into ROW_DEFECTS), `variant` picking the form. */
function applyDefect(f: RowFields, kind: number, variant: number, day: number, date: string): void {
  switch (ROW_DEFECTS[kind]) {
    case 'terminal_missing':
      f.terminal = ['Err', 'None', ''][variant % 3];
      return;
    case 'bad_datetime': {
      if (variant % 10 < 6) {
        // Hour 24 with a non-zero remainder, so no lenient parser can read it as the next midnight.
        const mmss = f.datetime.slice(14) === '00:00' ? '00:01' : f.datetime.slice(14);
        f.datetime = `${date} 24:${mmss}`;
      } else {
        f.datetime = GARBAGE_DATETIMES[(variant >>> 4) % GARBAGE_DATETIMES.length];
      }
      return;
    }
    case 'time_days_mismatch':
      f.days = String(day === 0 || (variant & 1) === 1 ? day + 1 : day - 1);
      return;
    case 'negative_customer_id':
      f.customer = `-${f.customer}`;
      return;
    case 'sentinel_customer_id':
      f.customer = (variant & 1) === 1 ? '999999' : '-999999';
      return;
    case 'zero_amount':
      f.amount = '0.00';
      return;
  }
}

/** Where DayEngine.write stands in the day between two chunks. */
interface WriteCursor {
  row: number;
  second: number;
  /** Rows left in `second`. */
  left: number;
  def: number;
  ins: number;
  written: number;
  done: boolean;
}

export class DayEngine {
  private readonly sim: DaySimulator;
  private plan: NoisePlan | undefined;
  private formatter: RowFormatter | undefined;
  /** Chunks kept from one write to the next when the sink releases them (fresh memory costs a page fault per page). */
  private spare: RowTarget[] = [];

  constructor(
    pop: Population,
    private readonly o: ResolvedOptions,
  ) {
    this.sim = new DaySimulator(pop, o);
  }

  simulate(day: number): DaySimulation {
    this.plan = undefined;
    this.formatter = undefined;
    return this.sim.simulate(day);
  }

  /** Fixes ids and noise for the simulated day; returns the clean rows (as text) it donates to later files. */
  prepare(idOffset: number, acrossRows: readonly string[]): string[] {
    const sim = this.sim;
    const date = dayDate(this.o.startDate, sim.day);
    this.formatter = new RowFormatter(sim.day, date, idOffset);
    this.plan = planNoise(this.o, sim.day, sim.rows, sim.rowData, ROW_STRIDE, acrossRows);
    return this.plan.donorRows.map((r) => this.rowText(r));
  }

  private secondOf(row: number): number {
    const first = this.sim.firstRow;
    let lo = 0;
    let hi = SECONDS_PER_DAY - 1;
    // Largest s with first[s] <= row; rows of second s are [first[s], first[s+1]).
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (first[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private rowFields(row: number, second = this.secondOf(row)): RowFields {
    const d = this.sim.rowData;
    const q = row * ROW_STRIDE;
    return this.formatter!.fields(row, second, d[q], d[q + 1], d[q + 2] >>> 2, d[q + 2] & 3);
  }

  /** A clean row exactly as the fast path writes it. */
  rowText(row: number): string {
    return joinRow(this.rowFields(row));
  }

  async write(sink: ChunkSink, signal?: AbortSignal): Promise<DayWritten> {
    const sim = this.sim;
    const plan = this.plan;
    if (!this.formatter || !plan) throw new Error('DayEngine.write called before prepare');
    // A sink that releases its chunks gets two, filled in turn: one is written while the other fills.
    const reuse = sink.releasesChunks === true;
    const take = (): RowTarget => (reuse && this.spare.pop()) || rowTarget(Buffer.allocUnsafeSlow(CHUNK_BYTES));
    let target = take();
    let p = target.bytes.write(`${COURSE_HEADER}\n`, 0, 'latin1');
    let pending: Promise<void> = Promise.resolve();
    let inFlight: RowTarget | undefined;
    let bytes = 0;
    const at: WriteCursor = { row: 0, second: -1, left: 0, def: 0, ins: 0, written: 0, done: false };
    for (;;) {
      p = this.fill(at, target, p);
      if (at.done && p === 0) break;
      await pending;
      if (reuse && inFlight) this.spare.push(inFlight);
      inFlight = undefined;
      signal?.throwIfAborted();
      bytes += p;
      pending = sink.write(target.bytes.subarray(0, p));
      inFlight = target;
      if (at.done) break;
      target = take();
      p = 0;
    }
    await pending;
    if (reuse && inFlight) this.spare.push(inFlight);
    if (reuse && inFlight !== target) this.spare.push(target);
    return { day: sim.day, rows: at.written, bytes, defects: { ...plan.counts } };
  }

  /**
   * Formats rows from `at` into `t` from `p` until the chunk is nearly full or the day is done; returns the new
   * position. Synchronous, so the hot loop keeps its state in locals.
   */
  private fill(at: WriteCursor, t: RowTarget, p: number): number {
    const sim = this.sim;
    const fmt = this.formatter!;
    const plan = this.plan!;
    const { rowData, perSecond } = sim;
    const n = sim.rows;
    const { defectRow, defectKind, defectVariant, insertAfter, insertSource } = plan;
    const buf = t.bytes;
    const limit = CHUNK_BYTES - ROW_SLACK;
    let { row, second, left, def, ins, written } = at;
    for (;;) {
      // Extra rows following the previous row (after = -1: right after the header).
      while (ins < insertAfter.length && insertAfter[ins] === row - 1) {
        if (p > limit) break;
        p += buf.write(this.insertText(insertSource[ins++]), p, 'latin1');
        written++;
      }
      if (p > limit) break;
      if (row === n) {
        at.done = true;
        break;
      }
      while (left === 0) {
        second++;
        left = perSecond[second];
        if (left > 0) fmt.setSecond(second);
      }
      left--;
      if (def < defectRow.length && defectRow[def] === row) {
        const f = this.rowFields(row, second);
        applyDefect(f, defectKind[def], defectVariant[def], sim.day, fmt.date);
        p += buf.write(joinRow(f), p, 'latin1');
        def++;
      } else {
        p = fmt.write(t, p, row, rowData, row * ROW_STRIDE);
      }
      written++;
      row++;
    }
    at.row = row;
    at.second = second;
    at.left = left;
    at.def = def;
    at.ins = ins;
    at.written = written;
    return p;
  }

  private insertText(source: number | string): string {
    return typeof source === 'number' ? this.rowText(source) : source;
  }
}
