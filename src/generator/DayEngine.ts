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
    const fmt = this.formatter;
    const plan = this.plan;
    if (!fmt || !plan) throw new Error('DayEngine.write called before prepare');
    const { rowData, perSecond } = sim;
    const n = sim.rows;
    const { defectRow, defectKind, defectVariant, insertAfter, insertSource } = plan;
    // A sink that releases its chunks gets two, filled in turn: one is written while the other fills.
    const reuse = sink.releasesChunks === true;
    const take = (): RowTarget => (reuse && this.spare.pop()) || rowTarget(Buffer.allocUnsafeSlow(CHUNK_BYTES));
    let target = take();
    let buf = target.bytes;
    let p = buf.write(`${COURSE_HEADER}\n`, 0, 'latin1');
    let pending: Promise<void> = Promise.resolve();
    let inFlight: RowTarget | undefined;
    let bytes = 0;
    let written = 0;
    const flush = async (): Promise<void> => {
      await pending;
      if (reuse && inFlight) this.spare.push(inFlight);
      inFlight = undefined;
      signal?.throwIfAborted();
      const chunk = buf.subarray(0, p);
      bytes += p;
      pending = sink.write(chunk);
      inFlight = target;
      target = take();
      buf = target.bytes;
      p = 0;
    };
    const writeText = (text: string): void => {
      p += buf.write(text, p, 'latin1');
      written++;
    };
    let ins = 0;
    while (ins < insertAfter.length && insertAfter[ins] < 0) writeText(this.insertText(insertSource[ins++]));
    let def = 0;
    let second = -1;
    let left = 0;
    const limit = CHUNK_BYTES - ROW_SLACK;
    for (let row = 0; row < n; row++) {
      while (left === 0) {
        second++;
        left = perSecond[second];
        if (left > 0) fmt.setSecond(second);
      }
      left--;
      if (p > limit) await flush();
      if (def < defectRow.length && defectRow[def] === row) {
        const f = this.rowFields(row, second);
        applyDefect(f, defectKind[def], defectVariant[def], sim.day, fmt.date);
        writeText(joinRow(f));
        def++;
      } else {
        p = fmt.write(target, p, row, rowData, row * ROW_STRIDE);
        written++;
      }
      while (ins < insertAfter.length && insertAfter[ins] === row) {
        if (p > limit) await flush();
        writeText(this.insertText(insertSource[ins++]));
      }
    }
    if (p > 0) await flush();
    await pending;
    if (reuse && inFlight) this.spare.push(inFlight);
    if (reuse) this.spare.push(target);
    return { day: sim.day, rows: written, bytes, defects: { ...plan.counts } };
  }

  private insertText(source: number | string): string {
    return typeof source === 'number' ? this.rowText(source) : source;
  }
}
