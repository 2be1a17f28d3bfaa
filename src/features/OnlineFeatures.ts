/**
 * Incremental features from keyed state: the per-transaction update the streaming scorer uses. Feed each
 * key's transactions in (time, transaction_id) order; the values equal the batch SQL's bit for bit (see the
 * semantics in spec.ts). State per customer is the last max(customer window) days of (time, cents); per
 * terminal the last (delay + max terminal window) days of (time, fraud label).
 */
import { featureNames, type FeatureSpec, DEFAULT_FEATURE_SPEC } from './spec.js';

const DAY = 86400;

export interface OnlineTransaction {
  /** Epoch seconds (UTC). */
  time: number;
  customerId: number;
  terminalId: number;
  amount: number;
  /** The label, once known; it only enters terminal windows `delay` days later. */
  fraud: number;
}

/**
 * (time, value) pairs in time order with running sums, so any time window's count and sum cost two binary
 * searches instead of a scan (a busy terminal holds thousands of entries). Values are integers (cents, labels),
 * so differences of running sums are exact. Eviction from the front is amortised O(1).
 */
class TimedQueue {
  times: number[] = [];
  /** sums[i] = values[0] + ... + values[i], counted from the last compaction. */
  sums: number[] = [];
  head = 0;

  push(time: number, value: number): void {
    const n = this.sums.length;
    this.times.push(time);
    this.sums.push((n === 0 ? 0 : this.sums[n - 1]) + value);
  }

  /** Drops entries with time ≤ bound. */
  evictUpTo(bound: number): void {
    this.head = this.firstAfter(bound);
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.sums = this.sums.slice(this.head);
      this.head = 0;
    }
  }

  /** Count and sum of the entries with time in (lower, upper]. */
  window(lower: number, upper: number): { n: number; sum: number } {
    const lo = this.firstAfter(lower);
    const hi = this.firstAfter(upper);
    if (hi <= lo) return { n: 0, sum: 0 };
    return { n: hi - lo, sum: this.sums[hi - 1] - (lo === 0 ? 0 : this.sums[lo - 1]) };
  }

  get size(): number {
    return this.times.length - this.head;
  }

  /** Index of the first live entry with time > bound. */
  private firstAfter(bound: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid] <= bound) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class OnlineFeatures {
  readonly names: string[];
  private readonly customers = new Map<number, TimedQueue>();
  private readonly terminals = new Map<number, TimedQueue>();
  private readonly maxCustomerWindow: number;
  private readonly terminalHorizon: number;

  constructor(readonly spec: FeatureSpec = DEFAULT_FEATURE_SPEC) {
    this.names = featureNames(spec);
    this.maxCustomerWindow = Math.max(...spec.customerWindowsDays) * DAY;
    this.terminalHorizon = (spec.delayDays + Math.max(...spec.terminalWindowsDays)) * DAY;
  }

  /** Computes the features of `tx` and then adds it to the state. */
  update(tx: OnlineTransaction, out: Float64Array = new Float64Array(this.names.length)): Float64Array {
    const { spec } = this;
    const t = tx.time;
    const cents = Math.round(tx.amount * 100);
    const date = new Date(t * 1000);
    let k = 0;
    out[k++] = tx.amount;
    const dow = date.getUTCDay();
    out[k++] = dow === 0 || dow === 6 ? 1 : 0;
    out[k++] = date.getUTCHours() <= spec.nightMaxHour ? 1 : 0;

    let cq = this.customers.get(tx.customerId);
    if (!cq) this.customers.set(tx.customerId, (cq = new TimedQueue()));
    cq.push(t, cents);
    cq.evictUpTo(t - this.maxCustomerWindow);
    const windowN: number[] = [];
    const windowS: number[] = [];
    for (const w of spec.customerWindowsDays) {
      const { n, sum: s } = cq.window(t - w * DAY, t);
      out[k++] = n;
      out[k++] = s / (n * 100);
      windowN.push(n);
      windowS.push(s);
    }

    let tq = this.terminals.get(tx.terminalId);
    if (!tq) this.terminals.set(tx.terminalId, (tq = new TimedQueue()));
    tq.evictUpTo(t - this.terminalHorizon);
    const upper = t - spec.delayDays * DAY;
    for (const w of spec.terminalWindowsDays) {
      const { n, sum: f } = tq.window(upper - w * DAY, upper);
      out[k++] = n;
      out[k++] = n === 0 ? 0 : f / n;
    }
    tq.push(t, tx.fraud);

    for (const w of spec.amountRatioWindowsDays) {
      const i = spec.customerWindowsDays.indexOf(w);
      out[k++] = windowS[i] === 0 ? 1 : (cents * windowN[i]) / windowS[i];
    }
    return out;
  }

  /** Keys held, for capacity planning and tests. */
  stateSize(): { customers: number; terminals: number; entries: number } {
    let entries = 0;
    for (const q of this.customers.values()) entries += q.size;
    for (const q of this.terminals.values()) entries += q.size;
    return { customers: this.customers.size, terminals: this.terminals.size, entries };
  }
}
