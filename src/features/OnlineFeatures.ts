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

/** A queue of (time, value) pairs with amortised O(1) eviction from the front. */
class TimedQueue {
  times: number[] = [];
  values: number[] = [];
  head = 0;

  push(time: number, value: number): void {
    this.times.push(time);
    this.values.push(value);
  }

  /** Drops entries with time ≤ bound. */
  evictUpTo(bound: number): void {
    while (this.head < this.times.length && this.times[this.head] <= bound) this.head++;
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.times.length - this.head;
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
      const lower = t - w * DAY;
      let n = 0;
      let s = 0;
      for (let i = cq.times.length - 1; i >= cq.head && cq.times[i] > lower; i--) {
        n++;
        s += cq.values[i];
      }
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
      const lower = upper - w * DAY;
      let n = 0;
      let f = 0;
      for (let i = tq.head; i < tq.times.length && tq.times[i] <= upper; i++) {
        if (tq.times[i] > lower) {
          n++;
          f += tq.values[i];
        }
      }
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
