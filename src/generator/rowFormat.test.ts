import { describe, expect, it } from 'vitest';
import { joinRow, RowFormatter, rowTarget, writeUint, writeUintLarge } from './rowFormat.js';

describe('generator > row format', () => {
  it('writes integers up to 2^53 in decimal', () => {
    const buf = Buffer.alloc(32);
    for (const n of [0, 7, 10, 99, 100, 2147483647, 2147483648, 3_000_000_123, 1_000_000_000_000, 2 ** 53 - 1]) {
      const end = n < 2 ** 31 ? writeUint(buf, 0, n) : writeUintLarge(buf, 0, n);
      expect(buf.toString('latin1', 0, end)).toBe(String(n));
      expect(buf.toString('latin1', 0, writeUintLarge(buf, 0, n))).toBe(String(n));
    }
  });

  it('the byte fast path and the text slow path produce the same row', () => {
    const f = new RowFormatter(3, '2019-08-25', 4_000_000_000);
    const rows = new Int32Array([999999, 42, (7091 << 2) | 0, 5, 0, (1 << 2) | 3, 1234567, 9, (2200100 << 2) | 2]);
    const buf = Buffer.alloc(256);
    for (const [i, second] of [1, 86399, 45296].entries()) {
      f.setSecond(second);
      const end = f.write(rowTarget(buf), 0, i, rows, 3 * i);
      const text = joinRow(f.fields(i, second, rows[3 * i], rows[3 * i + 1], rows[3 * i + 2] >>> 2, rows[3 * i + 2] & 3));
      expect(buf.toString('latin1', 0, end)).toBe(text);
    }
    expect(joinRow(f.fields(0, 1, 999999, 42, 7091, 0))).toBe('4000000000,2019-08-25 00:00:01,1000000,42,70.91,259201,3,0,0\n');
    expect(joinRow(f.fields(1, 86399, 5, 0, 1, 3))).toBe('4000000001,2019-08-25 23:59:59,5,0,0.01,345599,3,1,3\n');
  });
});
