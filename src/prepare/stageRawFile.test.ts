import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { LocalStore } from '../storage/LocalStore.js';
import { COURSE_HEADER } from '../quality.js';
import { stageRawFile } from './stageRawFile.js';
import { PENDING_REASON, duplicatesSql, lakeIdsSql } from './cleaningSql.js';
import { mulberry32 } from '../util/prng.js';


/** Texts each field takes now and then besides a plain value: every edge the typed split has to get right. */
const ODD: string[][] = [
  ['0', '007', '123456789012345678', '999999999999999999', '1234567890123456789', '9223372036854775807', '9223372036854775808', '99999999999999999999', '-5', '1.0', ' 12', 'abc', ''],
  ['2019-02-29 10:00:00', '2020-02-29 10:00:00', '2019-08-22 24:00:00', '2019-08-22 23:59:60', '2019-08-22 23:60:00', '2019-13-01 00:00:00', '2019-00-10 00:00:00', '2019-08-00 00:00:00', '2019-04-31 00:00:00', '2019-8-22 1:2:3', '0999-01-01 00:00:00', '0000-01-01 00:00:00', '2019-08-22T10:00:00', '2019-08-22  10:00:00', '', '2019-08-31 23:59:59', '2019-08-15 12:00:00', '2018-08-20 00:00:00', '2018-08-21 00:00:00', '2019-08-29 23:59:59', '2019-08-30 00:00:00', '2016-02-29 00:00:00'],
  ['0', '-0', '-123', '-0123', '999999', '-999999', '0999999', '12a', '', '1.5', '99999999999999999999', '-9223372036854775808', '--5'],
  ['0', 'Err', 'None', ' None ', '', '00042', '-1', '1e3', 'none'],
  ['0', '0.00', '62.90', '.5', '5.', '1000000', '1000000.01', '1000000.00', '12.1234567', '12.123456', '1e3', '-1', '1..2', '', '9'.repeat(22), '9'.repeat(23), '0000012.5'],
  ['0', '0012', '-1', '', '1.5', '86399', '86400'],
  ['0', '00', '-1', '', ' 3', '1', '99999999999999999999'],
  ['1', '2', '01', '', '-1'],
  ['1', '2', '3', '4', '00', ''],
];

function plainRow(next: () => number, id: number): string[] {
  const secs = Math.floor(next() * 10 * 86400);
  const dt = new Date(Date.UTC(2019, 7, 22) + secs * 1000).toISOString().replace('T', ' ').slice(0, 19);
  const fraud = next() < 0.1 ? 1 : 0;
  return [
    String(id),
    dt,
    String(Math.floor(next() * 5000)),
    String(Math.floor(next() * 10000)),
    (next() * 300).toFixed(next() < 0.5 ? 2 : 1),
    String(secs),
    String(next() < 0.05 ? 7 : Math.floor(secs / 86400)),
    String(fraud),
    String(fraud ? 1 + Math.floor(next() * 3) : 0),
  ];
}

/** About a third of the rows with one to three odd fields, a few structural rejects, some ids repeated. */
function noisyFile(rows: number, seed: number): string {
  const next = mulberry32(seed);
  const lines = [COURSE_HEADER];
  for (let i = 0; i < rows; i++) {
    const u = next();
    if (u < 0.004) {
      lines.push(['', '1,2,3', '4,"x",5,6,7,8,9,0,1', `${i},2019-08-22 10:00:00,1,1,1.0,1,0,0,0\r`][Math.floor(next() * 4)]);
      continue;
    }
    const fields = plainRow(next, next() < 0.02 ? Math.floor(next() * i) : i);
    if (u < 0.35) {
      for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
        const f = Math.floor(next() * fields.length);
        fields[f] = ODD[f][Math.floor(next() * ODD[f].length)];
      }
    }
    lines.push(fields.join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('prepare > stage raw file > typed rows', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stage-typed-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The `staged` table, in its row order, after staging `text` as `name` with or without typed rows. */
  async function staged(name: string, text: string, typedRows: boolean) {
    const raw = join(dir, `raw-${typedRows}`);
    mkdirSync(raw, { recursive: true });
    writeFileSync(join(raw, name), text);
    const store = await LocalStore.create(raw);
    const engine = await DuckDbEngine.create();
    try {
      const info = (await store.list('')).find((o) => o.key === name)!;
      const work = join(dir, `work-${typedRows}-${name}`);
      mkdirSync(work, { recursive: true });
      const result = await stageRawFile({
        rawStore: store,
        engine,
        info,
        rejectsPath: join(work, 'rejects.jsonl'),
        spoolDir: join(work, 'spool'),
        typedRows,
        progress: () => undefined,
      });
      const rows = await engine.query('SELECT * FROM staged');
      return { result, rows };
    } finally {
      await engine.close();
      await store.close();
    }
  }

  for (const [name, seed] of [
    ['2019-08-22.txt', 1],
    ['2019-08-23.csv', 2],
    ['transactions.txt', 3],
  ] as const) {
    it(`stages exactly the rows, reasons, values and rejected text of the text path, in line order (${name})`, async () => {
      const text = noisyFile(20_000, seed);
      const typed = await staged(name, text, true);
      const plain = await staged(name, text, false);
      expect(typed.result.forwarded).toBe(plain.result.forwarded);
      // Most rows went typed, and the odd ones as text: both paths were exercised.
      expect(typed.result.textRows).toBeGreaterThan(2_500);
      expect(typed.result.textRows).toBeLessThan(typed.result.forwarded / 2);
      expect(plain.result.textRows).toBe(plain.result.forwarded);
      expect(typed.rows.some((r) => r.reason === PENDING_REASON)).toBe(false);
      expect(typed.rows.length).toBe(plain.rows.length);
      for (let i = 0; i < plain.rows.length; i++) {
        if (JSON.stringify(typed.rows[i], (_k, v) => (typeof v === 'bigint' ? String(v) : v)) !== JSON.stringify(plain.rows[i], (_k, v) => (typeof v === 'bigint' ? String(v) : v))) {
          expect({ row: i, typed: typed.rows[i] }).toEqual({ row: i, typed: plain.rows[i] });
        }
      }
      const lines = typed.rows.map((r) => Number(r.line));
      expect(lines).toEqual([...lines].sort((a, b) => a - b));
      // Every kind of rejection the rules know of turned up, from typed and from text rows.
      expect(new Set(typed.rows.map((r) => r.reason)).size).toBeGreaterThan(8);
    });
  }
});

describe('prepare > dedup > suspect ids', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stage-suspects-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const typedRows of [true, false]) {
    it(`finds the same duplicate lines grouping only the suspects' rows as grouping every row (${typedRows ? 'typed' : 'text'} rows)`, async () => {
      for (const seed of [4, 5, 6]) {
        const raw = join(dir, `raw-${typedRows}-${seed}`);
        mkdirSync(raw, { recursive: true });
        writeFileSync(join(raw, '2019-08-22.txt'), noisyFile(20_000, seed));
        const store = await LocalStore.create(raw);
        const engine = await DuckDbEngine.create();
        try {
          const info = (await store.list(''))[0];
          const work = join(dir, `work-${typedRows}-${seed}`);
          const staged = await stageRawFile({
            rawStore: store,
            engine,
            info,
            rejectsPath: join(work, 'rejects.jsonl'),
            spoolDir: join(work, 'spool'),
            typedRows,
            progress: () => undefined,
          });
          expect(staged.suspectIds).toBeDefined();
          expect(staged.suspectIds!.length).toBeLessThan(staged.forwarded / 10);
          const dups = async (suspects?: string[]) => {
            await engine.run(duplicatesSql(engine.dialect, suspects));
            return (await engine.query('SELECT line, of_lake FROM dup_lines ORDER BY line')).map((r) => `${String(r.line)}:${String(r.of_lake)}`);
          };
          await engine.run(lakeIdsSql(undefined));
          const all = await dups();
          expect(all.length, `seed ${seed}`).toBeGreaterThan(50);
          expect(await dups(staged.suspectIds), `seed ${seed}`).toEqual(all);
          // With some ids in the lake as well.
          await engine.run('CREATE OR REPLACE TEMP TABLE lake_ids AS SELECT DISTINCT tid FROM staged WHERE reason IS NULL AND line % 13 = 0');
          const withLake = await dups();
          expect(withLake.some((l) => l.endsWith(':true'))).toBe(true);
          expect(await dups(staged.suspectIds), `seed ${seed}`).toEqual(withLake);
        } finally {
          await engine.close();
          await store.close();
        }
      }
    });
  }
});
