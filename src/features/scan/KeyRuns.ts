/**
 * Each key's recent entries (time, value, flag), in time order, in a few shared typed arrays: one segment of the
 * arrays per key, with a key's cursors (positions into its segment) and running sums beside it. The feature scan
 * appends a key's entries and moves its cursors forward; the entries before every cursor are dead and their room is
 * taken back when the segment fills (moved to its front, or into a segment twice as large). A key whose newest
 * entry is older than every window (`sweep`) gives its segment back. So the arrays hold the live windows of the
 * keys, whatever the number of rows before them.
 */
export class KeyRuns {
  /** Per key: segment start, capacity (0: none), end (entries held), then `cursors` positions. */
  meta: Int32Array;
  /** Per key: `sums` running sums. */
  sums: Float64Array;
  time: Int32Array;
  value: Float64Array;
  flag: Uint8Array;
  readonly stride: number;
  keys = 0;
  private used = 0;
  private readonly free = new Map<number, number[]>();

  constructor(
    readonly cursors: number,
    readonly sumCount: number,
  ) {
    this.stride = 3 + cursors;
    this.meta = new Int32Array(this.stride * 1024);
    this.sums = new Float64Array(Math.max(1, sumCount) * 1024);
    this.time = new Int32Array(1 << 16);
    this.value = new Float64Array(1 << 16);
    this.flag = new Uint8Array(1 << 16);
  }

  /** A new key's index (no segment yet). */
  addKey(): number {
    if ((this.keys + 1) * this.stride > this.meta.length) {
      this.meta = grow(this.meta, this.meta.length * 2) as Int32Array;
      this.sums = grow(this.sums, this.sums.length * 2) as Float64Array;
    }
    return this.keys++;
  }

  /**
   * Appends an entry to key `k` and returns its index in the arrays. Room is made first when the segment is full:
   * the entries before the key's first cursor are dropped.
   */
  push(k: number, time: number, value: number, flag: number): number {
    const m = this.meta;
    const o = k * this.stride;
    if (m[o + 1] === m[o + 2]) this.makeRoom(k);
    const at = m[o] + m[o + 2]++;
    this.time[at] = time;
    this.value[at] = value;
    this.flag[at] = flag;
    return at;
  }

  /** Drops every key whose newest entry is at or before `bound` (its cursors and sums are reset to empty). */
  sweep(bound: number): void {
    const m = this.meta;
    for (let k = 0; k < this.keys; k++) {
      const o = k * this.stride;
      const cap = m[o + 1];
      if (cap === 0 || (m[o + 2] > 0 && this.time[m[o] + m[o + 2] - 1] > bound)) continue;
      this.release(m[o], cap);
      m.fill(0, o, o + this.stride);
      this.sums.fill(0, k * this.sumCount, (k + 1) * this.sumCount);
    }
  }

  /** Entries held (live and not yet reclaimed), for the memory bound. */
  get entries(): number {
    let n = 0;
    for (let k = 0; k < this.keys; k++) n += this.meta[k * this.stride + 2];
    return n;
  }

  private makeRoom(k: number): void {
    const m = this.meta;
    const o = k * this.stride;
    const [base, cap, end] = [m[o], m[o + 1], m[o + 2]];
    let first = end;
    for (let c = 0; c < this.cursors; c++) first = Math.min(first, m[o + 3 + c]);
    if (cap > 0 && first >= cap >> 1) {
      // Half or more of the segment is dead: move the live entries to its front.
      this.time.copyWithin(base, base + first, base + end);
      this.value.copyWithin(base, base + first, base + end);
      this.flag.copyWithin(base, base + first, base + end);
    } else {
      const size = cap === 0 ? 8 : cap * 2;
      const to = this.allocate(size);
      if (cap > 0) {
        this.time.copyWithin(to, base + first, base + end);
        this.value.copyWithin(to, base + first, base + end);
        this.flag.copyWithin(to, base + first, base + end);
        this.release(base, cap);
      }
      m[o] = to;
      m[o + 1] = size;
    }
    m[o + 2] = end - first;
    for (let c = 0; c < this.cursors; c++) m[o + 3 + c] -= first;
  }

  private allocate(size: number): number {
    const reuse = this.free.get(size);
    if (reuse !== undefined && reuse.length > 0) return reuse.pop()!;
    if (this.used + size > this.time.length) {
      let length = this.time.length * 2;
      while (this.used + size > length) length *= 2;
      this.time = grow(this.time, length) as Int32Array;
      this.value = grow(this.value, length) as Float64Array;
      this.flag = grow(this.flag, length) as Uint8Array;
    }
    const at = this.used;
    this.used += size;
    return at;
  }

  private release(base: number, size: number): void {
    let list = this.free.get(size);
    if (list === undefined) this.free.set(size, (list = []));
    list.push(base);
  }
}

type Growable = Int32Array | Float64Array | Uint8Array;

function grow(a: Growable, length: number): Growable {
  const b = new (a.constructor as new (n: number) => Growable)(length);
  b.set(a);
  return b;
}
