import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../generator/generate.js';
import { prepare } from '../../prepare/prepare.js';
import { DuckDbEngine } from '../../engine/DuckDbEngine.js';
import { mulberry32 } from '../../util/prng.js';
import { buildFeatures, featureImplementation, type BuildFeaturesOptions } from '../buildFeatures.js';
import { featureNames } from '../spec.js';
import type { ColumnChunk } from '../../engine/SqlEngine.js';
import { scanRowsSql } from '../featureSql.js';
import { deriveIntegers, joinRows, OrderScratch, SCAN_COLUMNS, scanOrder, ScanUnsupported } from './FeatureScan.js';

const DAY = 86400;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'feature-scan-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every row of the feature files under `out`, ordered by transaction id, doubles as their bits; and the files. */
async function featureFiles(out: string): Promise<{ columns: string[]; rows: string[][]; files: string[] }> {
  const engine = await DuckDbEngine.create();
  try {
    const src = `read_parquet('${out}/*/*.parquet', hive_partitioning = true)`;
    const described = await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${src}`);
    const rows = await engine.query(`SELECT * FROM ${src} ORDER BY transaction_id`);
    const bits = (v: unknown) => {
      if (typeof v !== 'number') return String(v);
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v);
      return b.toString('hex');
    };
    const files = readdirSync(out)
      .filter((d) => d.startsWith('day='))
      .flatMap((d) => readdirSync(join(out, d)).map((f) => `${d}/${f}`))
      .sort();
    return { columns: described.map((d) => `${d.column_name} ${d.column_type}`), rows: rows.map((r) => Object.values(r).map(bits)), files };
  } finally {
    await engine.close();
  }
}

/**
 * Builds the range with window SQL and with the scan, in this thread and on a worker thread, and expects the same
 * files, columns and every value bit for bit.
 */
async function expectSameBothWays(o: Omit<BuildFeaturesOptions, 'out'>, name: string): Promise<number> {
  const sql = await buildFeatures({ ...o, out: join(dir, `${name}-sql`), implementation: 'sql' });
  expect(sql.implementation).toBe('sql');
  const b = await featureFiles(join(dir, `${name}-sql`));
  for (const thread of [false, true]) {
    const out = join(dir, `${name}-scan-${thread ? 'thread' : 'inline'}`);
    const scan = await buildFeatures({ ...o, out, implementation: 'scan', scanThread: thread });
    expect(scan.implementation).toBe('scan');
    expect(scan.rows).toBe(sql.rows);
    expect(scan.warnings).toEqual(sql.warnings);
    const a = await featureFiles(out);
    expect(a.columns).toEqual(b.columns);
    expect(a.columns.filter((c) => c.endsWith(' DOUBLE')).map((c) => c.split(' ')[0])).toEqual(featureNames());
    expect(a.files).toEqual(b.files);
    expect(a.rows.length).toBe(sql.rows);
    for (let i = 0; i < a.rows.length; i++) if (a.rows[i].join() !== b.rows[i].join()) expect({ thread, row: a.rows[i] }).toEqual({ thread, row: b.rows[i] });
  }
  return b.rows.length;
}

/**
 * Raw daily files of transactions at few customers and terminals, at times drawn from a pool that holds exact window
 * boundaries (t − w days, t − d days, t − (d + w) days, ±1 s) and many same-second transactions, ids shuffled so id
 * order is not time order. A share of each day's rows comes in the file of a later day (`late`), which prepare
 * commits as a second part of their day.
 */
function collidingRawFiles(raw: string, late: string, seed: number): void {
  const rand = mulberry32(seed);
  const pick = (k: number) => Math.floor(rand() * k);
  const start = Date.UTC(2019, 6, 1) / 1000;
  const anchor = Date.UTC(2019, 7, 20, 12, 0, 0) / 1000;
  const offsets = [0, 1, -1, 3600, 7 * 3600, -13 * 3600].flatMap((s) => [1, 7, 8, 14, 30, 37, 38, 44, 45, 0].map((d) => s - d * DAY));
  const n = 3000;
  const ids = Array.from({ length: n }, (_, i) => 1000 + i * 7);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const files = new Map<string, string[]>();
  const lateFiles = new Map<string, string[]>();
  // Every day from anchor − 45 days to anchor + 29 days holds rows (the colliding ones, and 8 at random seconds).
  const first = Date.UTC(2019, 6, 6) / 1000;
  const times = ids.map((_, i) => (i < 75 * 8 ? first + Math.floor(i / 8) * DAY + pick(DAY) : anchor + offsets[pick(offsets.length)] + (rand() < 0.4 ? pick(30) * DAY : 0)));
  for (const [i, id] of ids.entries()) {
    const t = times[i];
    const cents = rand() < 0.05 ? 0 : rand() < 0.1 ? 100_000 + pick(400_000) : 1 + pick(20_000);
    const fraud = rand() < 0.3 ? 1 : 0;
    const datetime = new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19);
    const line = [id, datetime, 1 + pick(6), pick(4), (cents / 100).toFixed(2), t - start, Math.floor((t - start) / DAY), fraud, fraud].join(',');
    const isLate = rand() < 0.15;
    const day = new Date((t + (isLate ? 2 * DAY : 0)) * 1000).toISOString().slice(0, 10);
    const to = isLate ? lateFiles : files;
    to.set(day, [...(to.get(day) ?? []), line]);
  }
  const header = '# tranaction_id | tx_datetime | customer_id | terminal_id | tx_amount | tx_time_seconds | tx_time_days | tx_fraud | tx_fraud_scenario';
  for (const [folder, byDay] of [
    [raw, files],
    [late, lateFiles],
  ] as const) {
    mkdirSync(folder, { recursive: true });
    for (const [day, lines] of byDay) writeFileSync(join(folder, `${day}.txt`), [header, ...lines, ''].join('\n'));
  }
}

describe('features > scan', () => {
  it('writes the same files as the window SQL, every column of every row bit for bit, on a generated lake', async () => {
    const lake = join(dir, 'generated-lake');
    await generate({ out: join(dir, 'generated-raw'), startDate: '2019-08-01', days: 12, customers: 600, terminals: 800, seed: 11 });
    await prepare({ raw: join(dir, 'generated-raw'), lake, workDir: dir });
    const rows = await expectSameBothWays({ lake, from: '2019-08-04', to: '2019-08-12', workDir: dir }, 'generated');
    expect(rows).toBeGreaterThan(5000);
  }, 180_000);

  it('and on same-second transactions, exact window boundaries and days with late parts', async () => {
    const lake = join(dir, 'colliding-lake');
    collidingRawFiles(join(dir, 'colliding-raw'), join(dir, 'colliding-late'), 3);
    await prepare({ raw: join(dir, 'colliding-raw'), lake, workDir: dir });
    await prepare({ raw: join(dir, 'colliding-late'), lake, workDir: dir });
    // From the lake's first days (history cut short) and from a day with its full 44 days of history.
    expect(await expectSameBothWays({ lake, from: '2019-07-10', to: '2019-09-18', workDir: dir }, 'colliding-all')).toBeGreaterThan(2000);
    expect(await expectSameBothWays({ lake, from: '2019-08-27', to: '2019-09-05', workDir: dir }, 'colliding-late')).toBeGreaterThan(100);
  }, 180_000);

  it('is chosen by the option, else FRAUDOPS_FEATURES_IMPL, else scan; anything else is refused', () => {
    const saved = process.env.FRAUDOPS_FEATURES_IMPL;
    try {
      delete process.env.FRAUDOPS_FEATURES_IMPL;
      expect(featureImplementation()).toBe('scan');
      process.env.FRAUDOPS_FEATURES_IMPL = 'sql';
      expect(featureImplementation()).toBe('sql');
      expect(featureImplementation('scan')).toBe('scan');
      process.env.FRAUDOPS_FEATURES_IMPL = 'fast';
      expect(() => featureImplementation()).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    } finally {
      if (saved === undefined) delete process.env.FRAUDOPS_FEATURES_IMPL;
      else process.env.FRAUDOPS_FEATURES_IMPL = saved;
    }
  });
});

describe('features > scan > row order', () => {
  /** Chunks of the scan's columns (every value 8 bytes) for rows (t, id), other columns derived from the row. */
  function chunksOf(rows: [t: number, id: number][], chunkRows: number): ColumnChunk[] {
    const out: ColumnChunk[] = [];
    for (let from = 0; from < rows.length; from += chunkRows) {
      const part = rows.slice(from, from + chunkRows);
      const big = (f: (t: number, id: number) => number) => BigInt64Array.from(part, ([t, id]) => BigInt(f(t, id)));
      out.push({
        rowCount: part.length,
        columns: [
          big((_, id) => id),
          big((t) => t * 1e6),
          big((_, id) => id % 7),
          big((_, id) => id % 5),
          big((_, id) => id % 2),
          big((_, id) => id % 2),
          Float64Array.from(part, ([, id]) => id / 100),
          big((t) => t),
          big((_, id) => id),
        ],
      });
    }
    return out;
  }
  const day = Date.UTC(2019, 8, 1) / 1000;

  it('takes rows in order as they are, merges a few runs in order itself into one chunk, and leaves more to the engine', () => {
    const sorted: [number, number][] = Array.from({ length: 4998 }, (_, i) => [day + Math.floor(i / 3), 10 + i]);
    expect(scanOrder(chunksOf(sorted, 2048), day)).toBeUndefined();
    const expected = chunksOf(sorted, 2048);
    // Runs in order but not in order between them (row groups written by two threads), cut at chunk edges and
    // inside a second; merged into the chunks the rows in order make.
    const runs = [sorted.slice(3001), sorted.slice(1000, 3001), sorted.slice(0, 1000)].flat();
    const chunks = chunksOf(runs, 1000);
    const order = scanOrder(chunks, day);
    expect(order).toBeInstanceOf(Int32Array);
    // By tx_datetime (whole seconds here), the same order.
    expect(scanOrder(chunks, day, 'tx_datetime')).toEqual(order);
    // Gathered into one chunk: from the chunks through scratch arrays, without them, and from the rows in one chunk.
    const arrays = () => SCAN_COLUMNS.map(() => new BigInt64Array(sorted.length));
    const want = joinRows(expected, arrays());
    const joined = joinRows(chunks, arrays());
    for (const merged of [joinRows(chunks, arrays(), order as Int32Array, arrays()), joinRows(chunks, arrays(), order as Int32Array), joinRows([joined], arrays(), order as Int32Array)]) {
      expect(merged.rowCount).toBe(sorted.length);
      for (let c = 0; c < SCAN_COLUMNS.length; c++) expect(Buffer.from(merged.columns[c]!.buffer).equals(Buffer.from(want.columns[c]!.buffer)), SCAN_COLUMNS[c]).toBe(true);
      expect(scanOrder([merged], day)).toBeUndefined();
    }
    expect(scanOrder([joined], day)).toBeInstanceOf(Int32Array);
    expect(() => joinRows(chunks, arrays().slice(0, 8).concat([new BigInt64Array(3)]))).toThrow(RangeError);
    // Two runs taking turns row by row (too many stretches to copy one by one): merged and gathered row by row; the
    // merge's arrays kept from one call to the next (a larger day first) give the same order as fresh ones.
    const turns = [...sorted.filter((_, i) => i % 2 === 0), ...sorted.filter((_, i) => i % 2 === 1)];
    const scratch = new OrderScratch();
    const larger = Array.from({ length: 9000 }, (_, i): [number, number] => [day + Math.floor(i / 2), 20_000 + i]);
    expect(scanOrder(chunksOf([...larger.slice(4500), ...larger.slice(0, 4500)], 700), day, 't', scratch)).toHaveLength(9000);
    const turnChunks = chunksOf(turns, 1000);
    const turnOrder = scanOrder(turnChunks, day, 't', scratch) as Int32Array;
    expect(turnOrder).toEqual(scanOrder(turnChunks, day));
    const interleaved = joinRows(turnChunks, arrays(), turnOrder, arrays());
    for (let c = 0; c < SCAN_COLUMNS.length; c++) expect(Buffer.from(interleaved.columns[c]!.buffer).equals(Buffer.from(want.columns[c]!.buffer)), SCAN_COLUMNS[c]).toBe(true);
    // Same-second rows with their ids reversed everywhere: too many runs.
    const byTime = sorted.map(([t], i): [number, number] => [t, 10 + 3 * Math.floor(i / 3) + (2 - (i % 3))]);
    expect(scanOrder(chunksOf(byTime, 1000), day)).toBe('far');
    expect(scanOrder(chunksOf([...sorted].reverse(), 2048), day)).toBe('far');
  });

  it('refuses rows outside the day, ids beyond 2^53 and a transaction twice', () => {
    expect(() => scanOrder(chunksOf([[day - 1, 1]], 10), day)).toThrow(ScanUnsupported);
    expect(() => scanOrder(chunksOf([[day + DAY, 1]], 10), day)).toThrow(ScanUnsupported);
    expect(() => scanOrder(chunksOf([[day, 2 ** 53 + 2]], 10), day)).toThrow(ScanUnsupported);
    expect(() => scanOrder(chunksOf([[day + 5, 1], [day + 5, 3], [day + 5, 1]], 10), day)).toThrow(ScanUnsupported);
  });

  it('works out t and cents of rows read without them as the SQL does, and declines times between seconds', async () => {
    // Amounts on the halves (0.005 → 0.5 cent), negative, zero, large; times before 1970 and after.
    const rand = mulberry32(5);
    const amounts = [0.005, 0.015, 1.005, 2.675, -1.005, -0.005, 0, -0, 0.49999999999999994, 123.455, 1e12 + 0.005, -7.125, 99999999.995];
    for (let i = 0; i < 3000; i++) amounts.push(Math.round(rand() * 1e7) / 1000 + (rand() < 0.5 ? 0.005 : 0) - (rand() < 0.1 ? 5000 : 0));
    const times = amounts.map((_, i) => (i % 3 === 0 ? -86400 * 365 * 60 : 1.5e9) + Math.floor(rand() * 86400 * 30));
    const csv = join(dir, 'integers.csv');
    writeFileSync(csv, ['id,ts,amount', ...amounts.map((a, i) => `${i},${times[i]},${a.toPrecision(17)}`)].join('\n'));
    const engine = await DuckDbEngine.create();
    try {
      const source = `SELECT id AS transaction_id, to_timestamp(ts)::TIMESTAMP AS tx_datetime, 1 AS customer_id, 2 AS terminal_id, 0 AS tx_fraud, 0 AS tx_fraud_scenario, amount AS tx_amount FROM read_csv('${csv}', columns = {'id': 'BIGINT', 'ts': 'BIGINT', 'amount': 'DOUBLE'}, header = true)`;
      const n = amounts.length;
      const arrays = () => SCAN_COLUMNS.map((c) => (c === 'tx_amount' ? new Float64Array(n) : new BigInt64Array(n)));
      const sql = joinRows(await engine.queryTypedChunks(scanRowsSql(engine.dialect, source)), arrays());
      const seven = await engine.queryTypedChunks(scanRowsSql(engine.dialect, source, false, false));
      expect(seven[0].columns).toHaveLength(7);
      const into = arrays();
      const rows = { rowCount: n, columns: into };
      joinRows(seven, into.slice(0, 7));
      expect(deriveIntegers(rows)).toBe(true);
      for (const c of ['t', 'cents'] as const) {
        const i = SCAN_COLUMNS.indexOf(c);
        expect(Array.from(into[i] as BigInt64Array), c).toEqual(Array.from(sql.columns[i] as BigInt64Array));
      }
      // A time half a second past a second: the engine rounds it, so the scan reads the engine's.
      const micros = into[SCAN_COLUMNS.indexOf('tx_datetime')] as BigInt64Array;
      micros[n - 1] += 500_000n;
      expect(deriveIntegers(rows)).toBe(false);
      micros[n - 1] -= 500_000n;
      // Cents past 2^53.
      (into[SCAN_COLUMNS.indexOf('tx_amount')] as Float64Array).fill(1e300, 0, 1);
      expect(deriveIntegers(rows)).toBe(false);
    } finally {
      await engine.close();
    }
  });
});
