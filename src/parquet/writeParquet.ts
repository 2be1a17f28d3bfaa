/**
 * A Parquet file from typed columns held in this process, for the feature files (`features/scan`): flat OPTIONAL
 * columns of INT32, INT64 or DOUBLE without nulls, row groups of `rowGroupRows`, one data page (format v1) per column
 * chunk, no page codec. Each column chunk takes the cheapest of the encodings every Parquet reader has (Spark's
 * vectorized reader, DuckDB, Arrow): a dictionary (PLAIN_DICTIONARY) when it has at most `DICTIONARY_LIMIT` distinct
 * values, else DELTA_BINARY_PACKED for integers and PLAIN for doubles. Statistics (min, max, null count) for every
 * chunk, as readers skip row groups by them.
 *
 * The facts come from the Parquet format specification (parquet.thrift, Encodings.md); the code is ours. Values are
 * read from the columns' 32-bit words (no BigInt per value), so a 64-bit integer costs what a double does.
 */
import { CompactWriter, putVarint, zigzag } from './thriftCompact.js';

/** What a column holds and how readers should take it. */
export type ParquetColumn =
  | {
      name: string;
      type: 'DOUBLE';
      /** Doubles, or whole numbers given as 32-bit integers (counts): written as doubles all the same. */
      values: Float64Array | Int32Array;
    }
  | {
      name: string;
      /** INT32 values must fit (they are the low word of each 64-bit value). */
      type: 'INT32' | 'INT64';
      /** The logical type: timestamps in microseconds without a time zone, or an integer width. */
      annotation?: 'TIMESTAMP_MICROS' | 'INT_8' | 'INT_16' | 'INT_32' | 'INT_64';
      values: BigInt64Array;
    };

export interface ParquetWriteOptions {
  /** Rows per row group; default 122,880 (DuckDB's). */
  rowGroupRows?: number;
  /** The file's `created_by`. */
  createdBy?: string;
  /**
   * Where to write the file when it is large enough (from its start), so a caller writing file after file reuses
   * one buffer: the file returned is then a view of it. A file still in use must not be given.
   */
  buffer?: Uint8Array;
}

/** Distinct values from which a column chunk is not dictionary-encoded. */
export const DICTIONARY_LIMIT = 4096;
const DEFAULT_ROW_GROUP_ROWS = 122_880;
const MAX_ROW_GROUP_ROWS = 1 << 26;

// Enums of parquet.thrift.
const PHYSICAL = { INT32: 1, INT64: 2, DOUBLE: 5 } as const;
const CONVERTED = { TIMESTAMP_MICROS: 10, INT_8: 15, INT_16: 16, INT_32: 17, INT_64: 18 } as const;
const enum Encoding {
  Plain = 0,
  PlainDictionary = 2,
  Rle = 3,
  DeltaBinaryPacked = 5,
}
const enum PageType {
  Data = 0,
  Dictionary = 2,
}
const OPTIONAL = 1;
const REQUIRED = 0;
const UNCOMPRESSED = 0;

/** One column chunk as written: where it starts, its pages' encodings and sizes, its statistics. */
interface WrittenChunk {
  start: number;
  dictionaryOffset?: number;
  dataOffset: number;
  bytes: number;
  encodings: number[];
  min?: Uint8Array;
  max?: Uint8Array;
}

/** The file's bytes: a view of `options.buffer` when it was large enough, else of a buffer of its own. */
export function writeParquet(columns: readonly ParquetColumn[], options: ParquetWriteOptions = {}): Buffer {
  const rows = columns.length === 0 ? 0 : columns[0].values.length;
  for (const c of columns) {
    if (c.values.length !== rows) throw new RangeError(`parquet: column ${c.name} has ${c.values.length} values, not ${rows}`);
  }
  const groupRows = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  // A page's size is a 32-bit field: a chunk of 8-byte values must stay below 2 GiB.
  if (!Number.isInteger(groupRows) || groupRows < 1 || groupRows > MAX_ROW_GROUP_ROWS) {
    throw new RangeError(`parquet: rowGroupRows must be an integer from 1 to ${MAX_ROW_GROUP_ROWS}, not ${groupRows}`);
  }
  const out = new FileBytes(options.buffer ?? new Uint8Array(rows * columns.length * 4 + 65536));
  out.push(MAGIC);
  const words = columns.map((c) => (c.values instanceof Int32Array ? c.values : new Int32Array(c.values.buffer, c.values.byteOffset, c.values.length * 2)));
  const scratch = new Scratch(Math.min(groupRows, Math.max(rows, 1)));
  const groups: { rows: number; chunks: WrittenChunk[] }[] = [];
  for (let from = 0; from < rows; from += groupRows) {
    const to = Math.min(rows, from + groupRows);
    groups.push({ rows: to - from, chunks: columns.map((c, i) => writeChunk(out, c, words[i], from, to, scratch)) });
  }
  const footer = fileMetadata(columns, groups, rows, options.createdBy ?? 'fraudops');
  out.push(footer);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, footer.length, true);
  tail.set(MAGIC, 4);
  out.push(tail);
  return out.bytes();
}

const MAGIC = new TextEncoder().encode('PAR1');

/** The file as written so far, in one buffer (a larger one when it is full). */
class FileBytes {
  length = 0;
  constructor(private buf: Uint8Array) {}
  push(p: Uint8Array): void {
    if (this.length + p.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + p.length));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(p, this.length);
    this.length += p.length;
  }
  bytes(): Buffer {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.length);
  }
}

/** Reused per column chunk. */
class Scratch {
  readonly indices: Int32Array;
  /** Open addressing over the dictionary's entries (entry + 1; 0 is free). */
  readonly table = new Int32Array(DICTIONARY_LIMIT * 4);
  /** Entries of doubles that are whole numbers from 1 to DICTIONARY_LIMIT − 1 (counts), by value (entry + 1). */
  readonly direct = new Int32Array(DICTIONARY_LIMIT);
  /** The dictionary's entries, as 32-bit word pairs (little-endian 8-byte values). */
  readonly dict = new Int32Array(DICTIONARY_LIMIT * 2);
  readonly numbers: Float64Array;
  /** A chunk of 32-bit whole numbers as doubles. */
  readonly doubles: Float64Array;
  readonly bits: BitWriter;
  constructor(rows: number) {
    this.indices = new Int32Array(rows);
    this.numbers = new Float64Array(rows);
    this.doubles = new Float64Array(rows);
    this.bits = new BitWriter(rows * 9 + 1024);
  }
}

/** A column as encoded: doubles as doubles (`writeChunk` turns 32-bit whole numbers into doubles first). */
type EncodedColumn = Exclude<ParquetColumn, { type: 'DOUBLE' }> | { name: string; type: 'DOUBLE'; values: Float64Array };

function writeChunk(out: FileBytes, column: ParquetColumn, columnWords: Int32Array, from: number, to: number, s: Scratch): WrittenChunk {
  const n = to - from;
  const start = out.length;
  const chunk: WrittenChunk = { start, dataOffset: start, bytes: 0, encodings: [] };
  const levels = definitionLevels(n);
  const b = s.bits;
  b.reset();
  if (column.type === 'INT32') fitsInt32(column.name, columnWords, from, to);
  const counts = countDictionary(column, columnWords, from, to, s);
  let c: EncodedColumn;
  let words = columnWords;
  if (column.values instanceof Int32Array) {
    // Whole numbers past the counts' dictionary: as doubles, from the chunk's own scratch.
    const doubles = s.doubles.subarray(0, n);
    if (counts === undefined) for (let i = from; i < to; i++) doubles[i - from] = column.values[i];
    c = { name: column.name, type: 'DOUBLE', values: doubles };
    words = new Int32Array(doubles.buffer, doubles.byteOffset, n * 2);
    [from, to] = [0, n];
  } else c = column as EncodedColumn;
  const distinct = counts !== undefined ? counts.entries : c.type === 'DOUBLE' ? doubleDictionary(c.values, words, from, to, s) : dictionary(words, from, to, s);
  if (distinct >= 0) {
    const entries = s.dict.subarray(0, 2 * distinct);
    Object.assign(chunk, counts !== undefined ? bounds(c, counts.min, counts.max) : dictionaryStatistics(c, entries));
    const dict = c.type === 'INT32' ? new Uint8Array(Int32Array.from({ length: distinct }, (_, i) => entries[2 * i]).buffer) : new Uint8Array(entries.slice().buffer);
    chunk.dictionaryOffset = start;
    out.push(pageHeader(PageType.Dictionary, dict.length, (w) => w.struct(7, (d) => d.i32(1, distinct).i32(2, Encoding.PlainDictionary))));
    out.push(dict);
    const bitWidth = Math.max(1, bitsOf(distinct - 1));
    b.byte(bitWidth);
    hybrid(b, counts?.indices ?? s.indices, n, bitWidth);
    chunk.dataOffset = out.length;
    chunk.encodings = [Encoding.PlainDictionary, Encoding.Rle];
  } else {
    const narrow = c.type === 'DOUBLE' ? undefined : narrowChunk(words, from, to, s.indices);
    if (narrow !== undefined) {
      Object.assign(chunk, bounds(c, narrow.min, narrow.max));
      deltaBinaryPackedNarrow(b, narrow.first, s.indices, n);
      chunk.encodings = [Encoding.DeltaBinaryPacked, Encoding.Rle];
    } else {
      const stats = statistics(c, words, from, to, s.numbers);
      chunk.min = stats?.min;
      chunk.max = stats?.max;
      if (c.type !== 'DOUBLE' && stats?.safe === true) {
        deltaBinaryPacked(b, s.numbers, n);
        chunk.encodings = [Encoding.DeltaBinaryPacked, Encoding.Rle];
      } else chunk.encodings = [Encoding.Plain, Encoding.Rle];
    }
  }
  const body = chunk.encodings[0] === Encoding.Plain ? plain(c, words, from, to) : b.view();
  out.push(pageHeader(PageType.Data, levels.length + body.length, (w) => dataPageHeader(w, n, chunk.encodings[0])));
  out.push(levels);
  out.push(body);
  chunk.bytes = out.length - start;
  return chunk;
}

function fitsInt32(name: string, words: Int32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (words[2 * i + 1] !== words[2 * i] >> 31) throw new RangeError(`parquet: column ${name} row ${i} does not fit INT32`);
  }
}

/** Min and max of a chunk from its dictionary's entries (none if one is NaN, or a 64-bit integer past ±2^52). */
function dictionaryStatistics(c: ParquetColumn, entries: Int32Array): { min?: Uint8Array; max?: Uint8Array } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < entries.length; i += 2) {
    const lo = entries[i];
    const hi = entries[i + 1];
    let x: number;
    if (c.type === 'INT32') x = lo;
    else if (c.type === 'INT64') {
      if (hi < -0x100000 || hi >= 0x100000) return {};
      x = hi * 0x100000000 + (lo >>> 0);
    } else {
      x = new Float64Array(entries.buffer, entries.byteOffset + i * 4, 1)[0];
      if (x !== x) return {};
    }
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return bounds(c, min, max);
}

/** The PLAIN bytes of a chunk's min and max. */
function bounds(c: ParquetColumn, min: number, max: number): { min: Uint8Array; max: Uint8Array } {
  if (c.type === 'INT32') return { min: int32Bytes(min), max: int32Bytes(max) };
  if (c.type === 'INT64') return { min: int64Bytes(min), max: int64Bytes(max) };
  // Zeros: the specification asks for −0 as a minimum and +0 as a maximum.
  return { min: doubleBytes(min === 0 ? -0 : min), max: doubleBytes(max === 0 ? 0 : max) };
}

/**
 * Min and max as the column's PLAIN bytes (none when a value is NaN, or for 64-bit integers past ±2^52, which
 * are then written PLAIN); for integers, `numbers` gets the values as doubles and `safe` says they and their
 * differences are exact.
 */
function statistics(c: ParquetColumn, words: Int32Array, from: number, to: number, numbers: Float64Array): { min: Uint8Array; max: Uint8Array; safe: boolean } | undefined {
  let min = Infinity;
  let max = -Infinity;
  if (c.type === 'DOUBLE') {
    const v = c.values;
    for (let i = from; i < to; i++) {
      const x = v[i];
      // NaN: readers order it differently (DuckDB above every number), so a chunk holding one has no bounds.
      if (x !== x) return undefined;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    return { ...bounds(c, min, max), safe: true };
  }
  if (c.type === 'INT32') {
    for (let i = from, j = 0; i < to; i++, j++) {
      const lo = words[2 * i];
      numbers[j] = lo;
      if (lo < min) min = lo;
      if (lo > max) max = lo;
    }
    return { ...bounds(c, min, max), safe: true };
  }
  let safe = true;
  for (let i = from, j = 0; i < to; i++, j++) {
    const hi = words[2 * i + 1];
    if (hi < -0x100000 || hi >= 0x100000) safe = false;
    const x = hi * 0x100000000 + (words[2 * i] >>> 0);
    numbers[j] = x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (!safe || max - min >= 2 ** 52) return undefined;
  return { ...bounds(c, min, max), safe };
}

/**
 * A chunk whose values are all whole numbers from 0 to DICTIONARY_LIMIT − 1 (counts, flags, labels): each value is
 * its own index into a dictionary of 0, 1, …, max (an entry no row uses is allowed), so there is no lookup per value.
 * Its entries (max + 1), smallest and largest value, and the rows' indices (the values themselves when given as
 * 32-bit integers); undefined for another chunk (then nothing it wrote is used).
 */
function countDictionary(c: ParquetColumn, words: Int32Array, from: number, to: number, s: Scratch): { entries: number; min: number; max: number; indices: Int32Array } | undefined {
  let indices = s.indices;
  let min = DICTIONARY_LIMIT;
  let max = -1;
  if (c.values instanceof Int32Array) {
    const values = c.values;
    for (let i = from; i < to; i++) {
      const k = values[i];
      if (k > max) max = k;
      if (k < min) min = k;
    }
    if (min < 0 || max >= DICTIONARY_LIMIT) return undefined;
    indices = values.subarray(from, to);
  } else if (c.type === 'DOUBLE') {
    const values = c.values;
    for (let i = from, j = 0; i < to; i++, j++) {
      const x = values[i];
      const k = x | 0;
      // −0 equals 0 but has bits of its own: it goes to the general dictionary.
      if (k !== x || k < 0 || k >= DICTIONARY_LIMIT || (k === 0 && words[2 * i + 1] !== 0)) return undefined;
      indices[j] = k;
      if (k > max) max = k;
      if (k < min) min = k;
    }
  } else {
    for (let i = from, j = 0; i < to; i++, j++) {
      const k = words[2 * i];
      if (words[2 * i + 1] !== 0 || k < 0 || k >= DICTIONARY_LIMIT) return undefined;
      indices[j] = k;
      if (k > max) max = k;
      if (k < min) min = k;
    }
  }
  // The entries 0..max, as the column's type.
  if (c.type === 'DOUBLE') {
    const dict = new Float64Array(s.dict.buffer, 0, max + 1);
    for (let k = 0; k <= max; k++) dict[k] = k;
  } else {
    for (let k = 0; k <= max; k++) {
      s.dict[2 * k] = k;
      s.dict[2 * k + 1] = 0;
    }
  }
  return { entries: max + 1, min, max, indices };
}

/**
 * The chunk's distinct 8-byte values in order of first appearance (`dict`) and each row's index into them
 * (`indices`); −1 when there are more than DICTIONARY_LIMIT.
 */
function dictionary(words: Int32Array, from: number, to: number, s: Scratch): number {
  s.table.fill(0);
  let distinct = 0;
  for (let i = from, j = 0; i < to; i++, j++) {
    const e = lookup(s, words[2 * i], words[2 * i + 1], distinct);
    if (e < 0) return -1;
    if (e === distinct) distinct++;
    s.indices[j] = e;
  }
  return distinct;
}

/**
 * `dictionary` for doubles: whole numbers from 1 to DICTIONARY_LIMIT − 1 (counts) are found by value (equal numbers
 * have equal bits there), +0 has an entry of its own, the rest (−0, NaN, fractions) go by hash.
 */
function doubleDictionary(values: Float64Array, words: Int32Array, from: number, to: number, s: Scratch): number {
  s.table.fill(0);
  const direct = s.direct;
  direct.fill(0);
  const dict = s.dict;
  const indices = s.indices;
  let distinct = 0;
  let zero = -1;
  for (let i = from, j = 0; i < to; i++, j++) {
    const x = values[i];
    const k = x | 0;
    let e: number;
    if (k === x && k > 0 && k < DICTIONARY_LIMIT) {
      e = direct[k] - 1;
      if (e < 0) {
        if (distinct === DICTIONARY_LIMIT) return -1;
        e = distinct++;
        dict[2 * e] = words[2 * i];
        dict[2 * e + 1] = words[2 * i + 1];
        direct[k] = e + 1;
      }
    } else if (x === 0 && words[2 * i + 1] === 0) {
      if (zero < 0) {
        if (distinct === DICTIONARY_LIMIT) return -1;
        zero = distinct++;
        dict[2 * zero] = 0;
        dict[2 * zero + 1] = 0;
      }
      e = zero;
    } else {
      e = lookup(s, words[2 * i], words[2 * i + 1], distinct);
      if (e < 0) return -1;
      if (e === distinct) distinct++;
    }
    indices[j] = e;
  }
  return distinct;
}

/** The entry of (lo, hi): found, or added as entry `distinct` (returned); −1 when the dictionary is full. */
function lookup(s: Scratch, lo: number, hi: number, distinct: number): number {
  const table = s.table;
  const dict = s.dict;
  const mask = table.length - 1;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca77), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 16;
  let slot = h & mask;
  for (;;) {
    const e = table[slot] - 1;
    if (e < 0) {
      if (distinct === DICTIONARY_LIMIT) return -1;
      dict[2 * distinct] = lo;
      dict[2 * distinct + 1] = hi;
      table[slot] = distinct + 1;
      return distinct;
    }
    if (dict[2 * e] === lo && dict[2 * e + 1] === hi) return e;
    slot = (slot + 1) & mask;
  }
}

/** Definition levels of `n` values, all present: one RLE run, after its 4-byte length. */
function definitionLevels(n: number): Uint8Array {
  const b = new BitWriter(16);
  b.varint(n * 2);
  b.byte(1);
  const run = b.view();
  const out = new Uint8Array(4 + run.length);
  new DataView(out.buffer).setUint32(0, run.length, true);
  out.set(run, 4);
  return out;
}

/**
 * The RLE / bit-packing hybrid of `values[0..n)` at `width` bits (≤ 32): runs of 8 or more equal values as RLE
 * runs, the rest bit-packed in groups of 8 (the last group padded with zeros).
 */
function hybrid(b: BitWriter, values: Int32Array, n: number, width: number): void {
  const valueBytes = (width + 7) >> 3;
  let i = 0;
  while (i < n) {
    let end = i + 1;
    while (end < n && values[end] === values[i]) end++;
    if (end - i >= 8) {
      b.varint((end - i) * 2);
      for (let k = 0, v = values[i]; k < valueBytes; k++, v >>>= 8) b.byte(v & 0xff);
      i = end;
      continue;
    }
    // Groups of 8 until one starts a run of 8.
    const start = i;
    for (;;) {
      i += 8;
      if (i >= n) break;
      let k = i + 1;
      while (k < n && k - i < 8 && values[k] === values[i]) k++;
      if (k - i >= 8) break;
    }
    b.varint(((i - start) / 8) * 2 + 1);
    b.pack(values, start, Math.min(i, n), i - start, width);
    i = Math.min(i, n);
  }
}

/** DELTA_BINARY_PACKED's block of differences, and its miniblocks (4 to a block). */
const BLOCK = 128;
const MINI = 32;

/** The header of a DELTA_BINARY_PACKED page body: block size, miniblocks a block, values, the first value. */
function deltaHeader(b: BitWriter, n: number, first: number): void {
  b.varint(BLOCK);
  b.varint(BLOCK / MINI);
  b.varint(n);
  b.varint(zigzag(first));
}

/** DELTA_BINARY_PACKED of `values[0..n)` (integers, their differences exact): blocks of 128, 4 miniblocks of 32. */
function deltaBinaryPacked(b: BitWriter, values: Float64Array, n: number): void {
  deltaHeader(b, n, values[0]);
  const deltas = new Float64Array(BLOCK);
  const mini = new Int32Array(MINI);
  const widths = new Int32Array(BLOCK / MINI);
  for (let at = 1; at < n; at += BLOCK) {
    const count = Math.min(BLOCK, n - at);
    let min = Infinity;
    for (let k = 0; k < count; k++) {
      const d = values[at + k] - values[at + k - 1];
      deltas[k] = d;
      if (d < min) min = d;
    }
    b.varint(zigzag(min));
    widths.fill(0);
    const minis = Math.ceil(count / MINI);
    for (let m = 0; m < minis; m++) {
      let max = 0;
      for (let k = m * MINI, end = Math.min(count, k + MINI); k < end; k++) {
        const x = deltas[k] - min;
        deltas[k] = x;
        if (x > max) max = x;
      }
      widths[m] = bitsOf(max);
    }
    for (let m = 0; m < widths.length; m++) b.byte(widths[m]);
    for (let m = 0; m < minis; m++) {
      const [from, to] = [m * MINI, Math.min(count, (m + 1) * MINI)];
      if (widths[m] > 32) b.packWide(deltas, from, to, MINI, widths[m]);
      else if (widths[m] > 0) {
        // As 32-bit patterns (below 2^32), for the packing of indices.
        for (let k = from; k < to; k++) mini[k - from] = deltas[k];
        b.pack(mini, 0, to - from, MINI, widths[m]);
      }
    }
  }
}

/**
 * For integers (32-bit word pairs) exact in doubles whose consecutive differences fit 32 bits (ids and times in
 * order, mostly), in one pass: the first, smallest and largest value (as `statistics` gives them) and the
 * differences into `out[0..n − 1)`. Undefined for any other chunk: then `statistics` and `deltaBinaryPacked` take
 * it in doubles, as before.
 */
function narrowChunk(words: Int32Array, from: number, to: number, out: Int32Array): { first: number; min: number; max: number } | undefined {
  let lo = words[2 * from];
  let hi = words[2 * from + 1];
  if (hi < -0x100000 || hi >= 0x100000) return undefined;
  const first = hi * 4294967296 + (lo >>> 0);
  let [min, max, x] = [first, first, first];
  for (let i = from + 1, j = 0; i < to; i++, j++) {
    const nextLo = words[2 * i];
    const nextHi = words[2 * i + 1];
    // The difference's low 32 bits, and whether its high part is what a 32-bit integer's sign makes it.
    const d = (nextLo - lo) | 0;
    const borrow = nextLo >>> 0 < lo >>> 0 ? 1 : 0;
    if (nextHi - hi - borrow !== d >> 31) return undefined;
    out[j] = d;
    // Exact: a value strays past 2^52 (refused below) by at most 2^31 a step before the bounds see it.
    x += d;
    if (x < min) min = x;
    if (x > max) max = x;
    lo = nextLo;
    hi = nextHi;
  }
  if (min < -(2 ** 52) || max >= 2 ** 52 || max - min >= 2 ** 52) return undefined;
  return { first, min, max };
}

/**
 * `deltaBinaryPacked` of values whose differences (`deltas`, n − 1 of them) are 32-bit integers: the same bytes, in
 * 32-bit arithmetic (a difference less the block's least is below 2^32, kept as its 32-bit pattern).
 */
function deltaBinaryPackedNarrow(b: BitWriter, first: number, deltas: Int32Array, n: number): void {
  deltaHeader(b, n, first);
  const widths = new Int32Array(BLOCK / MINI);
  for (let at = 0; at < n - 1; at += BLOCK) {
    const count = Math.min(BLOCK, n - 1 - at);
    let min = deltas[at];
    for (let k = at + 1; k < at + count; k++) if (deltas[k] < min) min = deltas[k];
    b.varint(zigzag(min));
    widths.fill(0);
    const minis = Math.ceil(count / MINI);
    for (let m = 0; m < minis; m++) {
      // The bits of the largest difference less the least: those of all of them OR-ed together.
      let bits = 0;
      for (let k = at + m * MINI, end = Math.min(at + count, k + MINI); k < end; k++) {
        const x = (deltas[k] - min) | 0;
        deltas[k] = x;
        bits |= x;
      }
      widths[m] = 32 - Math.clz32(bits);
    }
    for (let m = 0; m < widths.length; m++) b.byte(widths[m]);
    for (let m = 0; m < minis; m++) {
      const from = at + m * MINI;
      if (widths[m] > 0) b.pack(deltas, from, Math.min(at + count, from + MINI), MINI, widths[m]);
    }
  }
}

function plain(c: ParquetColumn, words: Int32Array, from: number, to: number): Uint8Array {
  if (c.type !== 'INT32') return new Uint8Array(c.values.buffer, c.values.byteOffset + from * 8, (to - from) * 8);
  const out = new Int32Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = words[2 * i];
  return new Uint8Array(out.buffer);
}

function pageHeader(type: PageType, size: number, body: (w: CompactWriter) => void): Uint8Array {
  return new CompactWriter()
    .structBody((w) => {
      w.i32(1, type).i32(2, size).i32(3, size);
      body(w);
    })
    .finish();
}

function dataPageHeader(w: CompactWriter, n: number, encoding: Encoding): void {
  w.struct(5, (d) => d.i32(1, n).i32(2, encoding).i32(3, Encoding.Rle).i32(4, Encoding.Rle));
}

function fileMetadata(columns: readonly ParquetColumn[], groups: readonly { rows: number; chunks: WrittenChunk[] }[], rows: number, createdBy: string): Uint8Array {
  const w = new CompactWriter();
  w.structBody((f) => {
    f.i32(1, 1);
    f.structList(2, [undefined, ...columns], (e, c) => {
      if (c === undefined) {
        e.i32(3, REQUIRED).binary(4, 'schema').i32(5, columns.length);
        return;
      }
      e.i32(1, PHYSICAL[c.type]).i32(3, OPTIONAL).binary(4, c.name);
      const annotation = c.type === 'DOUBLE' ? undefined : c.annotation;
      if (annotation !== undefined) e.i32(6, CONVERTED[annotation]);
      if (annotation === 'TIMESTAMP_MICROS') {
        // LogicalType.TIMESTAMP { isAdjustedToUTC: false, unit: MICROS {} }
        e.struct(10, (l) => l.struct(8, (t) => t.bool(1, false).struct(2, (u) => u.struct(2, () => undefined))));
      }
    });
    f.i64(3, rows);
    f.structList(4, groups.map((group, ordinal) => ({ ...group, ordinal })), (g, group) => {
      g.structList(1, group.chunks.map((chunk, i) => ({ chunk, c: columns[i] })), (cc, { chunk, c }) => {
        cc.i64(2, chunk.start);
        cc.struct(3, (m) => {
          m.i32(1, PHYSICAL[c.type]).i32List(2, chunk.encodings).binaryList(3, [c.name]).i32(4, UNCOMPRESSED);
          m.i64(5, group.rows).i64(6, chunk.bytes).i64(7, chunk.bytes).i64(9, chunk.dataOffset);
          if (chunk.dictionaryOffset !== undefined) m.i64(11, chunk.dictionaryOffset);
          m.struct(12, (st) => {
            st.i64(3, 0);
            if (chunk.max !== undefined && chunk.min !== undefined) st.binary(5, chunk.max).binary(6, chunk.min);
          });
        });
      });
      const bytes = group.chunks.reduce((n, c) => n + c.bytes, 0);
      g.i64(2, bytes).i64(3, group.rows).i64(5, group.chunks[0].start).i64(6, bytes);
      if (group.ordinal < 0x8000) g.i16(7, group.ordinal);
    });
    f.binary(6, createdBy);
    // Column orders: every column by its type's order, so readers trust min_value and max_value.
    f.structList(7, columns, (o) => o.struct(1, () => undefined));
  });
  return w.finish();
}

/** Bits and bytes, least significant bit first (Parquet's bit packing). */
class BitWriter {
  private buf: Uint8Array;
  private at = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  reset(): void {
    this.at = 0;
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
  byte(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }
  varint(n: number): void {
    this.room(10);
    this.at = putVarint(this.buf, this.at, n);
  }
  /**
   * `values[from..to)` and zeros up to `count` values (a multiple of 8), each in `width` bits (≤ 32; values below
   * 2^width as 32-bit patterns), least significant bit first: `count * width / 8` bytes.
   */
  pack(values: Int32Array, from: number, to: number, count: number, width: number): void {
    this.room((count * width) / 8 + 8);
    const buf = this.buf;
    let at = this.at;
    let acc = 0;
    let bits = 0;
    for (let k = from; k < from + count; k++) {
      const v = k < to ? values[k] : 0;
      acc |= v << bits;
      bits += width;
      if (bits >= 32) {
        buf[at] = acc;
        buf[at + 1] = acc >>> 8;
        buf[at + 2] = acc >>> 16;
        buf[at + 3] = acc >>> 24;
        at += 4;
        bits -= 32;
        acc = bits > 0 ? v >>> (width - bits) : 0;
      }
    }
    for (; bits > 0; bits -= 8, acc >>>= 8) buf[at++] = acc;
    this.at = at;
  }
  /** `pack` of wider values (64-bit integers' differences, below 2^53), a byte at a time. */
  packWide(values: Float64Array, from: number, to: number, count: number, width: number): void {
    this.room((count * width) / 8 + 8);
    const buf = this.buf;
    let at = this.at;
    let acc = 0;
    let bits = 0;
    for (let k = from; k < from + count; k++) {
      let v = k < to ? values[k] : 0;
      for (let left = width; left > 0; ) {
        const take = Math.min(left, 8 - bits);
        const part = v % 2 ** take;
        acc |= part << bits;
        bits += take;
        left -= take;
        v = (v - part) / 2 ** take;
        if (bits === 8) {
          buf[at++] = acc;
          acc = 0;
          bits = 0;
        }
      }
    }
    this.at = at;
  }
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }
}

/** Bits needed for a non-negative integer below 2^53. */
function bitsOf(x: number): number {
  if (x < 0x100000000) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / 0x100000000));
}

function doubleBytes(x: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, true);
  return b;
}

function int32Bytes(x: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, x, true);
  return b;
}

function int64Bytes(x: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(x), true);
  return b;
}
