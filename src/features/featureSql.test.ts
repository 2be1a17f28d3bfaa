import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { duckDbDialect } from '../engine/duckDbDialect.js';
import type { Dialect } from '../engine/Dialect.js';
import { featureSelectSql } from './featureSql.js';
import { DEFAULT_FEATURE_SPEC, featureNames, type FeatureSpec } from './spec.js';

const DAY = 86400;

/**
 * Transactions made to hit every window edge: few customers and terminals, times on a handful of seconds of each
 * day (so many pairs are exactly 1, 7, 8, 14 or 37 days apart, and same-second transactions of one customer are
 * common), ids in an order unrelated to time.
 */
function edgyTransactions(n: number): string {
  let seed = 7;
  const rand = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % k;
  };
  const seconds = [0, 1, DAY / 2, DAY - 1];
  const ids = Array.from({ length: n }, (_, i) => i + 1).sort(() => rand(3) - 1);
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = Date.UTC(2019, 7, 1) / 1000 + rand(45) * DAY + seconds[rand(seconds.length)];
    const when = new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19);
    const fraud = rand(4) === 0 ? 1 : 0;
    rows.push(`(${ids[i]}, TIMESTAMP '${when}', ${rand(12)}, ${rand(9)}, ${rand(100000) / 100}, ${fraud}, ${fraud ? 1 + rand(3) : 0})`);
  }
  return rows.join(',\n');
}

let engine: DuckDbEngine;
beforeAll(async () => {
  engine = await DuckDbEngine.create();
  await engine.run(`CREATE TEMP TABLE tx AS SELECT * FROM (VALUES ${edgyTransactions(4000)}) AS v(transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud, tx_fraud_scenario)`);
  await engine.run('CREATE OR REPLACE TEMP TABLE tx AS SELECT transaction_id::BIGINT AS transaction_id, tx_datetime, customer_id::BIGINT AS customer_id, terminal_id::BIGINT AS terminal_id, tx_amount::DOUBLE AS tx_amount, tx_fraud::TINYINT AS tx_fraud, tx_fraud_scenario::TINYINT AS tx_fraud_scenario FROM tx');
});
afterAll(async () => {
  await engine.close();
});

async function features(dialect: Dialect, spec: FeatureSpec = DEFAULT_FEATURE_SPEC): Promise<Record<string, unknown[]>> {
  return engine.queryColumns(`SELECT transaction_id, ${featureNames(spec).join(', ')} FROM (${featureSelectSql(dialect, 'SELECT * FROM tx', spec)}) ORDER BY transaction_id`);
}

describe('features > feature SQL > running totals', () => {
  it('give bit for bit the values of sliding frames, at every window edge', async () => {
    const sliding = await features(duckDbDialect);
    const running = await features({ ...duckDbDialect, rangeWindows: 'running' });
    expect(running.transaction_id).toEqual(sliding.transaction_id);
    let firstMismatch = '';
    for (const name of featureNames()) {
      for (let i = 0; i < sliding[name].length && !firstMismatch; i++) {
        if (!Object.is(running[name][i], sliding[name][i])) firstMismatch = `${name} of id ${sliding.transaction_id[i]}: running ${running[name][i]}, sliding ${sliding[name][i]}`;
      }
    }
    expect(firstMismatch).toBe('');
    // The data reach the edges the test is about: same-second peers, and windows that hold several transactions.
    const [edges] = await engine.query<{ peers: bigint; busy: bigint }>(
      `SELECT (SELECT count(*) FROM (SELECT customer_id, tx_datetime FROM tx GROUP BY ALL HAVING count(*) > 1)) AS peers,
              (SELECT count(*) FROM (SELECT terminal_id, tx_datetime::DATE FROM tx GROUP BY ALL HAVING count(*) > 1)) AS busy`,
    );
    expect(Number(edges.peers)).toBeGreaterThan(50);
    expect(Number(edges.busy)).toBeGreaterThan(50);
    expect(Math.max(...(sliding.TERMINAL_ID_NB_TX_1DAY_WINDOW as number[]))).toBeGreaterThan(1);
    expect((sliding.TERMINAL_ID_RISK_30DAY_WINDOW as number[]).some((r) => r > 0 && r < 1)).toBe(true);
  });

  it('count amount outliers the same way, at every window edge', async () => {
    // Uniform amounts are seldom 3× their customer's mean: at 1× about half the transactions are outliers.
    const spec: FeatureSpec = { ...DEFAULT_FEATURE_SPEC, outlierRatio: 1, outlierBaseWindowDays: 7, outlierWindowsDays: [1, 7, 30] };
    const sliding = await features(duckDbDialect, spec);
    const running = await features({ ...duckDbDialect, rangeWindows: 'running' }, spec);
    for (const w of [1, 7, 30]) {
      const name = `CUSTOMER_ID_NB_OUTLIERS_${w}DAY_WINDOW`;
      expect(running[name]).toEqual(sliding[name]);
      expect(new Set(sliding[name]).size).toBeGreaterThan(5);
    }
  });
});
