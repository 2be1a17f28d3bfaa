/**
 * The few pieces of the protobuf wire format the ONNX exporter needs: varints, fixed32/fixed64 scalars,
 * length-delimited strings, bytes and nested messages, and packed repeated numbers. Fields are written in
 * the order they are called; nested messages are built in their own writer and copied in with a length
 * prefix, which is plenty for models of a few hundred thousand nodes.
 */

const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;
type WireType = (typeof WireType)[keyof typeof WireType];

const utf8 = new TextEncoder();

export class ProtobufWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  /** int32/int64/uint64/enum/bool field; negative numbers take ten bytes, as protobuf's int64 does. */
  int(field: number, value: number): this {
    this.tag(field, WireType.Varint);
    this.rawVarint(value);
    return this;
  }

  /** `float` field (fixed32, rounded to float32). */
  float(field: number, value: number): this {
    this.tag(field, WireType.Fixed32);
    this.reserve(4);
    this.view.setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  /** `double` field (fixed64). */
  double(field: number, value: number): this {
    this.tag(field, WireType.Fixed64);
    this.reserve(8);
    this.view.setFloat64(this.len, value, true);
    this.len += 8;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LengthDelimited);
    this.rawVarint(value.length);
    this.rawBytes(value);
    return this;
  }

  /** Embedded message: `build` writes its fields into a fresh writer. */
  message(field: number, build: (w: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated varints (int32, int64, uint64, enum). Empty arrays write nothing. */
  packedInts(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const inner = new ProtobufWriter();
    for (let i = 0; i < values.length; i++) inner.rawVarint(values[i]);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated `float` (each rounded to float32). */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const data = new Uint8Array(values.length * 4);
    const dv = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
    return this.bytes(field, data);
  }

  /** Packed repeated `double`. */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const data = new Uint8Array(values.length * 8);
    const dv = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat64(i * 8, values[i], true);
    return this.bytes(field, data);
  }

  /** The bytes written so far (a copy sized to fit). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private tag(field: number, wire: WireType): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new RangeError(`bad protobuf field number ${field}`);
    this.rawVarint(field * 8 + wire);
  }

  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf varint must be a safe integer, got ${value}`);
    this.reserve(10);
    if (value < 0) {
      // two's complement over 64 bits, as int64 fields require
      let v = BigInt.asUintN(64, BigInt(value));
      while (v >= 0x80n) {
        this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
        v >>= 7n;
      }
      this.buf[this.len++] = Number(v);
      return;
    }
    // division rather than shifts: bitwise operators would truncate values above 2^31
    let v = value;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  private rawBytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}
