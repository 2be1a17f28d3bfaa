/**
 * Draws bootstrap resamples as row indices: plain rows with replacement, or whole blocks (all rows of a day
 * or of a card) with replacement, as many blocks as there are, so rows that move together stay together.
 * A resample keeps the original row indices, so any per-row column (day, customer) follows its row.
 */
import { validationInputInvalid } from './errors.js';
import type { Rng } from '../util/prng.js';

export class Resampler {
  private readonly n: number;
  /** Rows of block k are blockRows[blockStart[k] .. blockStart[k + 1]). */
  private readonly blockStart: Int32Array | undefined;
  private readonly blockRows: Int32Array | undefined;

  /** @param blocks block id of each row (day or card), or undefined for row resampling. */
  constructor(n: number, blocks?: Int32Array) {
    this.n = n;
    if (blocks === undefined) return;
    if (blocks.length !== n) throw validationInputInvalid('bootstrap', `blocks (${blocks.length}) and rows (${n}) differ in length`);
    const index = new Map<number, number>();
    const counts: number[] = [];
    const blockOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let k = index.get(blocks[i]);
      if (k === undefined) {
        k = counts.length;
        index.set(blocks[i], k);
        counts.push(0);
      }
      counts[k]++;
      blockOf[i] = k;
    }
    const start = new Int32Array(counts.length + 1);
    for (let k = 0; k < counts.length; k++) start[k + 1] = start[k] + counts[k];
    const fill = start.slice(0, counts.length);
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[fill[blockOf[i]]++] = i;
    this.blockStart = start;
    this.blockRows = rows;
  }

  /** Number of resampling units: rows, or blocks. */
  get units(): number {
    return this.blockStart === undefined ? this.n : this.blockStart.length - 1;
  }

  /** One resample's row indices (with repeats). Block resamples vary in length with the blocks drawn. */
  draw(rng: Rng): Int32Array {
    const start = this.blockStart;
    const rows = this.blockRows;
    if (start === undefined || rows === undefined) {
      const out = new Int32Array(this.n);
      for (let j = 0; j < this.n; j++) out[j] = rng.nextInt(this.n);
      return out;
    }
    const k = start.length - 1;
    const picks = new Int32Array(k);
    let total = 0;
    for (let j = 0; j < k; j++) {
      const b = rng.nextInt(k);
      picks[j] = b;
      total += start[b + 1] - start[b];
    }
    const out = new Int32Array(total);
    let o = 0;
    for (let j = 0; j < k; j++) {
      const b = picks[j];
      out.set(rows.subarray(start[b], start[b + 1]), o);
      o += start[b + 1] - start[b];
    }
    return out;
  }
}
