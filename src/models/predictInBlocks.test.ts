import { describe, expect, it } from 'vitest';
import { GbdtClassifier } from './gbdt/GbdtClassifier.js';
import { predictProbaInBlocks } from './predictInBlocks.js';
import { nonlinearDataset, sliceRows } from './testkit.js';

describe('models > predictProbaInBlocks', () => {
  const data = nonlinearDataset(60_000, 6, 8);
  const train = sliceRows(data, 0, 2000);

  it('gives the scores of one predictProba call, bit for bit, over several blocks', async () => {
    const model = await new GbdtClassifier({ nEstimators: 30, threads: 1 }).fit(train.X, train.y);
    expect([...(await predictProbaInBlocks(model, data.X))]).toEqual([...model.predictProba(data.X)]);
    const small = sliceRows(data, 0, 100);
    expect([...(await predictProbaInBlocks(model, small.X))]).toEqual([...model.predictProba(small.X)]);
  });

  it('stops between blocks when the signal aborts from a callback', async () => {
    const model = await new GbdtClassifier({ nEstimators: 300, threads: 1 }).fit(train.X, train.y);
    const big = nonlinearDataset(400_000, 6, 9);
    const controller = new AbortController();
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 0);
    await expect(predictProbaInBlocks(model, big.X, controller.signal)).rejects.toBe(reason);
  });
});
