import { describe, expect, it } from 'vitest';
import { ProtobufWriter } from './protobufWriter.js';

const bytes = (w: ProtobufWriter): number[] => [...w.finish()];

describe('models > onnx > protobufWriter', () => {
  it('writes varint fields, multi-byte and above 2^32', () => {
    expect(bytes(new ProtobufWriter().int(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes(new ProtobufWriter().int(2, 2 ** 35))).toEqual([0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
  });

  it('writes negative int64 as ten two’s-complement bytes', () => {
    expect(bytes(new ProtobufWriter().int(1, -1))).toEqual([0x08, ...new Array(9).fill(0xff), 0x01]);
  });

  it('writes large field numbers with a multi-byte tag', () => {
    expect(bytes(new ProtobufWriter().int(20, 4))).toEqual([0xa0, 0x01, 0x04]);
  });

  it('writes strings, nested messages and fixed-width floats little-endian', () => {
    expect(bytes(new ProtobufWriter().string(2, 'hé'))).toEqual([0x12, 0x03, 0x68, 0xc3, 0xa9]);
    expect(bytes(new ProtobufWriter().message(3, (m) => m.int(1, 1)))).toEqual([0x1a, 0x02, 0x08, 0x01]);
    expect(bytes(new ProtobufWriter().float(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes(new ProtobufWriter().double(1, 1))).toEqual([0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
  });

  it('packs repeated numbers into one length-delimited field and skips empty lists', () => {
    expect(bytes(new ProtobufWriter().packedInts(4, [3, 270]))).toEqual([0x22, 0x03, 0x03, 0x8e, 0x02]);
    expect(bytes(new ProtobufWriter().packedFloats(7, [1]))).toEqual([0x3a, 0x04, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes(new ProtobufWriter().packedDoubles(10, [2]))).toEqual([0x52, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x40]);
    expect(bytes(new ProtobufWriter().packedInts(4, []))).toEqual([]);
  });

  it('grows past its initial buffer', () => {
    const w = new ProtobufWriter().packedDoubles(1, new Float64Array(1000).fill(0.5));
    expect(w.finish().length).toBe(1 + 2 + 8000);
  });

  it('refuses non-integer varints', () => {
    expect(() => new ProtobufWriter().int(1, 1.5)).toThrow(RangeError);
  });
});
