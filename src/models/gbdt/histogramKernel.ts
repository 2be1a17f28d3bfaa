/**
 * The per-row kernels of boosting, run on the main thread and by the worker threads: log-loss gradients,
 * and histograms.
 *
 * The hot loop of histogram boosting: per feature, sum gradient and hessian by bin over one leaf's rows.
 * Row counts are not summed: like LightGBM, split finding estimates a side's rows from its share of the
 * leaf's hessian (see growTree), which saves a third of the loop's memory writes. Nor is a feature's
 * dominant bin (`skipBin[f]`, ≥ 0 where one bin holds most rows, as the zero of a risk or outlier count):
 * in a leaf its rows only cost a compare, at the root they are not read at all (see `nonDominantRows`), and
 * `restoreSkippedBins` sets that bin to the leaf's totals minus the others, as LightGBM does for its most
 * frequent bin. Such features get a pass each; runs of the other features go through unrolled passes that
 * have no compare, which the bench matrix's root pass ran about 20% faster (the features in
 * trainGbdt's `passOrder`, those with a dominant bin first). It is written as a self-contained function (no
 * imports, no outer variables) because the worker threads run its source text; main thread and workers therefore execute the same code, and since
 * each feature is summed by one thread in row order, results are bit-identical for any thread count.
 *
 * Layout: a histogram slot holds, for every feature f, 2 × numBins[f] doubles starting at
 * `slotOffset + featureOffset[f]`: (gradient, hessian) per bin. Gradients and hessians are
 * "ordered": position i holds the value of row rows[i], gathered once per leaf so the per-feature loop
 * reads them sequentially.
 */
export function accumulateHistograms(
  rowBins: Uint8Array,
  nCols: number,
  rows: Int32Array,
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
  skipBin: Int32Array,
): void {
  // runs of features without a dominant bin go through the unrolled passes, which have no compare
  let k = from;
  while (k < to) {
    let dense = k;
    while (dense < to && skipBin[features[dense]] < 0) dense++;
    // Eight, then four features per pass over the rows: the row index and gradient loads are shared and the
    // independent accumulations overlap (four: about 1.5× faster than one feature per pass; eight: about 1.25×
    // faster again). Each feature still sums its rows in order, so the result does not depend on the grouping.
    // Bins are read row-major: a row's features share a cache line.
    for (; k + 8 <= dense; k += 8) {
      const f0 = features[k], f1 = features[k + 1], f2 = features[k + 2], f3 = features[k + 3];
      const f4 = features[k + 4], f5 = features[k + 5], f6 = features[k + 6], f7 = features[k + 7];
      const b0 = slotOffset + featureOffset[f0], b1 = slotOffset + featureOffset[f1], b2 = slotOffset + featureOffset[f2], b3 = slotOffset + featureOffset[f3];
      const b4 = slotOffset + featureOffset[f4], b5 = slotOffset + featureOffset[f5], b6 = slotOffset + featureOffset[f6], b7 = slotOffset + featureOffset[f7];
      hist.fill(0, b0, b0 + 2 * numBins[f0]);
      hist.fill(0, b1, b1 + 2 * numBins[f1]);
      hist.fill(0, b2, b2 + 2 * numBins[f2]);
      hist.fill(0, b3, b3 + 2 * numBins[f3]);
      hist.fill(0, b4, b4 + 2 * numBins[f4]);
      hist.fill(0, b5, b5 + 2 * numBins[f5]);
      hist.fill(0, b6, b6 + 2 * numBins[f6]);
      hist.fill(0, b7, b7 + 2 * numBins[f7]);
      for (let i = start; i < end; i++) {
        const o = rows[i] * nCols;
        const g = orderedGrad[i];
        const h = orderedHess[i];
        let j = 0;
        j = b0 + 2 * rowBins[o + f0];
        hist[j] += g;
        hist[j + 1] += h;
        j = b1 + 2 * rowBins[o + f1];
        hist[j] += g;
        hist[j + 1] += h;
        j = b2 + 2 * rowBins[o + f2];
        hist[j] += g;
        hist[j + 1] += h;
        j = b3 + 2 * rowBins[o + f3];
        hist[j] += g;
        hist[j + 1] += h;
        j = b4 + 2 * rowBins[o + f4];
        hist[j] += g;
        hist[j + 1] += h;
        j = b5 + 2 * rowBins[o + f5];
        hist[j] += g;
        hist[j + 1] += h;
        j = b6 + 2 * rowBins[o + f6];
        hist[j] += g;
        hist[j + 1] += h;
        j = b7 + 2 * rowBins[o + f7];
        hist[j] += g;
        hist[j + 1] += h;
      }
    }
    for (; k + 4 <= dense; k += 4) {
      const f0 = features[k];
      const f1 = features[k + 1];
      const f2 = features[k + 2];
      const f3 = features[k + 3];
      const b0 = slotOffset + featureOffset[f0];
      const b1 = slotOffset + featureOffset[f1];
      const b2 = slotOffset + featureOffset[f2];
      const b3 = slotOffset + featureOffset[f3];
      hist.fill(0, b0, b0 + 2 * numBins[f0]);
      hist.fill(0, b1, b1 + 2 * numBins[f1]);
      hist.fill(0, b2, b2 + 2 * numBins[f2]);
      hist.fill(0, b3, b3 + 2 * numBins[f3]);
      for (let i = start; i < end; i++) {
        const o = rows[i] * nCols;
        const g = orderedGrad[i];
        const h = orderedHess[i];
        let j = 0;
        j = b0 + 2 * rowBins[o + f0];
        hist[j] += g;
        hist[j + 1] += h;
        j = b1 + 2 * rowBins[o + f1];
        hist[j] += g;
        hist[j + 1] += h;
        j = b2 + 2 * rowBins[o + f2];
        hist[j] += g;
        hist[j + 1] += h;
        j = b3 + 2 * rowBins[o + f3];
        hist[j] += g;
        hist[j + 1] += h;
      }
    }
    // the rest of this run, then the next feature with a dominant bin, one by one
    const stop = Math.min(to, dense + 1);
    for (; k < stop; k++) {
      const f = features[k];
      const base = slotOffset + featureOffset[f];
      const s = skipBin[f];
      hist.fill(0, base, base + 2 * numBins[f]);
      for (let i = start; i < end; i++) {
        const x = rowBins[rows[i] * nCols + f];
        if (x !== s) {
          const j = base + 2 * x;
          hist[j] += orderedGrad[i];
          hist[j + 1] += orderedHess[i];
        }
      }
    }
  }
}

/**
 * The same sums as `accumulateHistograms`, reading the column-major bins: for a leaf holding a large share
 * of the rows, a pass over four features then touches four columns instead of every row's cache line,
 * about a quarter of the memory traffic. Rows are summed in the same order, so the histograms are the
 * same bit for bit. Self-contained for the workers too.
 */
export function accumulateColumnHistograms(
  bins: Uint8Array,
  nRows: number,
  rows: Int32Array,
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
  skipBin: Int32Array,
): void {
  // runs of features without a dominant bin go through the unrolled passes, which have no compare
  let k = from;
  while (k < to) {
    let dense = k;
    while (dense < to && skipBin[features[dense]] < 0) dense++;
    for (; k + 8 <= dense; k += 8) {
      const f0 = features[k], f1 = features[k + 1], f2 = features[k + 2], f3 = features[k + 3];
      const f4 = features[k + 4], f5 = features[k + 5], f6 = features[k + 6], f7 = features[k + 7];
      const b0 = slotOffset + featureOffset[f0], b1 = slotOffset + featureOffset[f1], b2 = slotOffset + featureOffset[f2], b3 = slotOffset + featureOffset[f3];
      const b4 = slotOffset + featureOffset[f4], b5 = slotOffset + featureOffset[f5], b6 = slotOffset + featureOffset[f6], b7 = slotOffset + featureOffset[f7];
      hist.fill(0, b0, b0 + 2 * numBins[f0]);
      hist.fill(0, b1, b1 + 2 * numBins[f1]);
      hist.fill(0, b2, b2 + 2 * numBins[f2]);
      hist.fill(0, b3, b3 + 2 * numBins[f3]);
      hist.fill(0, b4, b4 + 2 * numBins[f4]);
      hist.fill(0, b5, b5 + 2 * numBins[f5]);
      hist.fill(0, b6, b6 + 2 * numBins[f6]);
      hist.fill(0, b7, b7 + 2 * numBins[f7]);
      const c0 = f0 * nRows, c1 = f1 * nRows, c2 = f2 * nRows, c3 = f3 * nRows;
      const c4 = f4 * nRows, c5 = f5 * nRows, c6 = f6 * nRows, c7 = f7 * nRows;
      for (let i = start; i < end; i++) {
        const r = rows[i];
        const g = orderedGrad[i];
        const h = orderedHess[i];
        let j = 0;
        j = b0 + 2 * bins[c0 + r];
        hist[j] += g;
        hist[j + 1] += h;
        j = b1 + 2 * bins[c1 + r];
        hist[j] += g;
        hist[j + 1] += h;
        j = b2 + 2 * bins[c2 + r];
        hist[j] += g;
        hist[j + 1] += h;
        j = b3 + 2 * bins[c3 + r];
        hist[j] += g;
        hist[j + 1] += h;
        j = b4 + 2 * bins[c4 + r];
        hist[j] += g;
        hist[j + 1] += h;
        j = b5 + 2 * bins[c5 + r];
        hist[j] += g;
        hist[j + 1] += h;
        j = b6 + 2 * bins[c6 + r];
        hist[j] += g;
        hist[j + 1] += h;
        j = b7 + 2 * bins[c7 + r];
        hist[j] += g;
        hist[j + 1] += h;
      }
    }
    for (; k + 4 <= dense; k += 4) {
      const f0 = features[k];
      const f1 = features[k + 1];
      const f2 = features[k + 2];
      const f3 = features[k + 3];
      const b0 = slotOffset + featureOffset[f0];
      const b1 = slotOffset + featureOffset[f1];
      const b2 = slotOffset + featureOffset[f2];
      const b3 = slotOffset + featureOffset[f3];
      hist.fill(0, b0, b0 + 2 * numBins[f0]);
      hist.fill(0, b1, b1 + 2 * numBins[f1]);
      hist.fill(0, b2, b2 + 2 * numBins[f2]);
      hist.fill(0, b3, b3 + 2 * numBins[f3]);
      const c0 = f0 * nRows;
      const c1 = f1 * nRows;
      const c2 = f2 * nRows;
      const c3 = f3 * nRows;
      for (let i = start; i < end; i++) {
        const r = rows[i];
        const g = orderedGrad[i];
        const h = orderedHess[i];
        let j = 0;
        j = b0 + 2 * bins[c0 + r];
        hist[j] += g;
        hist[j + 1] += h;
        j = b1 + 2 * bins[c1 + r];
        hist[j] += g;
        hist[j + 1] += h;
        j = b2 + 2 * bins[c2 + r];
        hist[j] += g;
        hist[j + 1] += h;
        j = b3 + 2 * bins[c3 + r];
        hist[j] += g;
        hist[j + 1] += h;
      }
    }
    // the rest of this run, then the next feature with a dominant bin, one by one
    const stop = Math.min(to, dense + 1);
    for (; k < stop; k++) {
      const f = features[k];
      const base = slotOffset + featureOffset[f];
      const s = skipBin[f];
      hist.fill(0, base, base + 2 * numBins[f]);
      const col = f * nRows;
      for (let i = start; i < end; i++) {
        const x = bins[col + rows[i]];
        if (x !== s) {
          const j = base + 2 * x;
          hist[j] += orderedGrad[i];
          hist[j + 1] += orderedHess[i];
        }
      }
    }
  }
}

/**
 * The same sums for the unbagged root, which holds every row in order: no row indirection, gradients read
 * in place. Rows are summed in the same order as
 * `accumulateHistograms` would, so the histograms are the same bit for bit. Self-contained for the workers too.
 */
export function accumulateRootHistograms(
  bins: Uint8Array,
  nRows: number,
  grad: Float64Array,
  hess: Float64Array,
  features: Int32Array,
  from: number,
  to: number,
  hist: Float64Array,
  slotOffset: number,
  featureOffset: Int32Array,
  numBins: Int32Array,
  skipBin: Int32Array,
  sparseRows: Int32Array,
  sparseStart: Int32Array,
): void {
  // runs of features without a dominant bin go through the unrolled passes, which have no compare
  let k = from;
  while (k < to) {
    let dense = k;
    while (dense < to && skipBin[features[dense]] < 0) dense++;
    for (; k + 8 <= dense; k += 8) {
      const f0 = features[k], f1 = features[k + 1], f2 = features[k + 2], f3 = features[k + 3];
      const f4 = features[k + 4], f5 = features[k + 5], f6 = features[k + 6], f7 = features[k + 7];
      const b0 = slotOffset + featureOffset[f0], b1 = slotOffset + featureOffset[f1], b2 = slotOffset + featureOffset[f2], b3 = slotOffset + featureOffset[f3];
      const b4 = slotOffset + featureOffset[f4], b5 = slotOffset + featureOffset[f5], b6 = slotOffset + featureOffset[f6], b7 = slotOffset + featureOffset[f7];
      hist.fill(0, b0, b0 + 2 * numBins[f0]);
      hist.fill(0, b1, b1 + 2 * numBins[f1]);
      hist.fill(0, b2, b2 + 2 * numBins[f2]);
      hist.fill(0, b3, b3 + 2 * numBins[f3]);
      hist.fill(0, b4, b4 + 2 * numBins[f4]);
      hist.fill(0, b5, b5 + 2 * numBins[f5]);
      hist.fill(0, b6, b6 + 2 * numBins[f6]);
      hist.fill(0, b7, b7 + 2 * numBins[f7]);
      const c0 = f0 * nRows, c1 = f1 * nRows, c2 = f2 * nRows, c3 = f3 * nRows;
      const c4 = f4 * nRows, c5 = f5 * nRows, c6 = f6 * nRows, c7 = f7 * nRows;
      for (let i = 0; i < nRows; i++) {
        const g = grad[i];
        const h = hess[i];
        let j = 0;
        j = b0 + 2 * bins[c0 + i];
        hist[j] += g;
        hist[j + 1] += h;
        j = b1 + 2 * bins[c1 + i];
        hist[j] += g;
        hist[j + 1] += h;
        j = b2 + 2 * bins[c2 + i];
        hist[j] += g;
        hist[j + 1] += h;
        j = b3 + 2 * bins[c3 + i];
        hist[j] += g;
        hist[j + 1] += h;
        j = b4 + 2 * bins[c4 + i];
        hist[j] += g;
        hist[j + 1] += h;
        j = b5 + 2 * bins[c5 + i];
        hist[j] += g;
        hist[j + 1] += h;
        j = b6 + 2 * bins[c6 + i];
        hist[j] += g;
        hist[j + 1] += h;
        j = b7 + 2 * bins[c7 + i];
        hist[j] += g;
        hist[j + 1] += h;
      }
    }
    for (; k + 4 <= dense; k += 4) {
      const f0 = features[k];
      const f1 = features[k + 1];
      const f2 = features[k + 2];
      const f3 = features[k + 3];
      const b0 = slotOffset + featureOffset[f0];
      const b1 = slotOffset + featureOffset[f1];
      const b2 = slotOffset + featureOffset[f2];
      const b3 = slotOffset + featureOffset[f3];
      hist.fill(0, b0, b0 + 2 * numBins[f0]);
      hist.fill(0, b1, b1 + 2 * numBins[f1]);
      hist.fill(0, b2, b2 + 2 * numBins[f2]);
      hist.fill(0, b3, b3 + 2 * numBins[f3]);
      const c0 = f0 * nRows;
      const c1 = f1 * nRows;
      const c2 = f2 * nRows;
      const c3 = f3 * nRows;
      for (let i = 0; i < nRows; i++) {
        const g = grad[i];
        const h = hess[i];
        let j = 0;
        j = b0 + 2 * bins[c0 + i];
        hist[j] += g;
        hist[j + 1] += h;
        j = b1 + 2 * bins[c1 + i];
        hist[j] += g;
        hist[j + 1] += h;
        j = b2 + 2 * bins[c2 + i];
        hist[j] += g;
        hist[j + 1] += h;
        j = b3 + 2 * bins[c3 + i];
        hist[j] += g;
        hist[j + 1] += h;
      }
    }
    // the rest of this run, then the next feature with a dominant bin, one by one
    const stop = Math.min(to, dense + 1);
    for (; k < stop; k++) {
      const f = features[k];
      const base = slotOffset + featureOffset[f];
      const s = skipBin[f];
      hist.fill(0, base, base + 2 * numBins[f]);
      const col = f * nRows;
      if (s >= 0) {
        // the rows outside the dominant bin, listed once per fit, in order
        for (let q = sparseStart[f]; q < sparseStart[f + 1]; q++) {
          const i = sparseRows[q];
          const j = base + 2 * bins[col + i];
          hist[j] += grad[i];
          hist[j + 1] += hess[i];
        }
        continue;
      }
      for (let i = 0; i < nRows; i++) {
        const j = base + 2 * bins[col + i];
        hist[j] += grad[i];
        hist[j + 1] += hess[i];
      }
    }
  }
}

/**
 * Per feature with a dominant bin (skipBin[f] ≥ 0), its other rows in ascending order: rows[start[f] .. start[f + 1])
 * (empty for the other features). The root pass reads these instead of the whole column, in the same row order.
 * Both arrays are in SharedArrayBuffers, for the workers.
 */
export function nonDominantRows(bins: Uint8Array, nRows: number, skipBin: Int32Array): { rows: Int32Array; start: Int32Array } {
  const cols = skipBin.length;
  const start = new Int32Array(new SharedArrayBuffer(4 * (cols + 1)));
  for (let f = 0; f < cols; f++) {
    let count = 0;
    const s = skipBin[f];
    if (s >= 0) for (let i = 0, col = f * nRows; i < nRows; i++) count += bins[col + i] !== s ? 1 : 0;
    start[f + 1] = start[f] + count;
  }
  const rows = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, start[cols])), 0, start[cols]);
  for (let f = 0; f < cols; f++) {
    const s = skipBin[f];
    if (s < 0) continue;
    let at = start[f];
    for (let i = 0, col = f * nRows; i < nRows; i++) if (bins[col + i] !== s) rows[at++] = i;
  }
  return { rows, start };
}

/**
 * Sets each skipped dominant bin (see `accumulateHistograms`) of slot `slotOffset` to the leaf's gradient and
 * hessian sums (g, h) minus the feature's other bins.
 */
export function restoreSkippedBins(
  hist: Float64Array,
  slotOffset: number,
  features: Int32Array,
  featureOffset: Int32Array,
  numBins: Int32Array,
  skipBin: Int32Array,
  g: number,
  h: number,
): void {
  for (const f of features) {
    const skip = skipBin[f];
    if (skip < 0) continue;
    const base = slotOffset + featureOffset[f];
    let gs = 0;
    let hs = 0;
    for (let b = 0; b < numBins[f]; b++) {
      if (b === skip) continue;
      gs += hist[base + 2 * b];
      hs += hist[base + 2 * b + 1];
    }
    hist[base + 2 * skip] = g - gs;
    hist[base + 2 * skip + 1] = h - hs;
  }
}

/**
 * Log-loss gradients (p − y)·w and hessians p(1 − p)·w of rows [from, to), from each row's odds e^score:
 * p = e / (1 + e), 1 − p = 1 / (1 + e). The odds are kept up to date by multiplying in e^(leaf value) once per
 * tree, so a round costs a division per row instead of an exp. That multiplication happens here, for the last
 * tree: each row's factor is nodeFactor[rowNode[i]] (its leaf's e^value, see trainGbdt), so updating the odds
 * costs no scattered read-modify-write of them, only the leaf's node written by row. Odds are held within
 * [1e-300, 1e300] (scores of ±690): beyond, a row's probability is 0 or 1 to double precision anyway, and the
 * bound keeps a later factor from making 0 · ∞. Self-contained for the workers.
 */
export function computeGradients(
  odds: Float64Array, y: Uint8Array, w: Float64Array, grad: Float64Array, hess: Float64Array, rowNode: Int32Array,
  nodeFactor: Float64Array, from: number, to: number,
): void {
  for (let i = from; i < to; i++) {
    const v = odds[i] * nodeFactor[rowNode[i]];
    const e = v < 1e300 ? (v > 1e-300 ? v : 1e-300) : 1e300;
    odds[i] = e;
    const q = 1 / (1 + e);
    const pr = e * q;
    grad[i] = (pr - y[i]) * w[i];
    hess[i] = pr * q * w[i];
  }
}

/**
 * Stable partition of rows[start, end) on `bin <= splitBin` (or the NaN bin, when `nanBin` ≥ 0) of the column
 * starting at `col`: the left rows are compacted to rows[start ..], in order, and the right rows written to
 * scratch[start ..], in order. Returns the count of left rows. Rows of one leaf may be cut into ranges
 * partitioned by different threads and then joined (see HistogramBuilder.partition): the result is the same.
 * Plain arrays and numbers only, and no method calls: with a property or method lookup after the hot loop,
 * V8 kept deoptimizing the on-stack-replaced loop and ran this in the interpreter most of the time.
 * Self-contained for the workers.
 */
export function partitionRows(
  rows: Int32Array, scratch: Int32Array, bins: Uint8Array, col: number, start: number, end: number, splitBin: number, nanBin: number,
): number {
  let l = start;
  let r = start;
  // branch-free: every row is written to both sides and only the matching cursor advances, which beats a
  // mispredicted branch on the near-even splits
  for (let i = start; i < end; i++) {
    const row = rows[i];
    const b = bins[col + row];
    const goLeft = (b <= splitBin ? 1 : 0) | (b === nanBin ? 1 : 0);
    rows[l] = row;
    scratch[r] = row;
    l += goLeft;
    r += 1 - goLeft;
  }
  return l - start;
}

/**
 * Gradients and hessians of rows[from, to) copied to the same positions of orderedGrad/orderedHess, so that the
 * histogram passes over a leaf read them in sequence. Self-contained for the workers.
 */
export function gatherGradients(
  rows: Int32Array, grad: Float64Array, hess: Float64Array, orderedGrad: Float64Array, orderedHess: Float64Array, from: number, to: number,
): void {
  for (let i = from; i < to; i++) {
    const r = rows[i];
    orderedGrad[i] = grad[r];
    orderedHess[i] = hess[r];
  }
}

/**
 * Waits until `count` threads have arrived at the barrier cell `at` of `control` (each adds one): a short spin,
 * then futex waits. Self-contained for the workers.
 */
export function awaitBarrier(control: Int32Array, at: number, count: number): void {
  for (let spin = 0; ; spin++) {
    const arrived = Atomics.load(control, at);
    if (arrived >= count) return;
    if (spin >= 1000) Atomics.wait(control, at, arrived, 1);
  }
}
