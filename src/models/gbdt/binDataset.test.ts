import { describe, expect, it } from 'vitest';
import { nonlinearDataset, sliceRows } from '../testkit.js';
import { binDataset } from './binDataset.js';
import { GbdtClassifier } from './GbdtClassifier.js';
import type { GbdtModel } from './GbdtModel.js';
import type { GbdtParams } from './GbdtParams.js';
import { trainGbdtBinned } from './trainGbdt.js';

const data = nonlinearDataset(3000, 6, 11);
const train = sliceRows(data, 0, 2000);
const valid = sliceRows(data, 2000, 3000);
const json = (m: GbdtModel): string => JSON.stringify(m.toJSON());

describe('models > gbdt > binDataset', () => {
  it('fits the same models as binning per fit, for several fits on one dataset', async () => {
    const binned = binDataset(train.X);
    const variants: GbdtParams[] = [
      { nEstimators: 15, threads: 1 },
      { nEstimators: 15, numLeaves: 7, rowSubsample: 0.7, colSubsample: 0.6, seed: 4, threads: 1 },
      { nEstimators: 15, minDataInLeaf: 50, lambdaL2: 5, threads: 2, minParallelCells: 0 },
    ];
    for (const params of variants) {
      const gbdt = new GbdtClassifier(params);
      expect(json(await gbdt.fitBinned(binned, train.y))).toBe(json(await gbdt.fit(train.X, train.y)));
    }
  });

  it('keeps early stopping on a validation set', async () => {
    const params: GbdtParams = { nEstimators: 200, learningRate: 0.5, earlyStoppingRounds: 5, threads: 1 };
    const gbdt = new GbdtClassifier(params);
    const a = await gbdt.fit(train.X, train.y, { validation: valid });
    const b = await gbdt.fitBinned(gbdt.bin(train.X), train.y, { validation: valid });
    expect(json(b)).toBe(json(a));
  });

  it('refuses a fit whose binning parameters differ from the dataset', async () => {
    const binned = binDataset(train.X, { maxBins: 63 });
    await expect(trainGbdtBinned(binned, train.y, { maxBins: 255 })).rejects.toMatchObject({ code: 'MODEL_PARAM_INVALID' });
    await expect(trainGbdtBinned(binned, train.y, { maxBins: 63, binSampleSize: 10 })).rejects.toMatchObject({ code: 'MODEL_PARAM_INVALID' });
  });

  it('checks labels against the binned rows', async () => {
    const binned = binDataset(train.X);
    await expect(trainGbdtBinned(binned, train.y.subarray(1))).rejects.toMatchObject({ code: 'MODEL_INPUT_INVALID' });
  });
});
