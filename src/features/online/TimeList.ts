/**
 * Sorted event times of one key, for count windows. Appends in time order are O(1); a late arrival (a label
 * reported out of order) is inserted in place. Eviction from the front is amortised O(1): the dead prefix is
 * cut once it is more than half the array, so memory follows the live entries.
 */
export class TimeList {
  times: number[] = [];
  head = 0;

  /** Adds a time; in-order appends are the fast path. */
  add(time: number): void {
    const n = this.times.length;
    if (n === this.head || this.times[n - 1] <= time) {
      this.times.push(time);
      return;
    }
    this.times.splice(this.firstAfter(time), 0, time);
  }

  /** Drops entries with time ≤ bound. */
  evictUpTo(bound: number): void {
    this.head = this.firstAfter(bound);
    compact(this);
  }

  /** Number of entries with time in (lower, upper]. */
  count(lower: number, upper: number): number {
    const hi = this.firstAfter(upper);
    const lo = this.firstAfter(lower);
    return hi > lo ? hi - lo : 0;
  }

  get size(): number {
    return this.times.length - this.head;
  }

  /** Live entries, oldest first. */
  live(): number[] {
    return this.times.slice(this.head);
  }

  /** Index of the first live entry with time > bound. */
  firstAfter(bound: number): number {
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

/**
 * Cuts the dead prefix of a front-evicted array once it dominates. Running sums are rebased so that sums[0] is
 * again the first live value (a window starting at index 0 subtracts nothing).
 */
export function compact(q: { head: number; times: number[]; sums?: number[] }): void {
  if (q.head === 0) return;
  if (q.head === q.times.length) {
    q.times = [];
    if (q.sums) q.sums = [];
    q.head = 0;
  } else if (q.head > 16 && q.head * 2 > q.times.length) {
    q.times = q.times.slice(q.head);
    if (q.sums) {
      const base = q.sums[q.head - 1];
      q.sums = q.sums.slice(q.head);
      for (let i = 0; i < q.sums.length; i++) q.sums[i] -= base;
    }
    q.head = 0;
  }
}
