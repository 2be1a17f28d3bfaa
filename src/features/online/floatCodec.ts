/**
 * A growable Float64 buffer and its reader: the body of a state snapshot. Times, ids and cents are integers
 * below 2^53, so doubles hold them exactly, and a Float64Array is written and read without per-value parsing.
 */
import { FraudopsError } from '../../errors.js';

export class FloatWriter {
  private buf = new Float64Array(1024);
  private n = 0;

  push(...values: number[]): void {
    for (const v of values) {
      if (this.n === this.buf.length) this.grow(1);
      this.buf[this.n++] = v;
    }
  }

  pushAll(values: ArrayLike<number>): void {
    if (this.n + values.length > this.buf.length) this.grow(values.length);
    for (let i = 0; i < values.length; i++) this.buf[this.n++] = values[i];
  }

  /** The bytes written so far (little-endian doubles). */
  bytes(): Buffer {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.n * 8);
  }

  private grow(extra: number): void {
    const next = new Float64Array(Math.max(this.buf.length * 2, this.n + extra));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }
}

export class FloatReader {
  private i = 0;
  private readonly values: Float64Array;

  constructor(bytes: Uint8Array, private readonly what: string) {
    if (bytes.byteLength % 8 !== 0) throw corrupt(what, 'body is not a whole number of doubles');
    // Copy into an aligned buffer: a slice of a larger Buffer may start at any byte offset.
    const aligned = new Uint8Array(bytes.byteLength);
    aligned.set(bytes);
    this.values = new Float64Array(aligned.buffer);
  }

  next(): number {
    if (this.i >= this.values.length) throw corrupt(this.what, 'body ends early');
    return this.values[this.i++];
  }

  take(n: number): Float64Array {
    if (!Number.isInteger(n) || n < 0 || this.i + n > this.values.length) throw corrupt(this.what, 'body ends early');
    const out = this.values.subarray(this.i, this.i + n);
    this.i += n;
    return out;
  }

  get done(): boolean {
    return this.i === this.values.length;
  }
}

function corrupt(what: string, why: string): FraudopsError {
  return new FraudopsError('SNAPSHOT_INVALID', `${what}: not a feature-state snapshot (${why})`, { context: { uri: what } });
}
