import { describe, expect, it } from 'vitest';
import type { ColumnChunk } from '../../engine/SqlEngine.js';
import { mulberry32 } from '../../util/prng.js';
import { DEFAULT_FEATURE_SPEC } from '../spec.js';
import { inlineScanner, threadScanner, type DayScanner } from './dayScanner.js';
import { FeatureScan, featureArrayTypes, partColumns, ScanUnsupported, type FeatureArray } from './FeatureScan.js';
import { featureNames } from '../spec.js';

const DAY = 86400;
const origin = Date.UTC(2019, 8, 1) / 1000;

/** A day's rows in the scan's columns, in (t, id) order, in one chunk: few keys, so windows fill. */
function dayRows(day: number, rows: number, seed: number): ColumnChunk {
  const rand = mulberry32(seed);
  const times = Array.from({ length: rows }, () => origin + day * DAY + Math.floor(rand() * DAY)).sort((a, b) => a - b);
  {
    const n = rows;
    const from = 0;
    const big = (f: (i: number) => number) => BigInt64Array.from({ length: n }, (_, i) => BigInt(f(from + i)));
    const cents = Array.from({ length: n }, () => 1 + Math.floor(rand() * 50_000));
    return {
      rowCount: n,
      columns: [
        big((i) => day * 1_000_000 + i),
        big((i) => times[i] * 1e6),
        big(() => Math.floor(rand() * 40)),
        big(() => Math.floor(rand() * 30)),
        big(() => (rand() < 0.1 ? 1 : 0)),
        big(() => 0),
        Float64Array.from(cents, (c) => c / 100),
        big((i) => times[i]),
        BigInt64Array.from(cents, (c) => BigInt(c)),
      ],
    };
  }
}

/** The bytes of a day's rows, to compare with what comes back. */
const bytesOf = (rows: ColumnChunk) => Buffer.concat(rows.columns.map((c) => Buffer.from(c!.buffer, c!.byteOffset, c!.byteLength)));

async function scanDays(scanner: DayScanner, days: ColumnChunk[]): Promise<FeatureArray[][]> {
  const out: FeatureArray[][] = [];
  const sent = days.map(bytesOf);
  // Days are handed over before earlier ones are back, and their columns given back for later days to fill.
  const pending = days.map((rows, d) => scanner.day(rows, d > 0));
  for (const [d, p] of pending.entries()) {
    const features = await p;
    // The rows are as they were sent.
    expect(bytesOf(days[d]).equals(sent[d]), `day ${d} rows`).toBe(true);
    if (features === undefined) continue;
    out.push(features.map((c) => c.slice()));
    scanner.recycle(features);
  }
  return out;
}

describe('features > scan > day scanners', () => {
  it('give the same feature columns in this thread and on worker threads, days in flight and columns reused', async () => {
    const days = Array.from({ length: 9 }, (_, d) => dayRows(d, 2500 + 700 * (d % 3), 100 + d));
    const inline = inlineScanner(DEFAULT_FEATURE_SPEC, origin);
    const thread = threadScanner(DEFAULT_FEATURE_SPEC, origin);
    try {
      const [a, b] = [await scanDays(inline, days), await scanDays(thread, structuredClone(days))];
      expect(a.length).toBe(8);
      // Flags and counts as 32-bit integers, the rest as doubles.
      expect(a[0].map((c) => c.constructor.name)).toEqual(featureArrayTypes(DEFAULT_FEATURE_SPEC).map((t) => t.name));
      expect(featureArrayTypes(DEFAULT_FEATURE_SPEC).filter((t) => t === Int32Array)).toHaveLength(10);
      expect(a.map((cols) => cols.map((c) => c.length))).toEqual(days.slice(1).map((rows) => inline.names.map(() => rows.rowCount)));
      for (let d = 0; d < a.length; d++) {
        for (let f = 0; f < a[d].length; f++) expect(Buffer.from(b[d][f].buffer).equals(Buffer.from(a[d][f].buffer)), `day ${d + 1} ${inline.names[f]}`).toBe(true);
      }
      // The windows filled: the 7-day customer counts reach past one day's rows.
      expect(Math.max(...a[7][inline.names.indexOf('CUSTOMER_ID_NB_TX_7DAY_WINDOW')])).toBeGreaterThan(Math.max(...a[0][inline.names.indexOf('CUSTOMER_ID_NB_TX_1DAY_WINDOW')]));
    } finally {
      await inline.close();
      await thread.close();
    }
  });

  it('split the feature columns between the customer and the terminal part, each writing its own and only those', () => {
    const spec = DEFAULT_FEATURE_SPEC;
    const all = featureNames(spec).map((_, i) => i);
    const [customer, terminal] = [partColumns(spec, 'customer'), partColumns(spec, 'terminal')];
    expect([...customer, ...terminal].sort((a, b) => a - b)).toEqual(all);
    expect(customer.filter((i) => terminal.includes(i))).toEqual([]);
    expect(terminal.map((i) => featureNames(spec)[i]).every((n) => n.startsWith('TERMINAL_ID_'))).toBe(true);
    const scans = [new FeatureScan(spec, origin), new FeatureScan(spec, origin, 'customer'), new FeatureScan(spec, origin, 'terminal')];
    for (const [d, rows] of [dayRows(0, 3000, 11), dayRows(1, 3500, 12), dayRows(2, 2500, 13)].entries()) {
      const [whole, byCustomer, byTerminal] = scans.map((scan) => {
        const into = all.map(() => new Float64Array(rows.rowCount).fill(NaN));
        scan.day([rows], into);
        return into;
      });
      for (const i of all) {
        const [own, other] = customer.includes(i) ? [byCustomer, byTerminal] : [byTerminal, byCustomer];
        expect(Buffer.from(own[i].buffer).equals(Buffer.from(whole[i].buffer)), `day ${d} ${featureNames(spec)[i]}`).toBe(true);
        expect(other[i].every(Number.isNaN), `day ${d} ${featureNames(spec)[i]} left alone`).toBe(true);
      }
    }
  });

  it('give the same features for ids outside the directly indexed range (negative, from 2^22 up) as for small ids', () => {
    const spec = DEFAULT_FEATURE_SPEC;
    const days = [dayRows(0, 3000, 21), dayRows(1, 3000, 22), dayRows(2, 3000, 23)];
    // Each small id mapped to a far one (some negative, some past 2^22, one of each kept small), one to one.
    const far = (id: bigint) => (id % 3n === 0n ? -1n - id : id % 3n === 1n ? 2n ** 22n + id * 1_000_003n : id);
    const farDays = days.map((rows) => ({ ...rows, columns: rows.columns.map((c, i) => (i === 2 || i === 3 ? (c as BigInt64Array).map(far) : c)) }));
    const [near, farScan] = [new FeatureScan(spec, origin), new FeatureScan(spec, origin)];
    for (let d = 0; d < days.length; d++) {
      const [a, b] = [near, farScan].map(() => featureNames(spec).map(() => new Float64Array(days[d].rowCount)));
      near.day([days[d]], a);
      farScan.day([farDays[d]], b);
      for (let f = 0; f < a.length; f++) expect(Buffer.from(b[f].buffer).equals(Buffer.from(a[f].buffer)), `day ${d} ${featureNames(spec)[f]}`).toBe(true);
    }
  });

  it('refuse amounts whose cents, or whose sums of cents in a window, go past 32 bits (the SQL path takes them)', () => {
    for (const [centsOf, what] of [
      [() => 2n ** 31n, 'one amount'],
      [() => 2n ** 29n, 'a sum'],
    ] as const) {
      const rows = dayRows(0, 50, 5);
      // Every row of one customer, so the window's sum grows with each.
      (rows.columns[2] as BigInt64Array).fill(7n);
      (rows.columns[8] as BigInt64Array).fill(centsOf());
      expect(() => new FeatureScan(DEFAULT_FEATURE_SPEC, origin).day([rows]), what).toThrow(ScanUnsupported);
      // The terminal part holds no cents, and takes them.
      expect(() => new FeatureScan(DEFAULT_FEATURE_SPEC, origin, 'terminal').day([rows]), what).not.toThrow();
    }
  });

  it('report rows the scan cannot take as ScanUnsupported from the worker too, for that day and every later one', async () => {
    const good = dayRows(0, 100, 1);
    const bad = dayRows(1, 100, 2);
    // A customer id beyond 2^53.
    (bad.columns[2] as BigInt64Array)[50] = 2n ** 60n;
    for (const make of [inlineScanner, threadScanner]) {
      const scanner = make(DEFAULT_FEATURE_SPEC, origin);
      try {
        expect(await scanner.day(structuredClone(good), true)).toHaveLength(scanner.names.length);
        await expect(scanner.day(structuredClone(bad), true)).rejects.toBeInstanceOf(ScanUnsupported);
        if (make === threadScanner) await expect(scanner.day(dayRows(2, 100, 3), true)).rejects.toBeInstanceOf(ScanUnsupported);
      } finally {
        await scanner.close();
      }
    }
  });
});
