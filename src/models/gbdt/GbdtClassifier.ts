/**
 * Histogram gradient-boosted trees for fraud labels, behind the common Classifier contract: LightGBM-style
 * leaf-wise trees on ≤255 quantile bins per feature, bagging and feature sampling, early stopping on a
 * validation set, class weighting, and multi-threaded histograms that never change the result.
 */
import type { Classifier, Matrix } from '../Classifier.js';
import type { GbdtModel } from './GbdtModel.js';
import { binDataset, type BinnedDataset } from './binDataset.js';
import { resolveGbdtParams, type GbdtParams } from './GbdtParams.js';
import { trainGbdt, trainGbdtBinned, type GbdtFitOptions } from './trainGbdt.js';

/**
 * @example
 * const gbdt = new GbdtClassifier({ numLeaves: 31, learningRate: 0.05, nEstimators: 500, earlyStoppingRounds: 50 });
 * const model = await gbdt.fit(X, y, { validation: { X: Xval, y: yval } });
 * const p = model.predictProba(Xtest);
 *
 * // many fits on one matrix: bin it once (candidates must share maxBins and binSampleSize)
 * const binned = gbdt.bin(X);
 * const other = await new GbdtClassifier({ numLeaves: 15 }).fitBinned(binned, y);
 */
export class GbdtClassifier implements Classifier<GbdtModel, GbdtFitOptions> {
  readonly kind = 'gbdt';

  constructor(readonly params: GbdtParams = {}) {
    resolveGbdtParams(params); // fail on bad parameters at construction, not mid-pipeline
  }

  async fit(X: Matrix, y: Uint8Array, options: GbdtFitOptions = {}): Promise<GbdtModel> {
    return (await trainGbdt(X, y, this.params, options)).model;
  }

  /** Bins `X` with this classifier's maxBins and binSampleSize, for `fitBinned` (of any classifier sharing them). */
  bin(X: Matrix): BinnedDataset {
    return binDataset(X, this.params);
  }

  /** The same model as `fit` on the matrix `data` was binned from. */
  async fitBinned(data: BinnedDataset, y: Uint8Array, options: GbdtFitOptions = {}): Promise<GbdtModel> {
    return (await trainGbdtBinned(data, y, this.params, options)).model;
  }
}
