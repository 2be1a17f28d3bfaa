/**
 * A writer of Thrift's compact protocol, the encoding of Parquet's page headers and footer: fields as a delta from
 * the previous field id and a type nibble, integers as zigzag varints, lists with their size and element type.
 * Integers are JavaScript numbers: exact up to 2^53, which file offsets and counts stay far below.
 */

/** Compact protocol type ids of a field or list element. */
export const enum TType {
  True = 1,
  False = 2,
  Byte = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  Double = 7,
  Binary = 8,
  List = 9,
  Struct = 12,
}

export class CompactWriter {
  private bytes = new Uint8Array(1024);
  private at = 0;
  /** The last field id of each open struct; the innermost last. */
  private readonly lastIds: number[] = [0];

  get length(): number {
    return this.at;
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    if (this.lastIds.length !== 1) throw new Error(`thrift: ${this.lastIds.length - 1} struct(s) left open`);
    return this.bytes.slice(0, this.at);
  }

  i32(id: number, value: number): this {
    this.field(id, TType.I32);
    return this.varint(zigzag(value));
  }

  i64(id: number, value: number): this {
    this.field(id, TType.I64);
    return this.varint(zigzag(value));
  }

  i16(id: number, value: number): this {
    this.field(id, TType.I16);
    return this.varint(zigzag(value));
  }

  byte(id: number, value: number): this {
    this.field(id, TType.Byte);
    return this.raw(value & 0xff);
  }

  bool(id: number, value: boolean): this {
    return this.field(id, value ? TType.True : TType.False);
  }

  binary(id: number, value: Uint8Array | string): this {
    this.field(id, TType.Binary);
    return this.bytesValue(typeof value === 'string' ? new TextEncoder().encode(value) : value);
  }

  /** A struct field; `body` writes its fields. */
  struct(id: number, body: (w: this) => void): this {
    this.field(id, TType.Struct);
    return this.structBody(body);
  }

  /** A list field of structs. */
  structList<T>(id: number, items: readonly T[], body: (w: this, item: T) => void): this {
    this.field(id, TType.List);
    this.listHeader(items.length, TType.Struct);
    for (const item of items) this.structBody((w) => body(w, item));
    return this;
  }

  /** A list field of i32 (enums). */
  i32List(id: number, items: readonly number[]): this {
    this.field(id, TType.List);
    this.listHeader(items.length, TType.I32);
    for (const v of items) this.varint(zigzag(v));
    return this;
  }

  /** A list field of strings. */
  binaryList(id: number, items: readonly string[]): this {
    this.field(id, TType.List);
    this.listHeader(items.length, TType.Binary);
    for (const v of items) this.bytesValue(new TextEncoder().encode(v));
    return this;
  }

  /** A top-level struct (a page header, the file's metadata). */
  structBody(body: (w: this) => void): this {
    this.lastIds.push(0);
    body(this);
    this.lastIds.pop();
    return this.raw(0);
  }

  private field(id: number, type: TType): this {
    const last = this.lastIds[this.lastIds.length - 1];
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.raw((delta << 4) | type);
    else {
      this.raw(type);
      this.varint(zigzag(id));
    }
    this.lastIds[this.lastIds.length - 1] = id;
    return this;
  }

  private listHeader(size: number, type: TType): void {
    if (size < 15) this.raw((size << 4) | type);
    else {
      this.raw(0xf0 | type);
      this.varint(size);
    }
  }

  private bytesValue(b: Uint8Array): this {
    this.varint(b.length);
    this.room(b.length);
    this.bytes.set(b, this.at);
    this.at += b.length;
    return this;
  }

  private raw(b: number): this {
    this.room(1);
    this.bytes[this.at++] = b;
    return this;
  }

  /** An unsigned varint of a non-negative integer below 2^53. */
  varint(n: number): this {
    this.room(10);
    this.at = putVarint(this.bytes, this.at, n);
    return this;
  }

  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    next.set(this.bytes.subarray(0, this.at));
    this.bytes = next;
  }
}

/** `n` (a non-negative integer below 2^53) as an unsigned varint into `bytes` at `at` (room for 8 bytes); the end. */
export function putVarint(bytes: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    bytes[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  bytes[at++] = n;
  return at;
}

/** Zigzag of an integer (|n| < 2^52): 0, −1, 1, −2 … to 0, 1, 2, 3 … */
export function zigzag(n: number): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`thrift: ${n} is not a safe integer`);
  return n >= 0 ? n * 2 : -n * 2 - 1;
}
