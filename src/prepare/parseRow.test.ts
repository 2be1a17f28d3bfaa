import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../generator/generate.js';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { COURSE_HEADER } from '../quality.js';
import { prepare } from './prepare.js';
import { parseRow } from './parseRow.js';
import { rawLine } from './testkit.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parse-row-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lines chosen to sit on each rule's edge, next to the generator's own course defects. */
const tricky: string[] = [
  rawLine({ id: 1 }),
  rawLine({ id: 2, datetime: '2019-08-22 24:00:00' }),
  rawLine({ id: 3, datetime: '2019-02-29 10:00:00' }),
  rawLine({ id: 4, datetime: '2019-04-31 10:00:00' }),
  rawLine({ id: 5, datetime: '2020-02-29 23:59:59' }),
  rawLine({ id: 6, datetime: 'garbage' }),
  rawLine({ id: 7, customer: -17 }),
  rawLine({ id: 8, customer: -999999 }),
  rawLine({ id: 9, customer: 999999 }),
  rawLine({ id: 10, customer: '1e3' }),
  rawLine({ id: 11, terminal: 'Err' }),
  rawLine({ id: 12, terminal: 'None' }),
  rawLine({ id: 13, terminal: '' }),
  rawLine({ id: 14, terminal: '-5' }),
  rawLine({ id: 15, amount: '0' }),
  rawLine({ id: 16, amount: '0.0000001' }),
  rawLine({ id: 17, amount: '.5' }),
  rawLine({ id: 18, amount: '5.' }),
  rawLine({ id: 19, amount: '1.2.3' }),
  rawLine({ id: 20, amount: '-3.10' }),
  rawLine({ id: 21, amount: '123456.123456' }),
  rawLine({ id: 22, seconds: 'x' }),
  rawLine({ id: 23, days: 99 }),
  rawLine({ id: 24, fraud: 2 }),
  rawLine({ id: 25, scenario: 4 }),
  rawLine({ id: 26, fraud: '' }),
  `abc,${rawLine({ id: 27 }).split(',').slice(1).join(',')}`,
  '1234567890123456789' + rawLine({ id: 28 }).slice(2),
  rawLine({ id: 29 }) + ',extra',
  rawLine({ id: 30 }).split(',').slice(0, 7).join(','),
  '',
  'complete garbage',
  rawLine({ id: 31 }).replace('12.34', '12\u00e9.34'),
  rawLine({ id: 32, customer: '0' }),
  rawLine({ id: 33 }) + '\r',
];

describe('prepare > parseRow', () => {
  it('classifies every line as prepare does: tricky edges and a generated day with course defects', async () => {
    const raw = join(dir, 'raw');
    await generate({ out: raw, startDate: '2019-08-22', days: 1, customers: 4000, terminals: 6000, seed: 4, noise: 'course' });
    const day = readFileSync(join(raw, '2019-08-22.txt'));
    const binary = Buffer.from([0x31, 0x2c, 0x00, 0xff, 0xfe, 0x2c, 0x2c, 0x2c, 0x2c, 0x2c, 0x2c, 0x2c, 0x2c]);
    const extra = Buffer.concat([Buffer.from(COURSE_HEADER + '\n' + tricky.join('\n') + '\n'), binary, Buffer.from('\n' + rawLine({ id: 40 }) + '\n')]);
    mkdirSync(join(dir, 'raw2'));
    writeFileSync(join(dir, 'raw2', '2019-08-23.txt'), extra);

    const checks: Array<{ file: Buffer; name: string; raw: string }> = [
      { file: day, name: '2019-08-22.txt', raw },
      { file: extra, name: '2019-08-23.txt', raw: join(dir, 'raw2') },
    ];
    let compared = 0;
    let quarantinedLines = 0;
    for (const c of checks) {
      const lake = join(dir, `lake-${c.name}`);
      // The tricky file is mostly rejects on purpose: lift the reject-ratio guard, which is not compared here.
      await prepare({ raw: c.raw, lake, workDir: dir, maxRejectRatio: 1 });
      const quarantined = new Map<number, string>();
      for (const f of existsSync(join(lake, 'quarantine')) ? readdirSync(join(lake, 'quarantine')) : []) {
        for (const l of readFileSync(join(lake, 'quarantine', f), 'utf8').split('\n').filter(Boolean)) {
          const q = JSON.parse(l) as { line: number; reason: string };
          quarantined.set(q.line, q.reason);
        }
      }
      const engine = await DuckDbEngine.create();
      const kept = new Map<number, { cust: number; term: number; amt: number; t: number }>();
      try {
        const rows = await engine.query<{ line: bigint; cust: bigint; term: bigint; amt: number; t: bigint }>(
          `SELECT source_line AS line, customer_id AS cust, terminal_id AS term, tx_amount AS amt, CAST(epoch(tx_datetime) AS BIGINT) AS t FROM read_parquet('${lake}/transactions/*/*.parquet')`,
        );
        for (const r of rows) kept.set(Number(r.line), { cust: Number(r.cust), term: Number(r.term), amt: r.amt, t: Number(r.t) });
      } finally {
        await engine.close();
      }
      const lines = splitLines(c.file);
      const mismatches: string[] = [];
      // Line 1 is the header; data lines are numbered from 2 as in prepare's report.
      for (let i = 1; i < lines.length; i++) {
        const lineNo = i + 1;
        const mine = parseRow(lines[i], c.name.slice(0, 10));
        const q = quarantined.get(lineNo);
        const k = kept.get(lineNo);
        if (q !== undefined) {
          if (mine.ok || mine.reason !== q) mismatches.push(`${c.name}:${lineNo} prepare ${q}, parseRow ${mine.ok ? 'ok' : mine.reason}`);
        } else if (k !== undefined) {
          if (!mine.ok) mismatches.push(`${c.name}:${lineNo} prepare kept, parseRow ${mine.reason}`);
          else if (mine.row.customerId !== k.cust || mine.row.terminalId !== k.term || mine.row.amount !== k.amt || mine.row.time !== k.t) {
            mismatches.push(`${c.name}:${lineNo} values differ`);
          }
        } else if (!mine.ok) {
          // Neither kept nor quarantined: a duplicate id, which prepare only finds among valid rows.
          mismatches.push(`${c.name}:${lineNo} duplicate in prepare, parseRow ${mine.reason}`);
        }
        compared++;
      }
      expect(mismatches).toEqual([]);
      quarantinedLines += quarantined.size;
    }
    expect(quarantinedLines).toBeGreaterThan(20);
    expect(compared).toBeGreaterThan(tricky.length);
  });
});

function splitLines(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let s = 0;
  for (;;) {
    const nl = buf.indexOf(10, s);
    if (nl < 0) break;
    out.push(buf.subarray(s, nl));
    s = nl + 1;
  }
  if (s < buf.length) out.push(buf.subarray(s));
  return out;
}
