/**
 * The quality bar of the training stage on the Fraud Detection Handbook's protocol: generated Handbook-size data
 * with the course's defects, prepared into a lake, trained on 2018-07-25..31 and measured on 2018-08-08..14 after
 * the 7-day delay. The GBDT floors are the default's mean over 5 seeds minus two standard deviations (this
 * reduced search measured AUC 0.8764, AP 0.7035, CP@100 0.3214 on seed 1 with min_data_in_leaf counted by hessian share
 * as LightGBM counts it, AUC 0.8759, AP 0.7056, CP@100 0.3214 before that, AUC 0.8712, AP 0.6801, CP@100 0.3214 before
 * the amount-outlier counts); the logistic regression's sit a little under its measured AUC
 * 0.8566, AP 0.6459 (0.853, 0.628 before). A regression in features, search or models fails here while the
 * run-to-run noise of a changed search space does not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train, type TrainResult } from '../src/training/train.js';
import { HANDBOOK_TRAIN_START, handbookLake } from './support/handbookLake.js';

let lake: string;
let dir: string;
beforeAll(async () => {
  lake = await handbookLake();
  dir = mkdtempSync(join(tmpdir(), 'train-quality-'));
}, 900_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function report(name: string, r: TrainResult): void {
  const m = r.metrics;
  console.log(
    `${name}: AUC ${m.auc.toFixed(4)}  AP ${m.ap.toFixed(4)}  CP@100 ${m.cp100.toFixed(4)}  logloss ${m.logloss.toFixed(4)}  ` +
      `params ${JSON.stringify(r.params)}  rows ${JSON.stringify(r.rows)}`,
  );
}

/** Within ±5% of the expected count. */
function near(actual: number, expected: number): void {
  expect(actual).toBeGreaterThanOrEqual(Math.floor(expected * 0.95));
  expect(actual).toBeLessThanOrEqual(Math.ceil(expected * 1.05));
}

/** Mean − 2 sd of default training over 5 seeds (see the assertions). */
const FLOOR = { auc: 0.866, ap: 0.6804, cp100: 0.2947 };

describe('train > quality bar', () => {
  it(`gbdt with random search reaches AUC ≥ ${FLOOR.auc}, AP ≥ ${FLOOR.ap}, CP@100 ≥ ${FLOOR.cp100} on the Handbook windows`, async () => {
    const r = await train({
      lake,
      trainStart: HANDBOOK_TRAIN_START,
      model: 'gbdt',
      search: 'random',
      trials: 3,
      folds: 2,
      tracking: join(dir, 'gbdt'),
      workDir: dir,
      seed: 1,
    });
    report('gbdt', r);
    expect(r.windows).toEqual({ train: ['2018-07-25', '2018-07-31'], delay: ['2018-08-01', '2018-08-07'], test: ['2018-08-08', '2018-08-14'] });
    expect(r.model).toBe('gbdt');
    expect(r.search).toMatchObject({ mode: 'random', folds: 2, trials: 3 });
    // The Handbook's week: about 67.6k training rows with 572 frauds; 58.3k test rows with 430 frauds once
    // the 9.2k transactions of cards already known to be compromised are removed.
    near(r.rows.train, 67_590);
    near(r.rows.test, 58_346);
    expect(r.rows.trainFrauds).toBeGreaterThanOrEqual(450);
    expect(r.rows.trainFrauds).toBeLessThanOrEqual(700);
    expect(r.rows.testFrauds).toBeGreaterThanOrEqual(330);
    expect(r.rows.testFrauds).toBeLessThanOrEqual(530);
    expect(r.rows.removedKnownCompromised).toBeGreaterThan(0);
    // Floors: default `fraudops train` (20 features, amount-outlier counts included, leaf minimums counted by
    // hessian share) over 5 generated seeds (`npm run bench -- quality`; AUC 0.9002 ± 0.0171, AP 0.7383 ± 0.0290,
    // CP@100 0.3363 ± 0.0208), mean minus two standard deviations. With exact leaf counts the same run gave AUC
    // 0.9000 ± 0.0176, AP 0.7389 ± 0.0293, CP@100 0.3360 ± 0.0212. Before the outlier counts the same run gave AUC 0.8957 ± 0.0156, AP 0.7206 ± 0.0315,
    // CP@100 0.3351 ± 0.0213. The Handbook's tuned random forest / XGBoost reached AUC 0.87, AP 0.68, CP@100 0.30 on
    // its own simulated data.
    expect(r.metrics.auc).toBeGreaterThanOrEqual(FLOOR.auc);
    expect(r.metrics.ap).toBeGreaterThanOrEqual(FLOOR.ap);
    expect(r.metrics.cp100).toBeGreaterThanOrEqual(FLOOR.cp100);
    expect(r.metrics.logloss).toBeLessThan(0.03);
  }, 900_000);

  it('logistic regression over its C grid reaches AUC ≥ 0.83, AP ≥ 0.55 on the same windows', async () => {
    const r = await train({ lake, trainStart: HANDBOOK_TRAIN_START, model: 'logreg', folds: 2, tracking: join(dir, 'logreg'), workDir: dir, seed: 1 });
    report('logreg', r);
    expect(r.model).toBe('logreg');
    expect(r.search.trials).toBe(5);
    near(r.rows.train, 67_590);
    near(r.rows.test, 58_346);
    expect(r.metrics.auc).toBeGreaterThanOrEqual(0.83);
    expect(r.metrics.ap).toBeGreaterThanOrEqual(0.55);
  }, 600_000);
});
