/**
 * Hyperparameters of the boosted trees, with LightGBM's names in the comments and its defaults where
 * they exist, so settings carry over from experiments done with LightGBM.
 */
import { availableParallelism } from 'node:os';
import { modelParamInvalid } from '../inputs.js';

export interface GbdtParams {
  /** Boosting rounds (num_iterations). Default 100. */
  nEstimators?: number;
  /** Shrinkage applied to each tree's leaf values. Default 0.1. */
  learningRate?: number;
  /** Leaves per tree, grown best-first (num_leaves). Default 31, or 2^maxDepth when only maxDepth is set. */
  numLeaves?: number;
  /** Depth limit; ≤ 0 means none (max_depth). Default −1. */
  maxDepth?: number;
  /** Minimum hessian sum in a leaf (min_sum_hessian_in_leaf). Default 1e-3. */
  minChildWeight?: number;
  /**
   * Minimum rows in a leaf (min_data_in_leaf), counted as LightGBM counts them: a split side's rows are estimated
   * from its share of the leaf's hessian, so a side of rows the model is already sure of (tiny hessians) counts
   * for less than its size. Default 20.
   */
  minDataInLeaf?: number;
  /** L2 penalty on leaf values (lambda_l2). Default 0. */
  lambdaL2?: number;
  /** A split must gain more than this (min_gain_to_split). Default 0. */
  minSplitGain?: number;
  /** Fraction of rows drawn (without replacement) for each tree (bagging_fraction, bagging_freq = 1). Default 1. */
  rowSubsample?: number;
  /**
   * Gradient-based one-side sampling (data_sample_strategy = goss, Ke et al. 2017): each tree is grown on
   * the rows with the largest |gradient| (this fraction of them, top_rate) plus a random gossOtherRate of all
   * rows drawn from the rest, whose gradients and hessians are scaled up by (1 − gossTopRate) / gossOtherRate
   * so that the sums stay unbiased. Fewer rows per tree, so faster; the first 1/learningRate trees use every
   * row. 0 (the default) turns it off. Not combinable with rowSubsample < 1.
   */
  gossTopRate?: number;
  /** See gossTopRate (other_rate). Default 0.1. */
  gossOtherRate?: number;
  /** Fraction of features drawn for each tree (feature_fraction). Default 1. */
  colSubsample?: number;
  /** At most this many bins per feature, ≤ 255 (max_bin). Default 255. */
  maxBins?: number;
  /** Rows sampled to place bin edges (bin_construct_sample_cnt). Default 200000. */
  binSampleSize?: number;
  /** Weight multiplier for positive rows (scale_pos_weight). Default 1. */
  scalePosWeight?: number;
  /** Stop when validation log loss has not improved for this many rounds; 0 disables. Default 0. */
  earlyStoppingRounds?: number;
  /** Seed of bagging and feature sampling. Default 0. */
  seed?: number;
  /** Threads for histogram building, the main thread included. Default os.availableParallelism(). */
  threads?: number;
  /**
   * Histogram jobs smaller than this many row × feature cells run on one thread; larger ones run on all threads
   * or one, whichever has cost less per cell in this fit so far (on a busy machine, one). Default 262144.
   */
  minParallelCells?: number;
}

export type ResolvedGbdtParams = Required<GbdtParams>;

export function resolveGbdtParams(p: GbdtParams): ResolvedGbdtParams {
  const maxDepth = p.maxDepth ?? -1;
  const r: ResolvedGbdtParams = {
    nEstimators: p.nEstimators ?? 100,
    learningRate: p.learningRate ?? 0.1,
    numLeaves: p.numLeaves ?? (maxDepth > 0 ? 2 ** Math.min(maxDepth, 16) : 31),
    maxDepth,
    minChildWeight: p.minChildWeight ?? 1e-3,
    minDataInLeaf: p.minDataInLeaf ?? 20,
    lambdaL2: p.lambdaL2 ?? 0,
    minSplitGain: p.minSplitGain ?? 0,
    rowSubsample: p.rowSubsample ?? 1,
    colSubsample: p.colSubsample ?? 1,
    gossTopRate: p.gossTopRate ?? 0,
    gossOtherRate: p.gossOtherRate ?? 0.1,
    maxBins: p.maxBins ?? 255,
    binSampleSize: p.binSampleSize ?? 200_000,
    scalePosWeight: p.scalePosWeight ?? 1,
    earlyStoppingRounds: p.earlyStoppingRounds ?? 0,
    seed: p.seed ?? 0,
    threads: p.threads ?? availableParallelism(),
    minParallelCells: p.minParallelCells ?? 262_144,
  };
  const int = (k: keyof ResolvedGbdtParams, min: number): void => {
    if (!Number.isInteger(r[k]) || r[k] < min) throw modelParamInvalid(k, `must be an integer ≥ ${min}, got ${r[k]}`);
  };
  const frac = (k: keyof ResolvedGbdtParams): void => {
    if (!(r[k] > 0 && r[k] <= 1)) throw modelParamInvalid(k, `must be in (0, 1], got ${r[k]}`);
  };
  const nonNeg = (k: keyof ResolvedGbdtParams): void => {
    if (!(r[k] >= 0 && Number.isFinite(r[k]))) throw modelParamInvalid(k, `must be a finite number ≥ 0, got ${r[k]}`);
  };
  int('nEstimators', 1);
  int('numLeaves', 2);
  int('minDataInLeaf', 1);
  int('maxBins', 2);
  if (r.maxBins > 255) throw modelParamInvalid('maxBins', 'must be ≤ 255 (one byte per bin, NaN included)');
  int('binSampleSize', 1);
  int('earlyStoppingRounds', 0);
  int('threads', 1);
  int('minParallelCells', 0);
  if (!Number.isInteger(r.maxDepth)) throw modelParamInvalid('maxDepth', 'must be an integer');
  if (!Number.isInteger(r.seed)) throw modelParamInvalid('seed', 'must be an integer');
  if (!(r.learningRate > 0 && Number.isFinite(r.learningRate))) throw modelParamInvalid('learningRate', 'must be positive');
  if (!(r.scalePosWeight > 0 && Number.isFinite(r.scalePosWeight))) throw modelParamInvalid('scalePosWeight', 'must be positive');
  frac('rowSubsample');
  frac('colSubsample');
  frac('gossOtherRate');
  if (!(r.gossTopRate >= 0 && r.gossTopRate < 1)) throw modelParamInvalid('gossTopRate', `must be in [0, 1), got ${r.gossTopRate}`);
  if (r.gossTopRate > 0 && r.gossTopRate + r.gossOtherRate > 1) {
    throw modelParamInvalid('gossOtherRate', `gossTopRate + gossOtherRate must be at most 1, got ${r.gossTopRate + r.gossOtherRate}`);
  }
  if (r.gossTopRate > 0 && r.rowSubsample < 1) throw modelParamInvalid('gossTopRate', 'cannot be combined with rowSubsample < 1');
  nonNeg('minChildWeight');
  nonNeg('lambdaL2');
  nonNeg('minSplitGain');
  return r;
}
