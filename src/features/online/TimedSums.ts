/**
 * (time, integer value) pairs of one key in time order with running sums, so a window's count and sum cost two
 * binary searches instead of a scan. Values are integers (cents), so differences of running sums are exact in
 * any order of addition, which is what keeps the online features equal to the batch SQL to the last bit.
 */
import { compact } from './TimeList.js';

export class TimedSums {
  times: number[] = [];
  /** sums[i] = value[0] + … + value[i], counted from the first entry since the array was last emptied. */
  sums: number[] = [];
  head = 0;

  /** Appends an entry; times must not decrease (a key's transactions arrive in order). */
  push(time: number, value: number): void {
    const n = this.sums.length;
    this.times.push(time);
    this.sums.push((n === 0 ? 0 : this.sums[n - 1]) + value);
  }

  /** Drops entries with time ≤ bound. */
  evictUpTo(bound: number): void {
    this.head = this.firstAfter(bound);
    compact(this);
  }

  /** Count and sum of the entries with time in (lower, upper], into n[slot] and sum[slot]. */
  window(lower: number, upper: number, n: number[], sum: number[], slot: number): void {
    const lo = this.firstAfter(lower);
    const hi = this.firstAfter(upper);
    if (hi <= lo) {
      n[slot] = 0;
      sum[slot] = 0;
    } else {
      n[slot] = hi - lo;
      sum[slot] = this.sums[hi - 1] - (lo === 0 ? 0 : this.sums[lo - 1]);
    }
  }

  get size(): number {
    return this.times.length - this.head;
  }

  get lastTime(): number {
    return this.times.length > this.head ? this.times[this.times.length - 1] : -Infinity;
  }

  /** Live entries as parallel arrays of times and values, oldest first. */
  live(): { times: number[]; values: number[] } {
    const times = this.times.slice(this.head);
    const values = times.map((_, i) => {
      const j = this.head + i;
      return this.sums[j] - (j === 0 ? 0 : this.sums[j - 1]);
    });
    return { times, values };
  }

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
