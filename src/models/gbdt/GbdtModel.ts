/**
 * A fitted gradient-boosted tree ensemble and its predictor. Trees store raw-value thresholds, so scoring
 * needs no binning: at a split, `x <= threshold` goes left, a larger value goes right, and NaN (missing)
 * follows the direction training learned for that split (`defaultLeft`).
 * This module must not import the trainer: the streaming scorer loads models with it alone.
 */
import type { Matrix, Model, ModelJson } from '../Classifier.js';
import { checkColumns, modelInputInvalid, sigmoid } from '../inputs.js';

/** One tree as parallel arrays over nodes; node 0 is the root, `feature[i] === -1` marks a leaf. */
export interface GbdtTree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** 1 where a missing (NaN) value goes left, 0 where it goes right. */
  defaultLeft: Uint8Array;
  /** Leaf outputs (learning rate applied); 0 for internal nodes. */
  value: Float64Array;
  /** Loss reduction of each split (0 at leaves), for gain importance; absent in hand-built trees. */
  gain?: Float64Array;
}

export interface GbdtModelData {
  featureNames: string[];
  /** Raw score before the first tree (log-odds of the weighted base rate). */
  initScore: number;
  trees: GbdtTree[];
  /** Per feature, the upper bounds of its bins (the last bin is open), kept for inspection and drift checks. */
  binEdges: Float64Array[];
  /** Iterations the validation set chose, when early stopping ran. */
  bestIteration?: number;
}

/**
 * @example
 * const model = GbdtModel.fromJSON(JSON.parse(text));
 * const p = model.predictProba({ rows, cols, data, names });   // a batch
 * const z = model.predictRawRow(features);                     // one transaction, log-odds
 */
export class GbdtModel implements Model {
  readonly kind = 'gbdt';
  readonly featureNames: readonly string[];

  constructor(readonly data: GbdtModelData) {
    this.featureNames = data.featureNames;
  }

  /** Raw score (log-odds) of one row stored at `row[offset .. offset + cols)`. */
  predictRawRow(row: ArrayLike<number>, offset = 0): number {
    let z = this.data.initScore;
    for (const t of this.data.trees) z += treeValue(t, row, offset);
    return z;
  }

  predictRaw(X: Matrix): Float64Array {
    checkColumns(X, this.featureNames);
    const out = new Float64Array(X.rows).fill(this.data.initScore);
    // Blocks of rows, each walked by every tree in turn: the block's rows stay in cache across the trees (one tree
    // over all rows at a time streamed the whole matrix from memory once per tree). Each row still sums its trees
    // in order, so the scores are the same bit for bit.
    for (let start = 0; start < X.rows; start += PREDICT_BLOCK_ROWS) {
      const end = Math.min(X.rows, start + PREDICT_BLOCK_ROWS);
      for (const t of this.data.trees) {
        for (let i = start; i < end; i++) out[i] += treeValue(t, X.data, i * X.cols);
      }
    }
    return out;
  }

  predictProba(X: Matrix): Float64Array {
    const z = this.predictRaw(X);
    for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]);
    return z;
  }

  toJSON(): ModelJson {
    const d = this.data;
    return {
      kind: this.kind,
      featureNames: [...d.featureNames],
      initScore: d.initScore,
      bestIteration: d.bestIteration,
      binEdges: d.binEdges.map((e) => [...e]),
      trees: d.trees.map((t) => ({
        feature: [...t.feature],
        threshold: [...t.threshold],
        left: [...t.left],
        right: [...t.right],
        defaultLeft: [...t.defaultLeft],
        value: [...t.value],
        ...(t.gain === undefined ? {} : { gain: [...t.gain] }),
      })),
    };
  }

  static fromJSON(json: ModelJson): GbdtModel {
    if (json.kind !== 'gbdt') throw modelInputInvalid(`not a gbdt model: kind ${json.kind}`);
    const trees = json.trees as Record<keyof GbdtTree, number[]>[] | undefined;
    const binEdges = json.binEdges as number[][] | undefined;
    if (!Array.isArray(trees) || !Array.isArray(binEdges) || typeof json.initScore !== 'number') {
      throw modelInputInvalid('gbdt model: missing trees, binEdges or initScore');
    }
    const nFeatures = json.featureNames.length;
    const numbers = (what: string, v: unknown): void => {
      if (!Array.isArray(v)) throw modelInputInvalid(`gbdt model: ${what} is not an array`);
      const bad = v.findIndex((x) => typeof x !== 'number' || Number.isNaN(x));
      if (bad >= 0) throw modelInputInvalid(`gbdt model: ${what}[${bad}] is ${JSON.stringify(v[bad])}, not a number`);
    };
    binEdges.forEach((e, i) => numbers(`binEdges[${i}]`, e));
    trees.forEach((t, k) => {
      for (const key of ['feature', 'threshold', 'left', 'right', 'value'] as const) numbers(`tree ${k} ${key}`, t[key]);
    });
    const model = new GbdtModel({
      featureNames: [...json.featureNames],
      initScore: json.initScore,
      bestIteration: typeof json.bestIteration === 'number' ? json.bestIteration : undefined,
      binEdges: binEdges.map((e) => Float64Array.from(e)),
      trees: trees.map((t) => ({
        feature: Int32Array.from(t.feature),
        threshold: Float64Array.from(t.threshold),
        left: Int32Array.from(t.left),
        right: Int32Array.from(t.right),
        defaultLeft: Uint8Array.from(t.defaultLeft ?? t.feature.map(() => 0)),
        value: Float64Array.from(t.value),
        ...(Array.isArray(t.gain) ? { gain: Float64Array.from(t.gain) } : {}),
      })),
    });
    model.data.trees.forEach((t, k) => checkTree(t, nFeatures, k));
    return model;
  }
}

/** Rows scored together by every tree: 2,048 rows of ~20 features are ~330 KB, within a core's L2 cache. */
const PREDICT_BLOCK_ROWS = 2048;

function treeValue(t: GbdtTree, row: ArrayLike<number>, offset: number): number {
  const { feature, threshold, left, right, defaultLeft } = t;
  let node = 0;
  let f = feature[0];
  while (f >= 0) {
    const x = row[offset + f];
    node = x <= threshold[node] || (x !== x && defaultLeft[node] === 1) ? left[node] : right[node];
    f = feature[node];
  }
  return t.value[node];
}

/** Children must point forward (no cycles) and features exist, so a corrupt file fails at load, not in scoring. */
function checkTree(t: GbdtTree, nFeatures: number, k: number): void {
  const n = t.feature.length;
  if (n === 0 || t.threshold.length !== n || t.left.length !== n || t.right.length !== n || t.value.length !== n || t.defaultLeft.length !== n || (t.gain !== undefined && t.gain.length !== n)) {
    throw modelInputInvalid(`gbdt model: tree ${k} has inconsistent arrays`);
  }
  for (let i = 0; i < n; i++) {
    const f = t.feature[i];
    if (f < 0) continue;
    if (f >= nFeatures || !(t.left[i] > i && t.left[i] < n && t.right[i] > i && t.right[i] < n)) {
      throw modelInputInvalid(`gbdt model: tree ${k} node ${i} is malformed`);
    }
  }
}
