/**
 * Training at scale, shown on small data: with a row cap under the window's size, the search's folds and the final
 * fit keep every fraud and a weighted sample of legitimate rows, the folds' validation windows are measured on a
 * sample of whole cards, early stopping picks each candidate's tree count, and the run records all of it. The
 * weights keep the model calibrated to the whole window's base rate, and the sampled model ranks the test window
 * about as well as the same settings fitted on every row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_FILE, loadArtifact } from '../src/models/artifact.js';
import { ARTIFACTS } from '../src/models/conventions.js';
import type { GbdtModel } from '../src/models/gbdt/GbdtModel.js';
import { MODEL_ARTIFACT_DIR, train, type TrainOptions, type TrainResult } from '../src/training/train.js';
import { smallLake } from './support/handbookLake.js';
import { openRunView, type RunView } from './support/runView.js';

let dir: string;
let lake: string;
let uri: string;
let tracker: RunView;
let sampled: TrainResult;
let whole: TrainResult;

const CAP = 8000;
const OPTIONS: Omit<TrainOptions, 'lake'> = { model: 'gbdt', search: 'random', trials: 2, folds: 2, ensemble: 1, seed: 2, earlyStoppingRounds: 10 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'train-scale-'));
  lake = await smallLake();
  uri = join(dir, 'tracking');
  sampled = await train({ ...OPTIONS, lake, tracking: uri, workDir: dir, maxTrainRows: CAP, maxValidationRows: 10_000 });
  whole = await train({ ...OPTIONS, lake, tracking: uri, workDir: dir });
  tracker = await openRunView(uri);
}, 900_000);
afterAll(async () => {
  await tracker?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function modelOf(runId: string): Promise<GbdtModel> {
  return loadArtifact(await tracker.downloadArtifact(runId, `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`), 'test').model as GbdtModel;
}

describe('train > scale > negative down-sampling', () => {
  it('fits the final model and every fold on about the cap in rows, every fraud kept, and records the rates', async () => {
    const { rows, sampling } = sampled;
    expect(rows.train).toBeGreaterThan(2 * CAP);
    expect(sampling.negativeRate).toBeCloseTo((CAP - rows.trainFrauds) / (rows.train - rows.trainFrauds), 12);
    expect(Math.abs(sampling.fitRows - CAP)).toBeLessThan(CAP * 0.05);
    expect(sampling.folds).toHaveLength(2);
    for (const f of sampling.folds) {
      expect(f.trainRows).toBeGreaterThan(2 * CAP);
      expect(f.negativeRate).toBeLessThan(1);
      expect(Math.abs(f.fitRows - CAP)).toBeLessThan(CAP * 0.05);
      expect(f.validationRows).toBeGreaterThan(10_000);
      expect(f.cardRate).toBeCloseTo(10_000 / f.validationRows, 12);
      expect(Math.abs(f.scoredRows - 10_000)).toBeLessThan(10_000 * 0.15);
    }
    const params = (await tracker.getRun(sampled.runId)).data.params;
    expect(params).toMatchObject({
      'sampling.max_train_rows': String(CAP),
      'sampling.max_validation_rows': '10000',
      'sampling.fit_rows': String(sampling.fitRows),
      'sampling.negative_rate': sampling.negativeRate.toPrecision(6),
      'sampling.fold_fit_rows': sampling.folds.map((f) => f.fitRows).join(','),
      'sampling.fold_card_rates': sampling.folds.map((f) => f.cardRate.toPrecision(6)).join(','),
    });
    // under the default cap the same window is used whole
    expect(whole.sampling).toMatchObject({ negativeRate: 1, fitRows: whole.rows.train });
    expect(whole.sampling.folds.every((f) => f.negativeRate === 1 && f.cardRate === 1 && f.fitRows === f.trainRows)).toBe(true);
  });

  it('weighs the kept legitimate rows up, so the model starts from the whole window\'s base rate, not the sample\'s', async () => {
    const model = await modelOf(sampled.runId);
    const { train: n, trainFrauds: p } = sampled.rows;
    const wholeLogOdds = Math.log(p / (n - p));
    expect(Math.abs(model.data.initScore - wholeLogOdds)).toBeLessThan(0.05);
    // an unweighted sample would start log(1 / rate) higher
    expect(-Math.log(sampled.sampling.negativeRate)).toBeGreaterThan(0.5);
    expect(Math.abs((await modelOf(whole.runId)).data.initScore - wholeLogOdds)).toBeLessThan(1e-9);
  });

  it('ranks the test window about as well as the same settings fitted on every row', () => {
    console.log(`sampled to ${sampled.sampling.fitRows} of ${sampled.rows.train} rows: AUC ${sampled.metrics.auc.toFixed(4)} AP ${sampled.metrics.ap.toFixed(4)}; whole: AUC ${whole.metrics.auc.toFixed(4)} AP ${whole.metrics.ap.toFixed(4)}`);
    expect(sampled.metrics.auc).toBeGreaterThan(whole.metrics.auc - 0.03);
    expect(sampled.metrics.ap).toBeGreaterThan(whole.metrics.ap - 0.08);
  });
});

describe('train > scale > early stopping', () => {
  it('stops each fold\'s candidate on its validation loss and refits with the mean of the trees the folds kept', async () => {
    const trials = JSON.parse((await tracker.downloadArtifact(sampled.runId, ARTIFACTS.trials)).toString('utf8')) as {
      index: number;
      candidate: { params: Record<string, number> };
      score: number;
      trees: number[];
    }[];
    expect(trials).toHaveLength(2);
    for (const t of trials) {
      expect(t.trees).toHaveLength(2);
      for (const k of t.trees) {
        expect(k).toBeGreaterThanOrEqual(1);
        expect(k).toBeLessThanOrEqual(t.candidate.params.nEstimators);
      }
    }
    // at least one fold stopped before its candidate's nEstimators: otherwise nothing was shown
    expect(trials.some((t) => t.trees.some((k) => k < t.candidate.params.nEstimators))).toBe(true);
    const best = trials.reduce((b, t) => (t.score > b.score ? t : b));
    const mean = Math.max(1, Math.round(best.trees.reduce((a, b) => a + b, 0) / best.trees.length));
    expect(sampled.search).toMatchObject({ earlyStoppingRounds: 10, refitTrees: [mean] });
    expect((await modelOf(sampled.runId)).data.trees).toHaveLength(mean);
    const params = (await tracker.getRun(sampled.runId)).data.params;
    expect(params).toMatchObject({ 'search.early_stopping_rounds': '10', 'refit.trees': String(mean) });
  });
});
