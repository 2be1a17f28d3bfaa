/**
 * Per-customer state for the customer windows: each customer's (time, amount in cents) over the longest
 * customer window. Entries older than that are evicted when the customer is seen again, and by `sweep` for
 * customers that went quiet, so the state holds at most the live window of each active customer.
 */
import { TimedSums } from './TimedSums.js';
import { FloatReader, FloatWriter } from './floatCodec.js';

export class CustomerState {
  private readonly keys = new Map<number, TimedSums>();

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
  }

  get keyCount(): number {
    return this.keys.size;
  }

  get entryCount(): number {
    let n = 0;
    for (const q of this.keys.values()) n += q.size;
    return n;
  }

  /** Layout: count, then per customer: id, n, n times, n values. */
  encode(w: FloatWriter): void {
    const ids = [...this.keys.keys()].sort((a, b) => a - b);
    w.push(ids.length);
    for (const id of ids) {
      const { times, values } = this.keys.get(id)!.live();
      w.push(id, times.length);
      w.pushAll(times);
      w.pushAll(values);
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
  }
}
