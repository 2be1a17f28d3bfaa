import { describe, it, expect } from 'vitest';
import { COURSE_HEADER } from '../quality.js';
import { LineNormalizer, MAX_LINE_BYTES, type StructuralReject } from './LineNormalizer.js';

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
