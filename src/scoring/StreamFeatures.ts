/**
 * Online features for a scorer that reads a partitioned stream. Customer windows come from per-partition
 * state built from the stream itself, bootstrapped on first start from the lake's history before the
 * partition's first transaction. Terminal windows lag by the label delay, so everything they read is already in
 * the lake: the terminal state is loaded from lake days as event time advances, and days prepared later are
 * picked up when they appear. No transaction's own label is ever read from the stream.
 */
import { DAY_SECONDS, OnlineFeatures, type OnlineTransaction } from '../features/OnlineFeatures.js';
import { TerminalState } from '../features/online/TerminalState.js';
import { customerHistoryDays, type FeatureSpec } from '../features/spec.js';
import type { HistoryRows, LakeHistory } from './LakeHistory.js';

const LAKE_RECHECK_MS = 30_000;
/** How close (event time) to needing the next terminal day its read from the lake starts. */
const PREFETCH_SECONDS = 6 * 3600;

function dayStart(t: number): number {
  return t - (((t % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS);
}

export class StreamFeatures {
  readonly terminals = new TerminalState();
  private readonly partitions = new Map<number, OnlineFeatures>();
  /** Lake rows with time in [terminalLoadedFrom, terminalLoadedTo) are in the terminal state. */
  private terminalLoadedFrom = Infinity;
  private terminalLoadedTo = -Infinity;
  private nextTerminalSweep = -Infinity;
  private lakeDays: Set<string> | undefined;
  private lakeCheckedAt = 0;
  /** The next terminal day, being read from the lake ahead of need. */
  private prefetch: { from: number; to: number; rows: Promise<HistoryRows> } | undefined;
  private readonly delay: number;
  private readonly terminalSpan: number;
  private readonly customerSpan: number;
  /** Days the terminal windows needed that the lake did not have yet (a gauge for /metrics). */
  lakeDaysMissing = 0;

  constructor(
    readonly spec: FeatureSpec,
    private readonly history: LakeHistory | undefined,
    /** Which partition a customer's transactions are in (the producer's rule); selects bootstrap history. */
    private readonly partitionOf: (customerId: number) => number,
  ) {
    this.delay = spec.delayDays * DAY_SECONDS;
    this.terminalSpan = (spec.delayDays + Math.max(...spec.terminalWindowsDays)) * DAY_SECONDS;
    // Customer state is rebuilt from as far back as its features reach (outliers were judged on their own windows).
    this.customerSpan = customerHistoryDays(spec) * DAY_SECONDS;
  }

  /** The partition's features, created (and bootstrapped from the lake) at its first transaction. */
  async partition(p: number, firstTime: number): Promise<OnlineFeatures> {
    let f = this.partitions.get(p);
    if (f) return f;
    f = new OnlineFeatures(this.spec, { terminals: 'external', terminalState: this.terminals, latenessSeconds: DAY_SECONDS });
    if (this.history) {
      // One read of whole days serves every partition that starts on the same day, in this session and the next
      // (a session rebuilt after a rebalance): six reads of a month each kept a loaded scorer's event loop busy
      // past its group session timeout, so every rebuild was cut short by the next rebalance.
      const day = dayStart(firstTime);
      const h = await this.history.rowsShared(day - this.customerSpan, day + DAY_SECONDS);
      const from = firstTime - this.customerSpan;
      for (let i = 0; i < h.time.length; i++) {
        if (h.time[i] < from || h.time[i] >= firstTime || this.partitionOf(h.customerId[i]) !== p) continue;
        f.remember({ time: h.time[i], customerId: h.customerId[i], terminalId: h.terminalId[i], amount: h.amount[i] });
      }
    }
    this.partitions.set(p, f);
    return f;
  }

  has(p: number): boolean {
    return this.partitions.has(p);
  }

  /** Forgets a partition that moved to another scorer; if it comes back, it is rebuilt. */
  drop(p: number): void {
    this.partitions.delete(p);
  }

  /** Loads terminal history from the lake for what scoring events in [minTime, maxTime] may read. */
  async prepareFor(minTime: number, maxTime: number): Promise<void> {
    if (!this.history || maxTime < minTime) return;
    const needFrom = dayStart(minTime - this.terminalSpan);
    const needTo = maxTime - this.delay + 1;
    if (needTo <= this.terminalLoadedTo && needFrom >= this.terminalLoadedFrom) {
      if (this.terminalLoadedTo - needTo < PREFETCH_SECONDS) this.prefetchNextDay();
      return;
    }
    const now = Date.now();
    if (!this.lakeDays || now - this.lakeCheckedAt > LAKE_RECHECK_MS) {
      this.lakeDays = await this.history.days();
      this.lakeCheckedAt = now;
    }
    if (this.terminalLoadedTo === -Infinity) {
      this.terminalLoadedFrom = this.terminalLoadedTo = needFrom;
    } else if (needFrom < this.terminalLoadedFrom) {
      // A partition behind the others needs older history: load the days before what is held.
      await this.loadTerminals(needFrom, this.terminalLoadedFrom);
      this.terminalLoadedFrom = needFrom;
    }
    // Whole days, and only days the lake has without a gap, so a day prepared later is loaded then.
    const first = this.firstLakeDay();
    let to = this.terminalLoadedTo;
    let missing = 0;
    for (let d = this.terminalLoadedTo; d < needTo; d += DAY_SECONDS) {
      const have = this.lakeDays.has(new Date(d * 1000).toISOString().slice(0, 10)) || d < first;
      if (!have) missing++;
      else if (missing === 0) to = d + DAY_SECONDS;
    }
    this.lakeDaysMissing = missing;
    if (to > this.terminalLoadedTo) {
      await this.loadTerminals(this.terminalLoadedTo, to);
      this.terminalLoadedTo = to;
    }
    this.sweepTerminals();
  }

  /**
   * Starts reading the next terminal day from the lake while event time is still in the last hours before it is
   * needed, so the batch that crosses midnight does not wait for the lake (it did: the p99 latency's largest
   * single cause at a steady rate). Only a day the lake already has; the read is used by `loadTerminals`.
   */
  private prefetchNextDay(): void {
    const from = this.terminalLoadedTo;
    if (this.prefetch?.from === from || !this.lakeDays?.has(new Date(from * 1000).toISOString().slice(0, 10))) return;
    const rows = this.history!.rows(from, from + DAY_SECONDS);
    // A failed prefetch is read again on the hot path, where its error surfaces.
    rows.catch(() => undefined);
    this.prefetch = { from, to: from + DAY_SECONDS, rows };
  }

  private async loadTerminals(from: number, to: number): Promise<void> {
    const prefetched = this.prefetch;
    if (prefetched && prefetched.from === from && prefetched.to <= to) {
      this.prefetch = undefined;
      const rows = await prefetched.rows.catch(() => undefined);
      if (rows) {
        this.applyTerminals(rows);
        from = prefetched.to;
        if (from >= to) return;
      }
    }
    this.applyTerminals(await this.history!.rows(from, to));
  }

  private applyTerminals(rows: HistoryRows): void {
    for (let i = 0; i < rows.time.length; i++) {
      this.terminals.observe(rows.terminalId[i], rows.time[i]);
      this.terminals.label(rows.terminalId[i], rows.time[i], rows.fraud[i]);
    }
  }

  /** Once a day of event time: drops terminal entries older than the slowest partition can still read. */
  private sweepTerminals(): void {
    if (this.partitions.size === 0) return;
    let slowest = Infinity;
    for (const f of this.partitions.values()) slowest = Math.min(slowest, f.watermark);
    if (!Number.isFinite(slowest) || slowest < this.nextTerminalSweep) return;
    // Day-aligned, so what is held stays whole days [terminalLoadedFrom, terminalLoadedTo).
    const bound = dayStart(slowest - DAY_SECONDS - this.terminalSpan);
    if (bound <= this.terminalLoadedFrom) return;
    this.terminals.sweep(bound - 1);
    this.terminalLoadedFrom = bound;
    this.nextTerminalSweep = slowest + DAY_SECONDS;
  }

  stateSize(): { partitions: number; customers: number; terminals: number; entries: number } {
    let customers = 0;
    let entries = this.terminals.entryCount;
    for (const f of this.partitions.values()) {
      customers += f.customers.keyCount;
      entries += f.customers.entryCount;
    }
    return { partitions: this.partitions.size, customers, terminals: this.terminals.keyCount, entries };
  }

  private firstLakeDay(): number {
    const days = [...(this.lakeDays ?? [])].sort();
    return days.length ? Date.parse(`${days[0]}T00:00:00Z`) / 1000 : Infinity;
  }

  /** Scores one transaction of partition `p` (its state must exist: see `partition`). */
  score(p: number, tx: OnlineTransaction, out: Float64Array): Float64Array {
    return this.partitions.get(p)!.score(tx, out);
  }
}
