/**
 * The hot loop of histogram boosting: per feature, sum gradient, hessian and row count by bin over one
 * leaf's rows. It is written as a self-contained function (no imports, no outer variables) because the
 * worker threads run its source text; main thread and workers therefore execute the same code, and since
 * each feature is summed by one thread in row order, results are bit-identical for any thread count.
 *
 * Layout: a histogram slot holds, for every feature f, 3 × numBins[f] doubles starting at
 * `slotOffset + featureOffset[f]`: (gradient, hessian, count) per bin. Gradients and hessians are
 * "ordered": position i holds the value of row rows[i], gathered once per leaf so the per-feature loop
 * reads them sequentially.
 */
export function accumulateHistograms(
  bins: Uint8Array,
  nRows: number,
  rows: Uint32Array,
  orderedGrad: Float64Array,
  orderedHess: Float64Array,
  start: number,
  end: number,
  features: Int32Array,
  from: number,
  to: number,
  hist: Float64Array,
  slotOffset: number,
  featureOffset: Int32Array,
  numBins: Int32Array,
): void {
  for (let k = from; k < to; k++) {
    const f = features[k];
    const base = slotOffset + featureOffset[f];
    hist.fill(0, base, base + 3 * numBins[f]);
    const col = f * nRows;
    for (let i = start; i < end; i++) {
      const j = base + 3 * bins[col + rows[i]];
      hist[j] += orderedGrad[i];
      hist[j + 1] += orderedHess[i];
      hist[j + 2] += 1;
    }
  }
}
