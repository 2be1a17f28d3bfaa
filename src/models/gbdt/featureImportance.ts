/**
 * Feature importance of a boosted-tree model, LightGBM's two kinds: how often a feature is split on
 * ('split') and the total loss reduction of those splits ('gain'). Reads only the model, so it works on
 * loaded models too (gain needs trees saved with their split gains, which every trained model has).
 */
import { modelInputInvalid } from '../inputs.js';
import type { GbdtModel } from './GbdtModel.js';

export type ImportanceKind = 'split' | 'gain';

/**
 * Importance per feature, in the model's feature order.
 *
 * @example
 * const imp = featureImportance(model, 'gain');
 * model.featureNames.map((name, j) => [name, imp[j]]);
 */
export function featureImportance(model: GbdtModel, kind: ImportanceKind = 'split'): Float64Array {
  const out = new Float64Array(model.featureNames.length);
  for (const t of model.data.trees) {
    if (kind === 'gain' && t.gain === undefined) throw modelInputInvalid('gain importance needs trees saved with split gains');
    for (let i = 0; i < t.feature.length; i++) {
      const f = t.feature[i];
      if (f >= 0) out[f] += kind === 'gain' ? t.gain![i] : 1;
    }
  }
  return out;
}
