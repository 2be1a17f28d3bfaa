/**
 * An average of boosted-tree models as one model. Averaging their raw scores (log-odds) is a sum of all their trees
 * with each leaf scaled by 1/k, plus the mean of their initial scores: the result is an ordinary `GbdtModel`, so
 * it is saved, exported to ONNX and scored like any other, one pass over the trees per row.
 */
import { modelInputInvalid } from '../inputs.js';
import { GbdtModel } from './GbdtModel.js';

/**
 * @example
 * const blend = averageGbdtModels([a, b, c]); // raw score = (raw_a + raw_b + raw_c) / 3 for every row
 */
export function averageGbdtModels(models: readonly GbdtModel[]): GbdtModel {
  if (models.length === 0) throw modelInputInvalid('averageGbdtModels: no model to average');
  if (models.length === 1) return models[0];
  const names = models[0].featureNames;
  for (const m of models) {
    if (m.featureNames.length !== names.length || m.featureNames.some((n, i) => n !== names[i])) {
      throw modelInputInvalid(`averageGbdtModels: models have different features (${names.join(',')} vs ${m.featureNames.join(',')})`);
    }
  }
  const k = models.length;
  return new GbdtModel({
    featureNames: [...names],
    initScore: models.reduce((s, m) => s + m.data.initScore, 0) / k,
    trees: models.flatMap((m) => m.data.trees.map((t) => ({ ...t, value: t.value.map((v) => v / k) }))),
    binEdges: models[0].data.binEdges,
  });
}
