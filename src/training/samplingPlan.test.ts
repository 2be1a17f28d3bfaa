import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { loadFeatureFrame, splitFrame, type FeatureFrame, type LabeledSet, type SplitWindows } from '../datasets/FeatureFrame.js';
import { generate } from '../generator/generate.js';
import { prepare } from '../prepare/prepare.js';
import { openStore } from '../storage/openStore.js';
import { downsampleNegatives } from './negativeSampling.js';
import { sampleCards } from './sampleCards.js';
import { planSampling, type SamplingPlan } from './samplingPlan.js';
import { earliestDay, foldWindows, prequentialSearch, type ScaleOptions } from './search.js';

const W: SplitWindows = { trainStart: '2019-08-13', trainDays: 3, delayDays: 2, testDays: 3 };
const FOLDS = 2;
const SEED = 4;
const TO = '2019-08-20';

let dir: string;
let lake: string;
let whole: FeatureFrame;

async function load(scale?: ScaleOptions): Promise<{ frame: FeatureFrame; plan?: SamplingPlan }> {
  const store = await openStore(lake);
  const engine = await DuckDbEngine.create({ workDir: mkdtempSync(join(dir, 'engine-')) });
  try {
    let plan: SamplingPlan | undefined;
    const frame = await loadFeatureFrame(engine, store, earliestDay(W, FOLDS), TO, {
      ...(scale === undefined
        ? {}
        : {
            select: async (counts) => {
              const p = await planSampling(counts, W, FOLDS, scale, SEED);
              plan = p.plan;
              return p.selection;
            },
          }),
    });
    return { frame, plan };
  } finally {
    await engine.close();
    await store.close();
  }
}

function same(a: LabeledSet, b: LabeledSet): void {
  expect(b.X.rows).toBe(a.X.rows);
  expect([...b.transactionId]).toEqual([...a.transactionId]);
  expect(Buffer.from(b.X.data.buffer).equals(Buffer.from(a.X.data.buffer))).toBe(true);
  expect([...b.y]).toEqual([...a.y]);
  expect([...b.day]).toEqual([...a.day]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sampling-plan-test-'));
  lake = join(dir, 'lake');
  await generate({ out: join(dir, 'raw'), startDate: '2019-08-01', days: 20, customers: 1500, terminals: 3000, seed: 5 });
  await prepare({ raw: join(dir, 'raw'), lake, workDir: dir });
  whole = (await load()).frame;
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training > sampling plan', () => {
  it('loads only the planned rows, and every set cut from them is the one the whole frame gives, bit for bit', async () => {
    const scale: ScaleOptions = { maxTrainRows: 3000, maxValidationRows: 4000, earlyStoppingRounds: 0 };
    const { frame, plan } = await load(scale);
    expect(frame.selected).toBe(true);
    expect(frame.rows).toBeLessThan(whole.rows * 0.7);
    expect([...frame.dayRows]).toEqual([...whole.dayRows]);
    expect([...frame.dayFrauds]).toEqual([...whole.dayFrauds]);
    const fullSplit = splitFrame(whole, W);
    const split = splitFrame(frame, W);
    same(fullSplit.test, split.test);
    expect(split.removedKnownCompromised).toBe(fullSplit.removedKnownCompromised);
    expect(plan!.fit).toEqual({ rows: fullSplit.train.X.rows, frauds: fullSplit.train.frauds });
    const fit = downsampleNegatives(split.train, scale.maxTrainRows, SEED, plan!.fit);
    const fullFit = downsampleNegatives(fullSplit.train, scale.maxTrainRows, SEED);
    expect(fullFit.negativeRate).toBeLessThan(1);
    expect(fit.negativeRate).toBe(fullFit.negativeRate);
    same(fullFit.set, fit.set);
    expect([...fit.weight!]).toEqual([...fullFit.weight!]);
    for (const [k, fw] of foldWindows(W, FOLDS).entries()) {
      const full = splitFrame(whole, fw);
      const part = splitFrame(frame, fw);
      expect(plan!.folds[k].train).toEqual({ rows: full.train.X.rows, frauds: full.train.frauds });
      // the engine's count of validation rows after known-compromised cards are removed is splitFrame's
      expect(plan!.folds[k].validationRows).toBe(full.test.X.rows);
      same(downsampleNegatives(full.train, scale.maxTrainRows, SEED + k).set, downsampleNegatives(part.train, scale.maxTrainRows, SEED + k, plan!.folds[k].train).set);
      const cards = sampleCards(full.test, scale.maxValidationRows, SEED + k);
      expect(cards.cardRate).toBeLessThan(1);
      same(cards.set, sampleCards(part.test, scale.maxValidationRows, SEED + k, plan!.folds[k].validationRows).set);
    }
  });

  it('searches a selected frame exactly as the whole one, and under the caps keeps every row of every window read', async () => {
    const cands = [{ kind: 'gbdt' as const, params: { numLeaves: 7, learningRate: 0.1, nEstimators: 15, minDataInLeaf: 20, lambdaL2: 1, colSubsample: 1, rowSubsample: 1 } }];
    for (const scale of [
      { maxTrainRows: 3000, maxValidationRows: 4000, earlyStoppingRounds: 0 },
      { maxTrainRows: 1e9, maxValidationRows: 1e9, earlyStoppingRounds: 0 },
    ]) {
      const { frame, plan } = await load(scale);
      const o = { folds: FOLDS, metric: 'ap' as const, seed: SEED, scale };
      const a = await prequentialSearch(whole, W, cands, o);
      const b = await prequentialSearch(frame, W, cands, { ...o, plan });
      expect(b.trials.map((t) => t.folds)).toEqual(a.trials.map((t) => t.folds));
      expect(b.sampling).toEqual(a.sampling);
      if (scale.maxTrainRows === 1e9) {
        expect(plan!.folds.every((f) => f.validationRows === undefined)).toBe(true);
        same(splitFrame(whole, W).train, splitFrame(frame, W).train);
      }
    }
  });

  it('refuses to search a selected frame without its plan', async () => {
    const { frame } = await load({ maxTrainRows: 1e9, maxValidationRows: 1e9, earlyStoppingRounds: 0 });
    await expect(prequentialSearch(frame, W, [], { folds: FOLDS, metric: 'ap', seed: SEED })).rejects.toThrow(/sampling plan/);
  });
});
