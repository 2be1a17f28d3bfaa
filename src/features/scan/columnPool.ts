/**
 * Arrays of a day's columns, given back once a day is done with them and taken again for a later day, so the build
 * holds a few days' columns instead of allocating (and the kernel zeroing) new ones every day.
 */
import { newArray } from '../../util/sharedMemory.js';

/** The array types a pool holds. */
export type ColumnArray = Float64Array | BigInt64Array | Int32Array;
export type ColumnClass = typeof Float64Array | typeof BigInt64Array | typeof Int32Array;

export class ColumnPool {
  private readonly free: ColumnArray[][] = [];

  /** `shared`: arrays in shared memory, which threads read and write without moving them. */
  constructor(
    private readonly types: readonly ColumnClass[],
    private readonly shared = false,
  ) {}

  /**
   * A set of columns each exactly `rows` long (views of longer arrays): from the pool when one is long enough, else
   * new with an eighth to spare.
   */
  take(rows: number): ColumnArray[] {
    const i = this.free.findIndex((set) => set[0].length >= rows);
    const set = i >= 0 ? this.free.splice(i, 1)[0] : this.types.map((Ctor) => newArray<ColumnArray>(Ctor, rows + (rows >> 3), this.shared));
    return set.map((c) => c.subarray(0, rows));
  }

  /** Gives back a set taken from this pool (views of its arrays). */
  give(columns: readonly ArrayBufferView[]): void {
    if (columns.length !== this.types.length) return;
    this.free.push(columns.map((c, k) => new this.types[k](c.buffer as ArrayBuffer, 0, c.buffer.byteLength / this.types[k].BYTES_PER_ELEMENT)));
  }
}
