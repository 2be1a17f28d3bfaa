import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../generator/generate.js';
import { prepare } from '../prepare/prepare.js';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { openStore } from '../storage/openStore.js';
import { createFeatureTable } from './buildFeatures.js';
import { addDays } from '../util/dates.js';
import { OnlineFeatures } from './OnlineFeatures.js';
import { scoreWithDelayedLabels, type LabelledTransaction } from './online/testkit.js';
import { featureNames, featureSpecHash, DEFAULT_FEATURE_SPEC, type FeatureSpec } from './spec.js';
import { isFraudopsError } from '../errors.js';

let dir: string;
let lake: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'features-test-'));
  lake = join(dir, 'lake');
  await generate({ out: join(dir, 'raw'), startDate: '2019-08-01', days: 31, customers: 1500, terminals: 3000, seed: 3 });
  await prepare({ raw: join(dir, 'raw'), lake, workDir: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The spec before the outlier counts (models trained on it still score), and another outlier setting. */
const WITHOUT_OUTLIERS: FeatureSpec = { ...DEFAULT_FEATURE_SPEC, outlierRatio: undefined, outlierBaseWindowDays: undefined, outlierWindowsDays: undefined };
const OTHER_OUTLIERS: FeatureSpec = { ...DEFAULT_FEATURE_SPEC, outlierRatio: 2, outlierBaseWindowDays: 7, outlierWindowsDays: [1, 30] };

describe('features > batch and incremental', () => {
  it.each([
    ['the default spec', DEFAULT_FEATURE_SPEC],
    ['without outlier counts', WITHOUT_OUTLIERS],
    ['outliers at 2× the 7-day mean over 1 and 30 days', OTHER_OUTLIERS],
  ])('give bit-identical values on a generated month with labels arriving only after the delay (%s)', async (_, spec) => {
    const store = await openStore(lake);
    const engine = await DuckDbEngine.create();
    try {
      const info = await createFeatureTable(engine, { lake: store, from: '2019-08-01', to: '2019-08-31', spec });
      expect(info.rows).toBeGreaterThan(50_000);
      const names = featureNames(spec);
      const cols = await engine.queryColumns(
        `SELECT CAST(epoch(tx_datetime) AS BIGINT) AS t, transaction_id, customer_id, terminal_id, tx_fraud, ${names.join(', ')} FROM features ORDER BY t, transaction_id`,
      );
      const txs: LabelledTransaction[] = Array.from({ length: info.rows }, (_, i) => ({
        id: Number(cols.transaction_id[i]),
        time: Number(cols.t[i]),
        customerId: Number(cols.customer_id[i]),
        terminalId: Number(cols.terminal_id[i]),
        amount: cols.TX_AMOUNT[i] as number,
        fraud: Number(cols.tx_fraud[i]),
      }));
      const online = new OnlineFeatures(spec);
      let mismatches = 0;
      let firstMismatch = '';
      let nonZeroRisk = 0;
      let maxDiff = 0;
      scoreWithDelayedLabels(online, txs, 0, txs.length, (i, out) => {
        if ((cols.TERMINAL_ID_RISK_7DAY_WINDOW[i] as number) > 0) nonZeroRisk++;
        for (let j = 0; j < names.length; j++) {
          const batch = cols[names[j]][i] as number;
          maxDiff = Math.max(maxDiff, Math.abs(batch - out[j]));
          if (!Object.is(batch, out[j])) {
            mismatches++;
            firstMismatch ||= `row ${i} (id ${txs[i].id}) ${names[j]}: batch ${batch} online ${out[j]}`;
          }
        }
      });
      expect(firstMismatch).toBe('');
      expect(mismatches).toBe(0);
      expect(maxDiff).toBeLessThanOrEqual(1e-9);
      expect(nonZeroRisk).toBeGreaterThan(1000);
      // No column is constant, so each one's equality means something (outliers do occur in a month).
      const constant = names.filter((n) => new Set(cols[n]).size < 2);
      expect(constant).toEqual([]);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('counts the current transaction in customer windows and lags terminal windows by the delay', async () => {
    const store = await openStore(lake);
    const engine = await DuckDbEngine.create();
    try {
      await createFeatureTable(engine, { lake: store, from: '2019-08-01', to: '2019-08-07' });
      const [r] = await engine.query<Record<string, number>>(
        `SELECT min(CUSTOMER_ID_NB_TX_1DAY_WINDOW) AS min_c1, max(TERMINAL_ID_NB_TX_30DAY_WINDOW) AS max_t30,
                bool_and(CUSTOMER_ID_NB_TX_1DAY_WINDOW <= CUSTOMER_ID_NB_TX_7DAY_WINDOW AND CUSTOMER_ID_NB_TX_7DAY_WINDOW <= CUSTOMER_ID_NB_TX_30DAY_WINDOW)::INTEGER AS nested
         FROM features`,
      );
      expect(r.min_c1).toBe(1);
      // The lake starts on 08-01: nothing is 7 days old before 08-08.
      expect(r.max_t30).toBe(0);
      expect(r.nested).toBe(1);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});

describe('features > errors', () => {
  it('names the missing days of a lake with a gap', async () => {
    const store = await openStore(lake);
    const engine = await DuckDbEngine.create();
    try {
      await expect(createFeatureTable(engine, { lake: store, from: '2019-09-01', to: '2019-09-03' })).rejects.toSatisfy(
        (e: unknown) => isFraudopsError(e) && e.code === 'LAKE_MISSING_DAYS' && e.message.includes('2019-09-01'),
      );
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('rejects an inverted date range', async () => {
    const store = await openStore(lake);
    const engine = await DuckDbEngine.create();
    try {
      await expect(createFeatureTable(engine, { lake: store, from: addDays('2019-08-10', 1), to: '2019-08-10' })).rejects.toSatisfy(
        (e: unknown) => isFraudopsError(e) && e.code === 'EMPTY_WINDOW',
      );
    } finally {
      await engine.close();
      await store.close();
    }
  });
});

describe('features > spec', () => {
  it('has the 15 Handbook baseline features plus three amount ratios and two outlier counts, and a stable hash', () => {
    expect(featureNames()).toHaveLength(20);
    expect(featureNames(WITHOUT_OUTLIERS)).toHaveLength(18);
    expect(featureSpecHash(WITHOUT_OUTLIERS)).not.toBe(featureSpecHash());
    expect(featureSpecHash()).toBe(featureSpecHash({ ...DEFAULT_FEATURE_SPEC }));
    expect(featureSpecHash({ ...DEFAULT_FEATURE_SPEC, delayDays: 3 })).not.toBe(featureSpecHash());
  });
});
