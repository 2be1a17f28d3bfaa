import { describe, it, expect } from 'vitest';
import { COURSE_HEADER } from '../quality.js';
import { LineNormalizer, MAX_LINE_BYTES, MAX_SUSPECT_IDS, ROW_CHUNK_COLUMNS, ROW_CHUNK_ROWS, type StructuralReject } from './LineNormalizer.js';
import { mulberry32 } from '../util/prng.js';

/** Everything the normalizer makes of `chunks`: both output streams, its rejects and its counts. */
function normalize(chunks: Buffer[], typed: boolean) {
  const rejects: StructuralReject[] = [];
  const n = new LineNormalizer('2019-08-22.txt', (r) => rejects.push(r), { typed });
  const main: Buffer[] = [];
  const text: Buffer[] = [];
  for (const c of chunks) {
    main.push(...n.push(c));
    text.push(...n.drainText());
  }
  main.push(...n.finish());
  text.push(...n.drainText());
  return {
    main: Buffer.concat(main).toString('latin1'),
    text: Buffer.concat(text).toString('latin1'),
    rejects: rejects.map((r) => `${r.line}:${r.reason}:${r.raw.toString('latin1')}`),
    counts: [n.rows, n.forwarded, n.textRows, n.crlfLines],
  };
}

const rows = [
  '1,2019-08-22 00:00:01,17,42,12.34,1,0,0,0',
  '2,2019-08-22 00:00:02,-17,42,12.34,2,0,0,0',
  '3,2019-08-22 00:00:03,17,Err,12.34,3,0,0,0',
  '4,2019-02-29 00:00:04,17,42,12.34,4,0,0,0',
  '05,2019-08-22 00:00:05,17,42,12.34,5,0,0,0',
  '6,2019-08-22 00:00:06,17,42,12.34,6,0,0,0\r',
  '',
  '7,2019-08-22 00:00:07,17,42',
  `8,2019-08-22 00:00:08,17,42,${'1'.repeat(MAX_LINE_BYTES)},8,0,0,0`,
  '9,2019-08-22 00:00:09,17,42,12.34,9,0,1,1',
  '10,2019-08-22 00:00:10,1\r7,42,12.34,10,0,0,0',
  '11,"2019-08-22 00:00:11",17,42,12.34,11,0,0,0',
  '12,2019-08-22 00:00:12,17,42,12.34,12,0,0,0',
];
const file = Buffer.from(`${COURSE_HEADER}\n${rows.join('\n')}`);

describe('prepare > line normalizer', () => {
  it('splits typed rows from text rows, with a placeholder per text row, in line order', () => {
    const out = normalize([file], true);
    expect(out.main.split('\n').slice(0, 6)).toEqual([
      '2,1,2019-08-22 00:00:01,17,42,12.34,1,0,0,0',
      '3,2,2019-08-22 00:00:02,-17,42,12.34,2,0,0,0',
      '4,,,,,,,,,',
      '5,,,,,,,,,',
      '6,,,,,,,,,',
      '7,6,2019-08-22 00:00:06,17,42,12.34,6,0,0,0',
    ]);
    expect(out.text.split('\n')[0]).toMatch(/^4,\d+,3,2019-08-22 00:00:03,17,Err,/);
    expect(out.rejects.map((r) => r.split(':').slice(0, 2).join(':'))).toEqual(['8:blank_line', '9:column_count', '10:line_too_long', '12:not_text', '13:quoted_field']);
    expect(out.counts).toEqual([13, 8, 3, 1]);
  });

  it('with columns, sends typed rows as column chunks of exact values and the rest as text rows with placeholders', () => {
    const more = [
      '13,2019-08-22 00:00:13,17,42,0.05,13,0,0,0',
      '14,2019-08-22 00:00:14,17,42,007.5,14,0,0,0',
      '1234567890123456,2019-08-22 00:00:15,17,42,12.34,15,0,0,0',
      '16,2300-08-22 00:00:16,17,42,12.34,16,0,0,0',
      '17,2019-08-22 00:00:17,17,42,1234567890123456,17,0,0,0',
    ];
    const n = new LineNormalizer('2019-08-22.txt', () => undefined, { typed: true, columns: true });
    const main = [...n.push(Buffer.from(`${COURSE_HEADER}\n${[...rows, ...more].join('\n')}\n`)), ...n.finish()];
    expect(main).toEqual([]);
    const chunks = n.drainColumns();
    expect(chunks.map((c) => c.rowCount)).toEqual([13]);
    const column = (name: (typeof ROW_CHUNK_COLUMNS)[number]) => {
      const view = chunks[0].columns[ROW_CHUNK_COLUMNS.indexOf(name)]!;
      return name === 'amt' ? [...new Float64Array(view.buffer, view.byteOffset, 13)] : [...new BigInt64Array(view.buffer, view.byteOffset, 13)].map(Number);
    };
    expect(column('line')).toEqual([2, 3, 4, 5, 6, 7, 11, 14, 15, 16, 17, 18, 19]);
    expect(column('tid')).toEqual([1, 2, -1, -1, -1, 6, 9, 12, 13, -1, -1, -1, -1]);
    expect(column('cust').slice(0, 2)).toEqual([17, -17]);
    expect(column('ts')[0]).toBe(Date.UTC(2019, 7, 22, 0, 0, 1) * 1000);
    expect(column('amt')[0]).toBe(12.34);
    expect(column('amt')[8]).toBe(0.05);
    expect([column('amt_digits')[8], column('amt_scale')[8]]).toEqual([5, 2]);
    expect(n.textRows).toBe(7);
    expect(ROW_CHUNK_ROWS).toBe(2048);
  });

  it('makes the same of a file however it is cut into chunks', () => {
    for (const typed of [true, false]) {
      const whole = normalize([file], typed);
      for (const size of [1, 2, 3, 7, 64, 1000, 70_000]) {
        const chunks: Buffer[] = [];
        for (let i = 0; i < file.length; i += size) chunks.push(file.subarray(i, i + size));
        expect(normalize(chunks, typed)).toEqual(whole);
      }
    }
  });

  it('without typed rows sends every forwarded line as a text row on the one stream', () => {
    const out = normalize([file], false);
    expect(out.text).toBe('');
    expect(out.counts).toEqual([13, 8, 8, 1]);
    expect(out.main.split('\n')[0]).toMatch(/^2,\d+,1,2019-08-22 00:00:01,/);
  });
});

describe('prepare > line normalizer > suspect ids', () => {
  const INT64_MAX = 2n ** 63n - 1n;
  /** The id the rules read from a forwarded line's first field (digits only, 1-19 of them, within int64), if any. */
  const ruleId = (field: string): bigint | undefined => (/^\d{1,19}$/.test(field) && BigInt(field) <= INT64_MAX ? BigInt(field) : undefined);
  // Huge ids (corrupt fields) are outliers: they must not count as the largest id (every later line would be a
  // suspect); ids beyond int64 are no ids to the rules at all.
  const ODD_IDS = ['007', '0', '00', '123456789012345678', '9223372036854775807', '9223372036854775808', '99999999999999999999', '-5', '1.0', ' 12', 'abc', ''];

  it('holds every id that is on more than one forwarded line, and few others in an id-ordered file', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const next = mulberry32(seed);
      const lines: string[] = [];
      for (let i = 0; i < 3000; i++) {
        const u = next();
        // Mostly ascending ids; some repeats of earlier ones, leading zeros, odd texts, and lines that are not rows.
        const id = u < 0.03 ? String(Math.floor(next() * i)) : u < 0.05 ? `0${i}` : u < 0.07 ? ODD_IDS[Math.floor(next() * ODD_IDS.length)] : String(i * 3);
        const rest = next() < 0.1 ? '2019-08-22 00:00:01,17,Err,1e3,1,0,0,0' : '2019-08-22 00:00:01,17,42,12.34,1,0,0,0';
        lines.push(next() < 0.01 ? `${id},1,2` : `${id},${rest}`);
      }
      const n = new LineNormalizer('2019-08-22.txt', () => undefined, { typed: seed % 2 === 0 });
      const bytes = Buffer.from(`${COURSE_HEADER}\n${lines.join('\n')}\n`);
      for (let i = 0; i < bytes.length; i += 4096) n.push(bytes.subarray(i, i + 4096));
      n.finish();
      const suspects = new Set(n.suspectIds()!.map((s) => BigInt(s)));
      const seen = new Map<bigint, number>();
      for (const l of lines) {
        if (l.split(',').length !== 9) continue;
        const id = ruleId(l.split(',')[0]);
        if (id !== undefined) seen.set(id, (seen.get(id) ?? 0) + 1);
      }
      const repeated = [...seen].filter(([, c]) => c > 1).map(([id]) => id);
      expect(repeated.length, `seed ${seed}`).toBeGreaterThan(10);
      for (const id of repeated) expect(suspects.has(id), `seed ${seed}: id ${id}`).toBe(true);
      expect(suspects.size, `seed ${seed}`).toBeLessThan(lines.length * 0.1);
    }
  });

  it('counts the largest int64 id as an id, and one past it as none', () => {
    const n = new LineNormalizer('2019-08-22.txt', () => undefined, { typed: true });
    const rest = '2019-08-22 00:00:01,17,42,12.34,1,0,0,0';
    n.push(Buffer.from(`${COURSE_HEADER}\n9223372036854775807,${rest}\n9223372036854775808,${rest}\n9223372036854775808,${rest}\n09223372036854775807,${rest}\n9223372036854775807,${rest}\n`));
    n.finish();
    expect(n.suspectIds()).toEqual(['9223372036854775807']);
  });

  it('takes a corrupt first id for an outlier, and still finds its repeat', () => {
    const n = new LineNormalizer('2019-08-22.txt', () => undefined, { typed: true });
    const rest = '2019-08-22 00:00:01,17,42,12.34,1,0,0,0';
    const ids = ['123456789012345', '5', '6', '7', '123456789012345', '8', '6'];
    n.push(Buffer.from(`${COURSE_HEADER}\n${ids.map((id) => `${id},${rest}`).join('\n')}\n`));
    n.finish();
    expect(n.suspectIds()!.sort()).toEqual(['123456789012345', '6']);
  });

  it('gives up past MAX_SUSPECT_IDS (a file out of id order): every row is then grouped', () => {
    const lines = Array.from({ length: MAX_SUSPECT_IDS + 2 }, (_, i) => `${MAX_SUSPECT_IDS + 2 - i},2019-08-22 00:00:01,17,42,12.34,1,0,0,0`);
    const n = new LineNormalizer('2019-08-22.txt', () => undefined, { typed: true });
    n.push(Buffer.from(`${COURSE_HEADER}\n${lines.join('\n')}\n`));
    n.finish();
    expect(n.suspectIds()).toBeUndefined();
    const sorted = new LineNormalizer('2019-08-22.txt', () => undefined, { typed: true });
    sorted.push(Buffer.from(`${COURSE_HEADER}\n${lines.reverse().join('\n')}\n`));
    sorted.finish();
    expect(sorted.suspectIds()).toEqual([]);
  });
});
