import { describe, expect, it } from 'vitest';
import type { FeatureFrame, SplitWindows } from '../datasets/FeatureFrame.js';
import { mulberry32 } from '../util/prng.js';
import type { GbdtModel } from '../models/gbdt/GbdtModel.js';
import { downsampleNegatives } from './negativeSampling.js';
import { fitEnsemble, prequentialSearch, type Candidate, type ScaleOptions, type TrialResult } from './search.js';
import { TrainingPool } from './TrainingPool.js';

const W: SplitWindows = { trainStart: '2020-01-15', trainDays: 5, delayDays: 2, testDays: 5 };
const START = '2019-12-20';
const DAYS = 40;
const FEATURES = ['amount', 'hour', 'count', 'noise'];

/** A frame of DAYS days of made-up transactions whose fraud odds rise with the first two features. */
function frame(rowsPerDay: number, seed: number): FeatureFrame {
  const r = mulberry32(seed);
  const rows = rowsPerDay * DAYS;
  const data = new Float64Array(rows * FEATURES.length);
  const label = new Uint8Array(rows);
  const day = new Int32Array(rows);
  const customerId = new Float64Array(rows);
  const transactionId = new BigInt64Array(rows);
  const dayRows = new Float64Array(DAYS);
  const dayFrauds = new Float64Array(DAYS);
  for (let i = 0; i < rows; i++) {
    const d = Math.floor(i / rowsPerDay);
    const x = FEATURES.map(() => r());
    data.set(x, i * FEATURES.length);
    const z = -7.5 + 5 * x[0] + 3 * x[1] * x[1] + (r() - 0.5);
    label[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    day[i] = d;
    customerId[i] = Math.floor(r() * 20_000);
    transactionId[i] = BigInt(i + 1);
    dayRows[d]++;
    dayFrauds[d] += label[i];
  }
  return { start: START, days: DAYS, rows, names: FEATURES, data, label, day, customerId, transactionId, dayRows, dayFrauds, selected: false };
}

const CANDS: Candidate[] = [
  { kind: 'gbdt', params: { numLeaves: 7, learningRate: 0.1, nEstimators: 30, minDataInLeaf: 20, lambdaL2: 1, colSubsample: 1, rowSubsample: 0.8 } },
  { kind: 'gbdt', params: { numLeaves: 15, learningRate: 0.05, nEstimators: 40, minDataInLeaf: 50, lambdaL2: 0, colSubsample: 0.75, rowSubsample: 1 } },
  { kind: 'gbdt', params: { numLeaves: 3, learningRate: 0.2, nEstimators: 20, minDataInLeaf: 10, lambdaL2: 5, colSubsample: 1, rowSubsample: 1 } },
  { kind: 'logreg', params: { C: 1 } },
];

describe('training > pool > search', () => {
  const f = frame(600, 3);

  it('gives the same trials, scores and sampling on worker threads as in process, with and without early stopping', async () => {
    for (const scale of [
      { maxTrainRows: 2500, maxValidationRows: 1500, earlyStoppingRounds: 0 },
      { maxTrainRows: 1e9, maxValidationRows: 1e9, earlyStoppingRounds: 5 },
    ] satisfies ScaleOptions[]) {
      const o = { folds: 2, metric: 'ap' as const, seed: 7, scale };
      const inProcess = await prequentialSearch(f, W, CANDS, { ...o, workers: 1 });
      const reported: number[] = [];
      const threads = await prequentialSearch(f, W, CANDS, { ...o, workers: 2, onTrial: (t) => reported.push(t.index) });
      expect(threads.trials).toEqual(inProcess.trials);
      expect(threads.best).toEqual(inProcess.best);
      expect(threads.sampling).toEqual(inProcess.sampling);
      expect(reported).toEqual([0, 1, 2, 3]);
      if (scale.earlyStoppingRounds > 0) expect(threads.trials[0].trees).toHaveLength(2);
      else expect(threads.sampling.every((s) => s.negativeRate < 1 && s.cardRate < 1)).toBe(true);
    }
  }, 120_000);

  it('starts no candidate after the budget is spent, the first always, and reports those tried in order', async () => {
    const r = await prequentialSearch(f, W, CANDS, { folds: 2, metric: 'ap', seed: 7, workers: 2, budgetMs: 1 });
    expect(r.trials.length).toBeGreaterThanOrEqual(1);
    expect(r.trials.length).toBeLessThan(CANDS.length);
    expect(r.trials.map((t) => t.index)).toEqual(r.trials.map((_, i) => i));
  }, 120_000);

  it('stops with the signal\'s reason when aborted mid-search', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const run = prequentialSearch(f, W, CANDS, { folds: 3, metric: 'ap', seed: 7, workers: 2, signal: controller.signal, onTrial: () => controller.abort(reason) });
    await expect(run).rejects.toBe(reason);
  }, 120_000);
});

describe('training > pool > refit and scoring', () => {
  const f = frame(600, 5);
  const set = {
    X: { rows: f.rows, cols: FEATURES.length, data: f.data, names: FEATURES },
    y: f.label,
    day: f.day,
    customerId: f.customerId,
    transactionId: f.transactionId,
    frauds: f.label.reduce((a, b) => a + b, 0),
  };
  const members: TrialResult[] = CANDS.slice(0, 3).map((candidate, index) => ({ index, candidate, score: 0, folds: [], ...(index === 1 ? { trees: [12, 17] } : {}) }));

  it('fits an ensemble\'s members on worker threads into the same model, and scores every row as predictProba does', async () => {
    const train = downsampleNegatives(set, 8000, 3);
    expect(train.negativeRate).toBeLessThan(1);
    const inProcess = (await fitEnsemble(members, train, 9)) as GbdtModel;
    const pool = TrainingPool.create({ train: [train], workers: 2, threads: 1 });
    try {
      const threads = (await fitEnsemble(members, train, 9, undefined, pool)) as GbdtModel;
      expect(threads.toJSON()).toEqual(inProcess.toJSON());
      expect(threads.data.trees).toHaveLength(30 + 15 + 20);
      const scores = await pool.predict(threads, set.X);
      expect(scores).toHaveLength(f.rows);
      expect(Buffer.from(scores.buffer).equals(Buffer.from(inProcess.predictProba(set.X).buffer))).toBe(true);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('fails every task once closed, with a code', async () => {
    const pool = TrainingPool.create({ train: [downsampleNegatives(set, 1e9, 3)], workers: 1, threads: 1 });
    await pool.close();
    await expect(pool.fit({ candidate: CANDS[0], set: 0, seed: 1 })).rejects.toMatchObject({ code: 'TRAINING_POOL_CLOSED' });
  });
});
