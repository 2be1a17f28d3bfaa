import { describe, expect, it } from 'vitest';
import { nonlinearDataset } from '../testkit.js';
import { featureImportance } from './featureImportance.js';
import { GbdtClassifier } from './GbdtClassifier.js';
import { GbdtModel } from './GbdtModel.js';

describe('models > gbdt > featureImportance', () => {
  it('ranks the informative features above pure noise, and survives a JSON round trip', async () => {
    // features 0..4 drive the label; 5..7 are noise
    const { X, y } = nonlinearDataset(3000, 8, 11);
    const model = await new GbdtClassifier({ nEstimators: 30, threads: 1 }).fit(X, y);
    const gain = featureImportance(model, 'gain');
    const split = featureImportance(model, 'split');
    expect(Math.min(...gain.slice(0, 5))).toBeGreaterThan(Math.max(...gain.slice(5)));
    expect(split.reduce((a, b) => a + b, 0)).toBe(model.data.trees.reduce((n, t) => n + t.feature.filter((f) => f >= 0).length, 0));
    const loaded = GbdtModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect([...featureImportance(loaded, 'gain')]).toEqual([...gain]);
  });
});
