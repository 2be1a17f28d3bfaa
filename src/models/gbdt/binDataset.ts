/**
 * A training matrix binned once and fitted many times: a hyperparameter search trains dozens of candidates
 * on the same fold, and binning (sampling, sorting, a bin search per cell) is the same for all of them as
 * long as maxBins and binSampleSize are. Fitting a `BinnedDataset` gives the model that fitting the matrix
 * would, bit for bit; the bins are read-only during training, so fits may share one dataset.
 */
import type { Matrix } from '../Classifier.js';
import { checkMatrix } from '../inputs.js';
import { binMatrix, computeBinEdges, type BinnedMatrix } from './binning.js';
import { resolveGbdtParams, type GbdtParams } from './GbdtParams.js';

export interface BinnedDataset {
  readonly names: readonly string[];
  /** The binning parameters it was made with; a fit needs the same. */
  readonly maxBins: number;
  readonly binSampleSize: number;
  readonly matrix: BinnedMatrix;
}

/**
 * @example
 * const binned = binDataset(X, { maxBins: 255 });
 * for (const params of candidates) models.push(await new GbdtClassifier(params).fitBinned(binned, y));
 */
export function binDataset(X: Matrix, params: GbdtParams = {}): BinnedDataset {
  checkMatrix(X);
  const { maxBins, binSampleSize } = resolveGbdtParams(params);
  const matrix = binMatrix(X, computeBinEdges(X, maxBins, binSampleSize));
  return { names: [...X.names], maxBins, binSampleSize, matrix };
}
