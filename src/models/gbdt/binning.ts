/**
 * Feature binning for histogram boosting: each feature's values map to at most 255 ordered bins whose
 * edges are quantiles of (a sample of) the training values; a feature with few distinct values gets one
 * bin per value. Edges sit midway between neighbouring distinct values, so a split "bin <= b" equals the raw
 * test "x <= edge[b]" for every value seen in training. NaN gets its own bin after the last, so it always
 * goes right, the same as the raw-threshold predictor. Bins are stored one byte each, in SharedArrayBuffers
 * that histogram workers read without copying, twice: column-major for whole-column passes (the root,
 * partitioning, leaves holding a large share of the rows) and row-major for small leaves' histograms,
 * whose scattered rows then cost one cache line for all features instead of one per feature.
 */
import type { Matrix } from '../Classifier.js';
import { sortDoubles } from './sortDoubles.js';

export interface BinnedMatrix {
  rows: number;
  cols: number;
  /** bins[f * rows + i]: bin of row i, feature f. */
  bins: Uint8Array;
  /** rowBins[i * cols + f]: the same bins, row-major. */
  rowBins: Uint8Array;
  /** Per feature, upper bounds of the finite bins except the last (which is open): edges.length + 1 finite bins. */
  edges: Float64Array[];
  /** Per feature, number of bins in use including the NaN bin when present (≤ 256). */
  numBins: Int32Array;
}

/** Bin edges per feature from up to `sampleSize` rows (an evenly spaced, hence deterministic, sample). */
export function computeBinEdges(X: Matrix, maxBins: number, sampleSize: number): Float64Array[] {
  const take = Math.min(X.rows, sampleSize);
  const stride = X.rows / take;
  const { cols, data } = X;
  // one pass over the sampled rows (row-major reads), values gathered per feature
  const values = Array.from({ length: cols }, () => new Float64Array(take));
  const counts = new Int32Array(cols);
  for (let s = 0; s < take; s++) {
    const o = Math.floor(s * stride) * cols;
    for (let f = 0; f < cols; f++) {
      const v = data[o + f];
      if (!Number.isNaN(v)) values[f][counts[f]++] = v;
    }
  }
  return values.map((v, f) => quantileEdges(sortDoubles(v.subarray(0, counts[f])), maxBins));
}

/** Edges for sorted values: at most maxBins − 1 edges (maxBins finite bins), equal-frequency where possible. */
function quantileEdges(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) counts[counts.length - 1]++;
    else {
      distinct.push(sorted[i]);
      counts.push(1);
    }
  }
  const out: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++) out.push(midpoint(distinct[i], distinct[i + 1]));
    return Float64Array.from(out);
  }
  // Greedy equal frequency: close a bin once it holds its share of the values still to place; a value
  // heavier than a share gets a bin of its own.
  let remaining = sorted.length;
  let binsLeft = maxBins;
  let inBin = 0;
  for (let i = 0; i + 1 < distinct.length && binsLeft > 1; i++) {
    inBin += counts[i];
    const share = remaining / binsLeft;
    if (inBin >= share || counts[i + 1] >= share) {
      out.push(midpoint(distinct[i], distinct[i + 1]));
      remaining -= inBin;
      binsLeft--;
      inBin = 0;
    }
  }
  return Float64Array.from(out);
}

/** A value strictly below b and at least a, so that a <= edge < b. */
function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  return m < b && Number.isFinite(m) ? m : a;
}

export function binOf(edges: Float64Array, v: number): number {
  if (Number.isNaN(v)) return edges.length + 1;
  let lo = 0;
  let hi = edges.length; // answer in [0, edges.length]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function binMatrix(X: Matrix, edges: Float64Array[]): BinnedMatrix {
  const { rows, cols, data } = X;
  const bins = new Uint8Array(new SharedArrayBuffer(Math.max(1, rows * cols)), 0, rows * cols);
  const rowBins = new Uint8Array(new SharedArrayBuffer(Math.max(1, rows * cols)), 0, rows * cols);
  const numBins = new Int32Array(cols);
  for (let f = 0; f < cols; f++) numBins[f] = edges[f].length + 1;
  // rows outer: reads stay sequential in the row-major input, writes go to `cols` sequential streams
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let f = 0; f < cols; f++) {
      const v = data[o + f];
      const b = v !== v ? edges[f].length + 1 : countBelow(edges[f], v);
      bins[f * rows + i] = b;
      rowBins[o + f] = b;
      if (b >= numBins[f]) numBins[f] = b + 1; // the NaN bin
    }
  }
  return { rows, cols, bins, rowBins, edges, numBins };
}

/**
 * How many edges are < v, for a number v: the same bin as `binOf`. A binary search whose steps do not
 * branch on the data (the comparison picks the next base), so it costs no mispredictions.
 */
function countBelow(edges: Float64Array, v: number): number {
  let n = edges.length;
  if (n === 0) return 0;
  let base = 0;
  while (n > 1) {
    const half = n >>> 1;
    base = edges[base + half] < v ? base + half : base;
    n -= half;
  }
  return edges[base] < v ? base + 1 : base;
}
