import { describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { duckDbDialect } from '../engine/duckDbDialect.js';
import { mulberry32 } from '../util/prng.js';
import { featureSelectSql, terminalValuesSql } from './featureSql.js';
import { DEFAULT_FEATURE_SPEC, featureNames, type FeatureSpec } from './spec.js';

const DAY = 86400;

interface Tx {
  id: number;
  t: number;
  customer: number;
  terminal: number;
  cents: number;
  fraud: number;
}

/** The spec's semantics (spec.ts) read literally, one transaction at a time over all others: O(n²), for small n. */
function bruteForce(txs: Tx[], spec: FeatureSpec): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const customerOf = (x: Tx, w: number) => txs.filter((y) => y.customer === x.customer && y.t > x.t - w * DAY && (y.t < x.t || (y.t === x.t && y.id <= x.id)));
  const isOutlier = (y: Tx) => {
    const ys = customerOf(y, spec.outlierBaseWindowDays!);
    return y.cents * (ys.length - 1) > spec.outlierRatio! * (ys.reduce((s, z) => s + z.cents, 0) - y.cents);
  };
  const outlier = new Map(txs.map((y) => [y.id, spec.outlierWindowsDays?.length ? isOutlier(y) : false]));
  for (const x of txs) {
    const customer = (w: number) => customerOf(x, w);
    const terminal = (w: number) => txs.filter((y) => y.terminal === x.terminal && y.t > x.t - (spec.delayDays + w) * DAY && y.t <= x.t - spec.delayDays * DAY);
    const sum = (ys: Tx[], f: (y: Tx) => number) => ys.reduce((s, y) => s + f(y), 0);
    const date = new Date(x.t * 1000);
    const row = [
      x.cents / 100,
      date.getUTCDay() === 0 || date.getUTCDay() === 6 ? 1 : 0,
      date.getUTCHours() <= spec.nightMaxHour ? 1 : 0,
      ...spec.customerWindowsDays.flatMap((w) => {
        const ys = customer(w);
        return [ys.length, sum(ys, (y) => y.cents) / (ys.length * 100)];
      }),
      ...spec.terminalWindowsDays.flatMap((w) => {
        const ys = terminal(w);
        return [ys.length, ys.length === 0 ? 0 : sum(ys, (y) => y.fraud) / ys.length];
      }),
      ...spec.amountRatioWindowsDays.map((w) => {
        const ys = customer(w);
        const cents = sum(ys, (y) => y.cents);
        return cents === 0 ? 1 : (x.cents * ys.length) / cents;
      }),
      ...(spec.outlierWindowsDays ?? []).map(
        (w) => txs.filter((y) => y.customer === x.customer && y.t > x.t - w * DAY && y.t <= x.t - 1 && outlier.get(y.id)).length,
      ),
    ];
    out.set(x.id, row);
  }
  return out;
}

/**
 * Few customers and terminals, times drawn from a small pool that holds exact window boundaries (t − w days,
 * t − d days, t − (d + w) days) and many same-second transactions, ids shuffled so id order is not insertion order.
 */
function collidingTransactions(n: number, seed: number): Tx[] {
  const rand = mulberry32(seed);
  const pick = (k: number) => Math.floor(rand() * k);
  const anchor = Date.UTC(2019, 7, 20, 12, 0, 0) / 1000;
  const offsets = [0, 1, -1, 3600, 7 * 3600].flatMap((s) => [1, 7, 8, 14, 30, 37, 38, 0].map((d) => s - d * DAY));
  const ids = Array.from({ length: n }, (_, i) => 1000 + i * 7);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids.map((id) => ({
    id,
    t: anchor + offsets[pick(offsets.length)] + (rand() < 0.3 ? pick(40) * DAY : 0),
    customer: pick(6),
    terminal: pick(4),
    cents: rand() < 0.05 ? 0 : 1 + pick(50_000),
    fraud: rand() < 0.3 ? 1 : 0,
  }));
}

describe('features > sql', () => {
  for (const rangeWindows of ['sliding', 'running'] as const) {
  it(`(${rangeWindows} range windows) equals the spec read literally on same-second transactions and at every window boundary, for the days asked, in (time, id) order`, async () => {
    // Outliers at 1× the mean of a 7-day base are common, so their counts are exercised at every edge.
    const spec: FeatureSpec = { ...DEFAULT_FEATURE_SPEC, outlierRatio: 1, outlierBaseWindowDays: 7, outlierWindowsDays: [1, 7, 30] };
    const txs = collidingTransactions(1500, 11);
    const ties = new Set(txs.map((x) => `${x.customer}/${x.t}`)).size;
    expect(ties).toBeLessThan(txs.length / 2);
    const engine = await DuckDbEngine.create();
    try {
      const values = txs
        .map((x) => `(${x.id}, make_timestamp(${x.t}::BIGINT * 1000000), ${x.customer}, ${x.terminal}, ${x.cents / 100}::DOUBLE, ${x.fraud}::TINYINT, 0::TINYINT)`)
        .join(',\n');
      await engine.run(
        `CREATE TABLE tx AS SELECT * FROM (VALUES ${values}) AS v(transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud, tx_fraud_scenario)`,
      );
      const names = featureNames(spec);
      // The range starts inside the data, so earlier rows are history only.
      const days = { from: '2019-07-25', to: '2019-09-20' };
      const sql = featureSelectSql({ ...duckDbDialect, rangeWindows }, 'SELECT * FROM tx', spec, days);
      const cols = await engine.queryColumns(`SELECT transaction_id, day, CAST(epoch(tx_datetime) AS BIGINT) AS t, ${names.join(', ')} FROM (${sql})`);
      const expected = bruteForce(txs, spec);
      const inRange = txs.filter((x) => new Date(x.t * 1000).toISOString().slice(0, 10) >= days.from && new Date(x.t * 1000).toISOString().slice(0, 10) <= days.to);
      expect(inRange.length).toBeLessThan(txs.length);
      expect(cols.transaction_id).toHaveLength(inRange.length);
      const order = inRange.map((x) => [x.t, x.id]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(cols.t.map((t, i) => [Number(t), Number(cols.transaction_id[i])])).toEqual(order);
      expect(cols.day.every((d, i) => d === new Date(Number(cols.t[i]) * 1000).toISOString().slice(0, 10))).toBe(true);
      let compared = 0;
      for (let i = 0; i < inRange.length; i++) {
        const want = expected.get(Number(cols.transaction_id[i]))!;
        for (let j = 0; j < names.length; j++) {
          expect(cols[names[j]][i], `id ${String(cols.transaction_id[i])} ${names[j]}`).toBe(want[j]);
          compared++;
        }
      }
      expect(compared).toBe(inRange.length * names.length);
    } finally {
      await engine.close();
    }
  });
  }
});

describe('features > sql > split by customer buckets', () => {
  for (const rangeWindows of ['sliding', 'running'] as const) {
    it(`(${rangeWindows} range windows) gives every row the values of the whole query when terminal values are computed once and customers in buckets`, async () => {
      const spec: FeatureSpec = { ...DEFAULT_FEATURE_SPEC, outlierRatio: 1, outlierBaseWindowDays: 7, outlierWindowsDays: [1, 7, 30] };
      const txs = collidingTransactions(1500, 12);
      const engine = await DuckDbEngine.create();
      try {
        const values = txs
          .map((x) => `(${x.id}, make_timestamp(${x.t}::BIGINT * 1000000), ${x.customer}, ${x.terminal}, ${x.cents / 100}::DOUBLE, ${x.fraud}::TINYINT, 0::TINYINT)`)
          .join(',\n');
        await engine.run(
          `CREATE TABLE tx AS SELECT * FROM (VALUES ${values}) AS v(transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud, tx_fraud_scenario)`,
        );
        const dialect = { ...duckDbDialect, rangeWindows };
        const days = { from: '2019-07-25', to: '2019-09-20' };
        const whole = await engine.query(`SELECT * FROM (${featureSelectSql(dialect, 'SELECT * FROM tx', spec, days)}) ORDER BY transaction_id`);
        await engine.run(`CREATE TABLE tv AS ${terminalValuesSql(dialect, 'SELECT * FROM tx', spec, days)}`);
        const buckets = 3;
        const parts: Record<string, unknown>[][] = [];
        for (let b = 0; b < buckets; b++) {
          const sql = featureSelectSql(dialect, `SELECT * FROM tx WHERE customer_id % ${buckets} = ${b}`, spec, days, undefined, `SELECT * FROM tv WHERE customer_id % ${buckets} = ${b}`);
          const rows = await engine.query(`SELECT * FROM (${sql})`);
          // Each bucket's rows come in (time, id) order, like the whole query's.
          const order = rows.map((r) => [Number(new Date(String(r.tx_datetime)).getTime()), Number(r.transaction_id)]);
          expect(order).toEqual([...order].sort((x, y) => x[0] - y[0] || x[1] - y[1]));
          expect(rows.length).toBeGreaterThan(0);
          parts.push(rows);
        }
        const split = parts.flat().sort((x, y) => Number(x.transaction_id) - Number(y.transaction_id));
        expect(whole.length).toBeGreaterThan(100);
        expect(split).toEqual(whole);
      } finally {
        await engine.close();
      }
    });
  }
});
