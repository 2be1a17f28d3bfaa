/**
 * The shared test suite every Classifier implementation runs (see logreg and gbdt tests): fitting,
 * probability range, JSON round trip through the family's loader, determinism and input errors.
 */
import { describe, expect, it } from 'vitest';
import type { Classifier, Model, ModelJson } from './Classifier.js';
import { nonlinearDataset, sliceRows } from './testkit.js';

export interface ContractSetup {
  title: string;
  create: () => Classifier;
  load: (json: ModelJson) => Model;
}

export function runClassifierContract({ title, create, load }: ContractSetup): void {
  const data = nonlinearDataset(1200, 6, 99);
  const train = sliceRows(data, 0, 1000);
  const test = sliceRows(data, 1000, 1200);

  describe(`${title} > contract`, () => {
    it('predicts one probability in [0, 1] per row', async () => {
      const model = await create().fit(train.X, train.y);
      const p = model.predictProba(test.X);
      expect(p.length).toBe(test.X.rows);
      expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(model.featureNames).toEqual(train.X.names);
    });

    it('round-trips through JSON with identical predictions', async () => {
      const model = await create().fit(train.X, train.y);
      const loaded = load(JSON.parse(JSON.stringify(model.toJSON())) as ModelJson);
      expect(loaded.kind).toBe(model.kind);
      expect([...loaded.predictProba(test.X)]).toEqual([...model.predictProba(test.X)]);
    });

    it('is deterministic', async () => {
      const a = await create().fit(train.X, train.y);
      const b = await create().fit(train.X, train.y);
      expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
    });

    it('rejects single-class labels and mismatched columns', async () => {
      await expect(create().fit(train.X, new Uint8Array(train.X.rows))).rejects.toMatchObject({ code: 'MODEL_INPUT_INVALID' });
      const model = await create().fit(train.X, train.y);
      const renamed = { ...test.X, names: test.X.names.map((n) => `${n}_`) };
      expect(() => model.predictProba(renamed)).toThrow(expect.objectContaining({ code: 'MODEL_INPUT_INVALID' }));
    });
  });
}
