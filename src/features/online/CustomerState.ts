/**
 * Per-customer state for the customer windows: each customer's (time, amount in cents) over the longest
 * customer window, and the times of the customer's amount outliers (only customers that have one hold a list).
 * Entries older than that are evicted when the customer is seen again, and by `sweep` for customers that went
 * quiet, so the state holds at most the live window of each active customer.
 */
import { TimedSums } from './TimedSums.js';
import { TimeList } from './TimeList.js';
import { FloatReader, FloatWriter } from './floatCodec.js';

export class CustomerState {
  private readonly keys = new Map<number, TimedSums>();
  private readonly outliers = new Map<number, TimeList>();

  /** `withOutliers`: whether outlier times are kept (and written to snapshots): the layout follows the spec. */
  constructor(private readonly withOutliers = false) {}

  /** Records that the customer's transaction at `time` was an amount outlier. */
  markOutlier(customerId: number, time: number): void {
    let l = this.outliers.get(customerId);
    if (!l) this.outliers.set(customerId, (l = new TimeList()));
    l.add(time);
  }

  /** The customer's outliers with time in (lower, upper], after dropping those ≤ evictBound. */
  countOutliers(customerId: number, lower: number, upper: number, evictBound: number): number {
    const l = this.outliers.get(customerId);
    if (!l) return 0;
    l.evictUpTo(evictBound);
    if (l.size === 0) {
      this.outliers.delete(customerId);
      return 0;
    }
    return l.count(lower, upper);
  }

  /** Appends (time, cents) to the customer's history after dropping entries ≤ evictBound; returns the history. */
  record(customerId: number, time: number, cents: number, evictBound: number): TimedSums {
    let q = this.keys.get(customerId);
    if (!q) this.keys.set(customerId, (q = new TimedSums()));
    q.push(time, cents);
    q.evictUpTo(evictBound);
    return q;
  }

  /** Drops entries with time ≤ bound from every customer, and customers left empty. */
  sweep(bound: number): void {
    for (const [id, q] of this.keys) {
      q.evictUpTo(bound);
      if (q.size === 0) this.keys.delete(id);
    }
    for (const [id, l] of this.outliers) {
      l.evictUpTo(bound);
      if (l.size === 0) this.outliers.delete(id);
    }
  }

  get keyCount(): number {
    return this.keys.size;
  }

  get entryCount(): number {
    let n = 0;
    for (const q of this.keys.values()) n += q.size;
    for (const l of this.outliers.values()) n += l.size;
    return n;
  }

  /**
   * Layout: count, then per customer: id, n, n times, n values; with outliers, then their count and per customer:
   * id, n, n outlier times.
   */
  encode(w: FloatWriter): void {
    const ids = [...this.keys.keys()].sort((a, b) => a - b);
    w.push(ids.length);
    for (const id of ids) {
      const { times, values } = this.keys.get(id)!.live();
      w.push(id, times.length);
      w.pushAll(times);
      w.pushAll(values);
    }
    if (!this.withOutliers) return;
    const withOutliers = [...this.outliers.keys()].sort((a, b) => a - b);
    w.push(withOutliers.length);
    for (const id of withOutliers) {
      const times = this.outliers.get(id)!.live();
      w.push(id, times.length);
      w.pushAll(times);
    }
  }

  /** Adds the customers of an encoded block (a block never repeats a customer this state already holds). */
  decodeInto(r: FloatReader): void {
    const count = r.next();
    for (let k = 0; k < count; k++) {
      const id = r.next();
      const n = r.next();
      const q = new TimedSums();
      const times = r.take(n);
      const values = r.take(n);
      for (let i = 0; i < n; i++) q.push(times[i], values[i]);
      this.keys.set(id, q);
    }
    if (!this.withOutliers) return;
    const outliers = r.next();
    for (let k = 0; k < outliers; k++) {
      const id = r.next();
      for (const time of r.take(r.next())) this.markOutlier(id, time);
    }
  }
}
