/**
 * The boosting loop for binary log loss: bin the features once (or take them binned), then per round compute gradients
 * (p − y)·w and hessians p(1 − p)·w, draw the round's rows and features, grow a tree and add it to the
 * scores (kept as odds e^score, so that a round's gradients need no exp). With a validation set, its log loss is tracked each round and early stopping keeps the trees up
 * to the best round. Randomness (bagging, feature sampling) comes from one seeded stream, so a seed fixes
 * the model; thread count never changes it.
 */
import type { Matrix } from '../Classifier.js';
import { checkColumns, checkFitInputs, modelInputInvalid, modelParamInvalid, throwIfAborted } from '../inputs.js';
import { checkpoint } from '../../util/checkpoint.js';
import { mulberry32 } from '../../util/prng.js';
import { binDataset, type BinnedDataset } from './binDataset.js';
import type { BinnedMatrix } from './binning.js';
import { GbdtModel, type GbdtTree } from './GbdtModel.js';
import { resolveGbdtParams, type GbdtParams, type ResolvedGbdtParams } from './GbdtParams.js';
import { growTree, type GrownTree, type TreeContext } from './growTree.js';
import { HistogramBuilder, type HistogramArena } from './HistogramBuilder.js';
import { nonDominantRows } from './histogramKernel.js';
import { allocateWasmHistograms } from './histogramWasm.js';

export interface GbdtFitOptions {
  sampleWeight?: Float64Array;
  /** Rows for early stopping (and the loss history); never trained on. */
  validation?: { X: Matrix; y: Uint8Array; sampleWeight?: Float64Array };
  signal?: AbortSignal;
  /** When given, milliseconds spent in each training phase are added to it (for benchmarks). */
  phaseTimes?: GbdtPhaseTimes;
}

/** Wall time (ms) by phase, on the training thread; workers' share of histograms shows as the wait for them. */
export interface GbdtPhaseTimes {
  binning: number;
  gradients: number;
  histograms: number;
  splitFinding: number;
  partitioning: number;
  scoreUpdate: number;
}

export const newPhaseTimes = (): GbdtPhaseTimes =>
  ({ binning: 0, gradients: 0, histograms: 0, splitFinding: 0, partitioning: 0, scoreUpdate: 0 });

export interface GbdtTrainResult {
  model: GbdtModel;
  /** Validation log loss after each round (empty without a validation set). */
  validationLoss: number[];
}

export async function trainGbdt(X: Matrix, y: Uint8Array, params: GbdtParams = {}, options: GbdtFitOptions = {}): Promise<GbdtTrainResult> {
  const p = resolveGbdtParams(params);
  checkFitInputs(X, y, options.sampleWeight);
  checkValidation(X.names, p, options);
  // workers boot while the data is binned
  const builder = HistogramBuilder.start(threadsFor(X.rows, X.cols, p), p.minParallelCells);
  try {
    const t0 = performance.now();
    const data = binDataset(X, p);
    if (options.phaseTimes !== undefined) options.phaseTimes.binning += performance.now() - t0;
    return await boost(data, y, p, options, builder);
  } finally {
    await builder.close();
  }
}

/**
 * Trains on a dataset binned by `binDataset` with the same maxBins and binSampleSize: the same model as
 * `trainGbdt` on the matrix, without binning again.
 */
export async function trainGbdtBinned(
  data: BinnedDataset, y: Uint8Array, params: GbdtParams = {}, options: GbdtFitOptions = {},
): Promise<GbdtTrainResult> {
  const p = resolveGbdtParams(params);
  if (p.maxBins !== data.maxBins) throw modelParamInvalid('maxBins', `is ${p.maxBins}, the dataset was binned with ${data.maxBins}`);
  if (p.binSampleSize !== data.binSampleSize) {
    throw modelParamInvalid('binSampleSize', `is ${p.binSampleSize}, the dataset was binned with ${data.binSampleSize}`);
  }
  // the matrix was checked when binned; a column-less stand-in of its height checks labels and weights
  checkFitInputs({ rows: data.matrix.rows, cols: 0, data: new Float64Array(0), names: [] }, y, options.sampleWeight);
  checkValidation(data.names, p, options);
  const builder = HistogramBuilder.start(threadsFor(data.matrix.rows, data.matrix.cols, p), p.minParallelCells);
  try {
    return await boost(data, y, p, options, builder);
  } finally {
    await builder.close();
  }
}

function checkValidation(names: readonly string[], p: ResolvedGbdtParams, options: GbdtFitOptions): void {
  const val = options.validation;
  if (val !== undefined) {
    checkColumns(val.X, names);
    if (val.y.length !== val.X.rows) throw modelInputInvalid(`validation y has ${val.y.length} labels for ${val.X.rows} rows`);
    if (val.y.some((v) => v > 1)) throw modelInputInvalid('validation labels must be 0 or 1');
    if (val.sampleWeight !== undefined && val.sampleWeight.length !== val.X.rows) {
      throw modelInputInvalid(`validation sampleWeight has ${val.sampleWeight.length} values for ${val.X.rows} rows`);
    }
  } else if (p.earlyStoppingRounds > 0) {
    throw modelInputInvalid('earlyStoppingRounds needs a validation set');
  }
  throwIfAborted(options.signal);
}

/** Workers only pay off when some leaf (the root at least) is big enough to be split across them. */
function threadsFor(rows: number, cols: number, p: ResolvedGbdtParams): number {
  return rows * cols >= p.minParallelCells ? Math.min(p.threads, cols) : 1;
}

async function boost(binned: BinnedDataset, y: Uint8Array, p: ResolvedGbdtParams, options: GbdtFitOptions, builder: HistogramBuilder): Promise<GbdtTrainResult> {
  const val = options.validation;
  const data = binned.matrix;
  const n = data.rows;
  const F = data.cols;
  const times = options.phaseTimes;
  let t0 = times === undefined ? 0 : performance.now();

  // weights: sample weight × scale_pos_weight on positives; the start score uses sample weights only (as LightGBM)
  const shared = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(8, bytes));
  const weights = new Float64Array(shared(8 * n), 0, n);
  let sumPos = 0;
  let sumAll = 0;
  for (let i = 0; i < n; i++) {
    const sw = options.sampleWeight?.[i] ?? 1;
    weights[i] = y[i] === 1 ? sw * p.scalePosWeight : sw;
    sumPos += y[i] * sw;
    sumAll += sw;
  }
  if (!(sumPos > 0 && sumPos < sumAll)) throw modelInputInvalid('sample weights leave a single class');
  const initScore = Math.log(sumPos / (sumAll - sumPos));

  const featureOffset = new Int32Array(F);
  let slotSize = 0;
  for (let f = 0; f < F; f++) {
    featureOffset[f] = slotSize;
    slotSize += 2 * data.numBins[f];
  }
  const skipBin = dominantBins(data);
  const sparse = nonDominantRows(data.bins, n, skipBin);
  const histLength = slotSize * p.numLeaves;
  // the arrays the kernels read and write (see HistogramArena), in the WebAssembly kernels' memory when it is available
  const nodes = 2 * p.numLeaves;
  const placed = allocateWasmHistograms([
    n * F, n * F, 4 * n, 16 * n, 8 * histLength, 4 * sparse.rows.length, 4 * n, 8 * n, 8 * n, 8 * n, n, 8 * n, 4 * n, 8 * nodes,
  ]);
  const inWasm = placed === undefined ? undefined : { buffer: placed.wasm.memory.buffer, at: placed.offsets };
  const bins = inWasm === undefined ? data.bins : new Uint8Array(inWasm.buffer, inWasm.at[0], n * F);
  const rowBins = inWasm === undefined ? data.rowBins : new Uint8Array(inWasm.buffer, inWasm.at[1], n * F);
  if (inWasm !== undefined) {
    bins.set(data.bins);
    rowBins.set(data.rowBins);
  }
  const sparseRows = inWasm === undefined ? sparse.rows : new Int32Array(inWasm.buffer, inWasm.at[5], sparse.rows.length);
  if (inWasm !== undefined) sparseRows.set(sparse.rows);
  const grad = inWasm === undefined ? new Float64Array(shared(8 * n), 0, n) : new Float64Array(inWasm.buffer, inWasm.at[7], n);
  const hess = inWasm === undefined ? new Float64Array(shared(8 * n), 0, n) : new Float64Array(inWasm.buffer, inWasm.at[8], n);
  // e^score by row: the gradients need the odds, and a tree changes them by one factor per leaf
  const odds = (inWasm === undefined ? new Float64Array(shared(8 * n), 0, n) : new Float64Array(inWasm.buffer, inWasm.at[9], n))
    .fill(Math.exp(initScore));
  const labels = inWasm === undefined ? new Uint8Array(shared(n), 0, n) : new Uint8Array(inWasm.buffer, inWasm.at[10], n);
  labels.set(y);
  const w = inWasm === undefined ? weights : new Float64Array(inWasm.buffer, inWasm.at[11], n);
  if (inWasm !== undefined) w.set(weights);
  const arena: HistogramArena = {
    bins,
    nRows: n,
    rowBins,
    nCols: F,
    rows: inWasm === undefined ? new Int32Array(shared(4 * n), 0, n) : new Int32Array(inWasm.buffer, inWasm.at[2], n),
    scratch: inWasm === undefined ? new Int32Array(shared(4 * n), 0, n) : new Int32Array(inWasm.buffer, inWasm.at[6], n),
    grad,
    hess,
    odds,
    // before the first tree every row is at node 0, whose factor is 1
    rowNode: inWasm === undefined ? new Int32Array(shared(4 * n), 0, n) : new Int32Array(inWasm.buffer, inWasm.at[12], n),
    nodeFactor: (inWasm === undefined ? new Float64Array(shared(8 * nodes), 0, nodes) : new Float64Array(inWasm.buffer, inWasm.at[13], nodes)).fill(1),
    labels,
    weights: w,
    orderedGrad: inWasm === undefined ? new Float64Array(shared(8 * n), 0, n) : new Float64Array(0),
    orderedHess: inWasm === undefined ? new Float64Array(shared(8 * n), 0, n) : new Float64Array(0),
    wasm: placed?.wasm,
    orderedGH: inWasm === undefined ? new Float64Array(0) : new Float64Array(inWasm.buffer, inWasm.at[3], 2 * n),
    hist: inWasm === undefined ? new Float64Array(shared(8 * histLength), 0, histLength) : new Float64Array(inWasm.buffer, inWasm.at[4], histLength),
    featureOffset,
    numBins: data.numBins,
    skipBin,
    sparseRows,
    sparseStart: sparse.start,
  };
  if (times !== undefined) times.binning += performance.now() - t0;
  const rand = mulberry32(p.seed);
  const allFeatures = Int32Array.from({ length: F }, (_, f) => f);
  const allInPassOrder = passOrder(allFeatures, skipBin);
  const featuresPerTree = Math.max(1, Math.round(F * p.colSubsample));
  // GOSS from the round where gradients have come apart: the first trees fit the base rate, every row alike
  const magnitudes = p.gossTopRate > 0 ? new Float64Array(n) : undefined;
  const gossFrom = Math.floor(1 / p.learningRate);

  const trees: GbdtTree[] = [];
  const validationLoss: number[] = [];
  const valScore = val === undefined ? undefined : new Float64Array(val.X.rows).fill(initScore);
  let bestLoss = Infinity;
  let bestRound = -1;

  builder.attach(arena);
  // every round and every split gives a stop signal its chance (the fit holds the event loop otherwise)
  const check = checkpoint(options.signal);
  for (let round = 0; round < p.nEstimators; round++) {
    await check();
    if (times !== undefined) t0 = performance.now();
    builder.gradients();
    let bagSize = 0;
    if (p.rowSubsample < 1) {
      for (let i = 0; i < n; i++) if (rand() < p.rowSubsample) arena.rows[bagSize++] = i;
    } else if (magnitudes !== undefined && round >= gossFrom) {
      bagSize = gossSample(grad, hess, arena.rows, n, p.gossTopRate, p.gossOtherRate, rand, magnitudes);
    } else {
      for (let i = 0; i < n; i++) arena.rows[i] = i;
      bagSize = n;
    }
    const features = featuresPerTree < F ? sampleFeatures(F, featuresPerTree, rand) : allFeatures;
    const passFeatures = features === allFeatures ? allInPassOrder : passOrder(features, skipBin);
    const ctx: TreeContext = { data, arena, builder, grad, hess, bagSize, features, passFeatures, slotSize, times, check };
    if (times !== undefined) times.gradients += performance.now() - t0;
    const tree = await growTree(ctx, p);
    if (times !== undefined) t0 = performance.now();
    recordLeafFactors(tree, ctx, bagSize < n);
    if (times !== undefined) times.scoreUpdate += performance.now() - t0;
    const { feature, threshold, left, right, defaultLeft, value, gain } = tree;
    const out: GbdtTree = { feature, threshold, left, right, defaultLeft, value, gain };
    trees.push(out);

    if (val !== undefined && valScore !== undefined) {
      const single = new GbdtModel({ featureNames: [...binned.names], initScore: 0, trees: [out], binEdges: [] });
      const add = single.predictRaw(val.X);
      for (let i = 0; i < add.length; i++) valScore[i] += add[i];
      const loss = weightedLogLoss(val.y, valScore, val.sampleWeight);
      validationLoss.push(loss);
      if (loss < bestLoss) {
        bestLoss = loss;
        bestRound = round;
      } else if (p.earlyStoppingRounds > 0 && round - bestRound >= p.earlyStoppingRounds) break;
    }
  }

  const keep = val !== undefined && p.earlyStoppingRounds > 0 ? bestRound + 1 : trees.length;
  const model = new GbdtModel({
    featureNames: [...binned.names],
    initScore,
    trees: trees.slice(0, keep),
    binEdges: data.edges,
    bestIteration: val !== undefined && p.earlyStoppingRounds > 0 ? keep : undefined,
  });
  return { model, validationLoss };
}

/** A row share from which a feature's most frequent bin is skipped in histogram passes (and restored from totals). */
const DOMINANT_SHARE = 0.9;

/**
 * Per feature, the bin holding at least DOMINANT_SHARE of the rows, or −1: skipping it saves its rows' adds, and
 * below that share the compare's mispredictions would cost more than the adds saved.
 */
function dominantBins(data: BinnedMatrix): Int32Array {
  const { bins, rows, cols } = data;
  const skip = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, cols)), 0, cols).fill(-1);
  const counts = new Int32Array(256);
  for (let f = 0; f < cols; f++) {
    counts.fill(0);
    const col = f * rows;
    for (let i = 0; i < rows; i++) counts[bins[col + i]]++;
    let best = 0;
    for (let b = 1; b < 256; b++) if (counts[b] > counts[best]) best = b;
    if (counts[best] >= DOMINANT_SHARE * rows) skip[f] = best;
  }
  return skip;
}

/**
 * Gradient-based one-side sampling: puts the round's rows in `rows`, ascending, and returns how many. Every
 * row whose |gradient| is at least the ⌈topRate·n⌉-th largest is in; each other row is in with probability
 * otherRate / (1 − topRate), its gradient and hessian scaled by the inverse of that, so that sums over the
 * sample estimate sums over all rows without bias. `magnitudes` is scratch of length n.
 */
export function gossSample(
  grad: Float64Array, hess: Float64Array, rows: Int32Array, n: number, topRate: number, otherRate: number, rand: () => number,
  magnitudes: Float64Array,
): number {
  for (let i = 0; i < n; i++) magnitudes[i] = Math.abs(grad[i]);
  const threshold = kthLargest(magnitudes, n, Math.max(1, Math.ceil(topRate * n)));
  const keep = otherRate / (1 - topRate);
  const scale = (1 - topRate) / otherRate;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (Math.abs(grad[i]) >= threshold) rows[count++] = i;
    else if (rand() < keep) {
      grad[i] *= scale;
      hess[i] *= scale;
      rows[count++] = i;
    }
  }
  return count;
}

/** The k-th largest of a[0 .. len) (k ≥ 1), by quickselect; reorders a. */
function kthLargest(a: Float64Array, len: number, k: number): number {
  const target = k - 1; // its index once a is in descending order
  let lo = 0;
  let hi = len - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // median of three as the pivot
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // now a[lo .. j] ≥ pivot ≥ a[i .. hi], and anything between equals the pivot
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[lo];
}

/**
 * The order of features in histogram passes: those with a skipped dominant bin first (each its own pass), then
 * the rest (the unrolled passes), each group ascending. With threads cutting the list into slices from the
 * back, the main thread's front slice takes the cheap passes on top of its share of the others.
 */
function passOrder(features: Int32Array, skipBin: Int32Array): Int32Array {
  const out = new Int32Array(features.length);
  let at = 0;
  for (const f of features) if (skipBin[f] >= 0) out[at++] = f;
  for (const f of features) if (skipBin[f] < 0) out[at++] = f;
  return out;
}

/** `count` distinct features out of F, ascending (partial Fisher–Yates). */
function sampleFeatures(F: number, count: number, rand: () => number): Int32Array {
  const all = Int32Array.from({ length: F }, (_, f) => f);
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(rand() * (F - k));
    const t = all[k];
    all[k] = all[j];
    all[j] = t;
  }
  return all.slice(0, count).sort();
}

/**
 * Sets each training row's node of the tree and each leaf's factor e^(its value), which the next round's
 * gradients multiply into the row's odds (see computeGradients).
 */
function recordLeafFactors(tree: GrownTree, ctx: TreeContext, bagged: boolean): void {
  const { rowNode, nodeFactor } = ctx.arena;
  for (let k = 0; k < tree.value.length; k++) nodeFactor[k] = Math.exp(tree.value[k]);
  if (!bagged) {
    ctx.builder.setRowNodes(tree.leaves);
    return;
  }
  // out-of-bag rows were not partitioned: walk the tree in bin space for every row
  const { bins, rows: n, edges } = ctx.data;
  const { feature, thresholdBin, left, right, defaultLeft } = tree;
  for (let i = 0; i < n; i++) {
    let node = 0;
    let f = feature[0];
    while (f >= 0) {
      const b = bins[f * n + i];
      const goLeft = b <= thresholdBin[node] || (defaultLeft[node] === 1 && b === edges[f].length + 1);
      node = goLeft ? left[node] : right[node];
      f = feature[node];
    }
    rowNode[i] = node;
  }
}

function weightedLogLoss(y: Uint8Array, raw: Float64Array, weight?: Float64Array): number {
  let sum = 0;
  let wsum = 0;
  for (let i = 0; i < y.length; i++) {
    const z = raw[i];
    // −log σ(z) for positives, −log(1 − σ(z)) for negatives, both as stable softplus
    const m = y[i] === 1 ? -z : z;
    const loss = m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
    const wi = weight?.[i] ?? 1;
    sum += wi * loss;
    wsum += wi;
  }
  return sum / wsum;
}
