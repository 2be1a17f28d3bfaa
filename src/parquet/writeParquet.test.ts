/**
 * Files of writeParquet read back by a real Parquet reader (DuckDB's): every value bit for bit, the types, the
 * encodings each kind of column gets, and statistics a reader can skip row groups by (filtered counts equal
 * unfiltered ones). Spark's reader: test/parquet.spark.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { mulberry32 } from '../util/prng.js';
import { DICTIONARY_LIMIT, writeParquet, type ParquetColumn } from './writeParquet.js';

let dir = '';
let engine: DuckDbEngine;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fraudops-parquet-'));
  engine = await DuckDbEngine.create({ workDir: join(dir, 'engine') });
});
afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function write(columns: ParquetColumn[], rowGroupRows?: number): string {
  const path = join(dir, `f${files++}.parquet`);
  writeFileSync(path, writeParquet(columns, { rowGroupRows }));
  return `read_parquet('${path}')`;
}

/** Every value of every column back as written: doubles by their bits, integers exactly. */
async function expectRoundTrip(columns: ParquetColumn[], rowGroupRows?: number): Promise<string> {
  const source = write(columns, rowGroupRows);
  const select = columns.map((c) => {
    if (c.type === 'DOUBLE') return c.name;
    return c.annotation === 'TIMESTAMP_MICROS' ? `epoch_us(${c.name}) AS ${c.name}` : `CAST(${c.name} AS BIGINT) AS ${c.name}`;
  });
  const rows = columns.length === 0 ? [] : await engine.query(`SELECT ${select.join(', ')} FROM ${source}`);
  const n = columns[0]?.values.length ?? 0;
  expect(rows.length).toBe(n);
  for (const c of columns) {
    const got = c.type === 'DOUBLE' ? Float64Array.from(rows, (r) => r[c.name] as number) : BigInt64Array.from(rows, (r) => r[c.name] as bigint);
    // Bits, so −0 and NaN count.
    const want = new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength);
    expect(Buffer.compare(Buffer.from(got.buffer), Buffer.from(want)), c.name).toBe(0);
  }
  return source;
}

async function encodings(source: string): Promise<Record<string, string[]>> {
  const rows = await engine.query<{ path_in_schema: string; encodings: string }>(`SELECT path_in_schema, encodings FROM parquet_metadata(${source.slice('read_parquet('.length, -1)})`);
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.path_in_schema] ??= []).push(r.encodings);
  return out;
}

const random = mulberry32(7);
const ints = (n: number, f: (i: number) => bigint) => BigInt64Array.from({ length: n }, (_, i) => f(i));
const doubles = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

describe('parquet > writeParquet', () => {
  it('writes the types a reader expects and reads back every value, over row groups of any size', async () => {
    const n = 2_501;
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'INT64', annotation: 'INT_64', values: ints(n, (i) => BigInt(10_000 + i * 3)) },
      { name: 'ts', type: 'INT64', annotation: 'TIMESTAMP_MICROS', values: ints(n, (i) => 1_567_296_000_000_000n + BigInt(Math.floor(random() * 86_400)) * 1_000_000n) },
      { name: 'label', type: 'INT32', annotation: 'INT_32', values: ints(n, (i) => (i % 17 === 0 ? 1n : 0n)) },
      { name: 'small', type: 'INT32', annotation: 'INT_8', values: ints(n, (i) => BigInt((i % 256) - 128)) },
      { name: 'mid', type: 'INT32', annotation: 'INT_16', values: ints(n, (i) => BigInt(Math.floor(random() * 65_536) - 32_768)) },
      { name: 'amount', type: 'DOUBLE', values: doubles(n, () => Math.round(random() * 1e7) / 100) },
      { name: 'ratio', type: 'DOUBLE', values: doubles(n, () => random() * 3) },
    ];
    const source = await expectRoundTrip(columns, 1_000);
    const types = await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${source}`);
    expect(types.map((t) => `${t.column_name} ${t.column_type}`)).toEqual(['id BIGINT', 'ts TIMESTAMP', 'label INTEGER', 'small TINYINT', 'mid SMALLINT', 'amount DOUBLE', 'ratio DOUBLE']);
    const groups = await engine.query<{ n: bigint }>(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata(${source.slice(13, -1)})`);
    expect(groups[0].n).toBe(3n);
  });

  it('takes a dictionary for few distinct values, delta for other integers, plain for other doubles', async () => {
    const n = 20_000;
    const source = await expectRoundTrip([
      { name: 'counts', type: 'DOUBLE', values: doubles(n, (i) => (i % 97) + (i % 2 === 0 ? 0 : 0.5)) },
      { name: 'zeros', type: 'DOUBLE', values: doubles(n, (i) => (i % 3 === 0 ? -0 : 0)) },
      { name: 'nan', type: 'DOUBLE', values: doubles(n, (i) => (i % 5 === 0 ? NaN : i % 4)) },
      { name: 'at_limit', type: 'DOUBLE', values: doubles(n, (i) => (i % DICTIONARY_LIMIT) * 1.25) },
      { name: 'over', type: 'DOUBLE', values: doubles(n, (i) => i % (DICTIONARY_LIMIT + 1)) },
      { name: 'flag', type: 'INT32', values: ints(n, (i) => (i < 5 ? 1n : 0n)) },
      { name: 'ids', type: 'INT64', values: ints(n, (i) => BigInt(i * 7 + (i % 3))) },
      { name: 'random', type: 'DOUBLE', values: doubles(n, () => random()) },
    ]);
    expect(await encodings(source)).toEqual({
      counts: ['PLAIN_DICTIONARY, RLE'],
      zeros: ['PLAIN_DICTIONARY, RLE'],
      nan: ['PLAIN_DICTIONARY, RLE'],
      at_limit: ['PLAIN_DICTIONARY, RLE'],
      over: ['PLAIN, RLE'],
      flag: ['PLAIN_DICTIONARY, RLE'],
      ids: ['DELTA_BINARY_PACKED, RLE'],
      random: ['PLAIN, RLE'],
    });
  });

  it('writes whole numbers given as 32-bit integers as the doubles they are: counts by value in a dictionary, the rest plain', async () => {
    const n = 20_000;
    const given: Record<string, Int32Array> = {
      counts: Int32Array.from({ length: n }, () => Math.floor(random() * 60)),
      flags: Int32Array.from({ length: n }, (_, i) => (i % 1000 < 300 ? 1 : 0)),
      // Past the dictionary in some row groups only, and negative.
      large: Int32Array.from({ length: n }, (_, i) => (i < 5_000 ? i % 50 : Math.floor(random() * 2 ** 31) * (i % 2 === 0 ? 1 : -1))),
    };
    const asInts = write(Object.entries(given).map(([name, values]) => ({ name, type: 'DOUBLE', values })), 5_000);
    const asDoubles = await expectRoundTrip(
      Object.entries(given).map(([name, values]) => ({ name, type: 'DOUBLE', values: Float64Array.from(values) })),
      5_000,
    );
    // The same values, types and statistics as the doubles' file (so readers skip the same row groups).
    const read = async (source: string) => engine.query(`SELECT * FROM ${source}`);
    expect(await read(asInts)).toEqual(await read(asDoubles));
    const stats = async (source: string) =>
      engine.query(`SELECT row_group_id, path_in_schema, type, stats_min, stats_max FROM parquet_metadata(${source.slice('read_parquet('.length, -1)}) ORDER BY ALL`);
    expect(await stats(asInts)).toEqual(await stats(asDoubles));
    const kinds = await encodings(asInts);
    expect(kinds.counts).toEqual(Array(4).fill('PLAIN_DICTIONARY, RLE'));
    expect(kinds.flags).toEqual(Array(4).fill('PLAIN_DICTIONARY, RLE'));
    expect(kinds.large).toEqual(['PLAIN_DICTIONARY, RLE', 'PLAIN, RLE', 'PLAIN, RLE', 'PLAIN, RLE']);
  });

  it('packs runs of every length, and dictionary indices of every width', async () => {
    // Runs of 1..20 equal values, then alternating values, then widths 1..12 bits of indices.
    const runs: number[] = [];
    for (let len = 1; len <= 20; len++) for (let k = 0; k < len; k++) runs.push(len % 3);
    for (let i = 0; i < 37; i++) runs.push(i % 2);
    const columns: ParquetColumn[] = [{ name: 'runs', type: 'DOUBLE', values: Float64Array.from(runs) }];
    for (let width = 1; width <= 12; width++) {
      const values = doubles(runs.length, (i) => (i * 7919) % 2 ** width);
      columns.push({ name: `w${width}`, type: 'DOUBLE', values });
    }
    await expectRoundTrip(columns, 64);
    await expectRoundTrip(columns);
  });

  it('writes 64-bit integers of any size: wide differences delta-packed, values past ±2^52 plain', async () => {
    const n = DICTIONARY_LIMIT + 1_000;
    const source = await expectRoundTrip([
      { name: 'wide', type: 'INT64', values: ints(n, (i) => BigInt(Math.floor(random() * 2 ** 51)) * (i % 2 === 0 ? 1n : -1n)) },
      { name: 'extremes', type: 'INT64', values: ints(n, (i) => (i % 2 === 0 ? 9_223_372_036_854_775_807n - BigInt(i) : -9_223_372_036_854_775_808n + BigInt(i))) },
      { name: 'negative', type: 'INT64', values: ints(n, (i) => BigInt(-i * 1_000_003)) },
      { name: 'int32', type: 'INT32', values: ints(n, (i) => BigInt(i % 2 === 0 ? 2_147_483_647 - i : -2_147_483_648 + i)) },
    ]);
    const e = await encodings(source);
    expect(e.wide).toEqual(['DELTA_BINARY_PACKED, RLE']);
    expect(e.extremes).toEqual(['PLAIN, RLE']);
    expect(e.negative).toEqual(['DELTA_BINARY_PACKED, RLE']);
  });

  it('packs differences that fit 32 bits in 32-bit arithmetic: across word boundaries, at the limits, and not past 2^52', async () => {
    const n = DICTIONARY_LIMIT + 1_000;
    const columns: ParquetColumn[] = [
      // Up and down across 2^32 and across zero (a borrow from the high word either way).
      { name: 'crossing', type: 'INT64', values: ints(n, (i) => (i % 3 === 0 ? 4_294_967_295n - BigInt(i) : i % 3 === 1 ? 4_294_967_296n + BigInt(i) : -BigInt(i))) },
      // Differences of exactly −2^31 and 2^31 − 1, the most a 32-bit integer holds each way.
      { name: 'limits', type: 'INT64', values: ints(n, (i) => 2n ** 40n - BigInt(i >> 1) - (i % 2 === 1 ? 2_147_483_648n : 0n)) },
      // One past: 2^31 up.
      { name: 'past', type: 'INT64', values: ints(n, (i) => BigInt(i >> 1) + (i % 2 === 1 ? 2_147_483_648n : 0n)) },
      // Small steps that end past 2^52: plain, as values past 2^52 are.
      { name: 'climbing', type: 'INT64', values: ints(n, (i) => 2n ** 52n - 3_000n + BigInt(i)) },
      { name: 'int32', type: 'INT32', values: ints(n, (i) => BigInt((i * 7919) % 100_000) - 50_000n) },
    ];
    const source = await expectRoundTrip(columns);
    const e = await encodings(source);
    for (const name of ['crossing', 'limits', 'past', 'int32']) expect(e[name], name).toEqual(['DELTA_BINARY_PACKED, RLE']);
    expect(e.climbing).toEqual(['PLAIN, RLE']);
    // Each chunk's bounds are its values' least and greatest.
    const stats = await engine.query<{ path_in_schema: string; stats_min_value: string; stats_max_value: string }>(`SELECT path_in_schema, stats_min_value, stats_max_value FROM parquet_metadata(${source.slice('read_parquet('.length, -1)})`);
    for (const c of columns.filter((c) => c.name !== 'climbing')) {
      const values = [...(c.values as BigInt64Array)];
      const least = values.reduce((a, b) => (b < a ? b : a));
      const greatest = values.reduce((a, b) => (b > a ? b : a));
      const row = stats.find((r) => r.path_in_schema === c.name)!;
      expect([row.stats_min_value, row.stats_max_value].map(String), c.name).toEqual([String(least), String(greatest)]);
    }
  });

  it('gives each row group its min and max, so filtered reads skip groups and still count right', async () => {
    const n = 5_000;
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'INT64', values: ints(n, (i) => BigInt(i)) },
      { name: 'ts', type: 'INT64', annotation: 'TIMESTAMP_MICROS', values: ints(n, (i) => BigInt(i) * 60_000_000n) },
      { name: 'count', type: 'DOUBLE', values: doubles(n, (i) => Math.floor(i / 100)) },
      { name: 'amount', type: 'DOUBLE', values: doubles(n, (i) => i * 0.5 - 1000) },
      { name: 'nan', type: 'DOUBLE', values: doubles(n, (i) => (i === 4_321 ? NaN : i)) },
      { name: 'small', type: 'INT32', annotation: 'INT_8', values: ints(n, (i) => BigInt((i % 200) - 100)) },
    ];
    const source = await expectRoundTrip(columns, 700);
    const stats = await engine.query<{ path_in_schema: string; row_group_id: bigint; min: string | null; max: string | null; nulls: bigint }>(
      `SELECT path_in_schema, row_group_id, stats_min_value AS min, stats_max_value AS max, stats_null_count AS nulls FROM parquet_metadata(${source.slice(13, -1)}) ORDER BY ALL`,
    );
    for (const s of stats) {
      expect(s.nulls).toBe(0n);
      const group = Number(s.row_group_id);
      const column = columns.find((c) => c.name === s.path_in_schema)!;
      const values = Array.from(column.values.subarray(group * 700, (group + 1) * 700) as ArrayLike<number | bigint>, Number);
      if (values.some(Number.isNaN)) {
        expect(s.min).toBeNull();
        continue;
      }
      const [min, max] = [Math.min(...values), Math.max(...values)];
      if (column.name === 'ts') expect([s.min, s.max]).toEqual([min, max].map((us) => new Date(us / 1000).toISOString().replace('T', ' ').replace('.000Z', '')));
      // (+ 0: a minimum of 0 is written as −0)
      else expect([Number(s.min) + 0, Number(s.max) + 0]).toEqual([min + 0, max + 0]);
    }
    for (const filter of ['id BETWEEN 1400 AND 1410', `ts >= TIMESTAMP '1970-01-03 00:00:00'`, 'count = 37', 'amount < -900', 'nan > 4990', 'small = -100']) {
      const [filtered] = await engine.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${source} WHERE ${filter}`);
      const [scanned] = await engine.query<{ n: bigint }>(`SELECT count(*) AS n FROM (SELECT * FROM ${source} LIMIT 1000000000) WHERE ${filter}`);
      expect(filtered.n, filter).toBe(scanned.n);
      expect(filtered.n, filter).toBeGreaterThan(0n);
    }
  });

  it('writes a file of no rows and of one row', async () => {
    await expectRoundTrip([{ name: 'x', type: 'DOUBLE', values: new Float64Array(0) }]);
    await expectRoundTrip([
      { name: 'x', type: 'DOUBLE', values: Float64Array.of(1.5) },
      { name: 'y', type: 'INT64', values: BigInt64Array.of(-5n) },
    ]);
  });

  it('refuses columns of different lengths and INT32 values that do not fit', () => {
    expect(() => writeParquet([{ name: 'a', type: 'DOUBLE', values: new Float64Array(2) }, { name: 'b', type: 'DOUBLE', values: new Float64Array(3) }])).toThrow(/column b has 3 values, not 2/);
    expect(() => writeParquet([{ name: 'a', type: 'INT32', values: BigInt64Array.of(1n, 2n ** 31n) }])).toThrow(/column a row 1 does not fit INT32/);
    expect(() => writeParquet([{ name: 'a', type: 'DOUBLE', values: new Float64Array(2) }], { rowGroupRows: 0 })).toThrow(/rowGroupRows/);
    expect(() => writeParquet([{ name: 'a', type: 'DOUBLE', values: new Float64Array(2) }], { rowGroupRows: 2 ** 27 })).toThrow(/rowGroupRows/);
  });
});
