/**
 * Negative down-sampling for training at scale: fraud is under 1% of transactions, so beyond a few hundred
 * thousand rows the legitimate majority adds fit time far faster than information. A training set above a row cap
 * keeps every fraud and each legitimate row with one probability (seeded, so a seed fixes the sample), and the kept
 * legitimate rows weigh 1 / that probability. The weights keep sums of gradients unbiased, so the fitted model's
 * scores stay calibrated to the full data's base rate (He et al., 2014, "Practical lessons from predicting clicks
 * on ads at Facebook", correct the same bias afterwards; weighting does it inside the fit), and thresholds chosen
 * on the sample carry over. A set at or under the cap is returned as it is, unweighted.
 *
 * A legitimate row is kept when the seeded hash of its transaction id falls under the rate (sampleHash.ts), a
 * decision the feature query makes the same way (`negativeRange`), so a frame loaded with only those rows gives
 * the same sample as the whole window would. The rate is set from the whole window's counts (`population`).
 */
import { selectRows, type LabeledSet, type SampledRange } from '../datasets/FeatureFrame.js';
import { sampleHasher, sampleThreshold } from '../engine/sampleHash.js';
import { isShared, newArray } from '../util/sharedMemory.js';

export interface NegativeSample {
  set: LabeledSet;
  /** Per-row weights of `set` (1 for frauds, 1 / negativeRate for legitimate rows); undefined when not sampled. */
  weight?: Float64Array;
  /** Probability each legitimate row was kept with (1: not sampled). */
  negativeRate: number;
}

/** Rows and frauds of a whole window, when a set holds only some of its rows. */
export interface Population {
  rows: number;
  frauds: number;
}

/**
 * The probability a legitimate row is kept with so that a set of `rows` rows holding `positives` frauds comes to about
 * `maxRows` rows, all frauds kept: 1 at or under the cap. Never under positives / negatives, so the sample keeps at
 * least as many legitimate rows as frauds even when the frauds alone fill the cap.
 */
export function negativeRate(rows: number, positives: number, maxRows: number): number {
  const negatives = rows - positives;
  if (rows <= maxRows || negatives <= 0) return 1;
  const rate = Math.max(maxRows - positives, positives) / negatives;
  return Math.min(1, rate);
}

/** The hash seed of the negative sample drawn with `seed` (apart from the card sample's). */
function negativeSeed(seed: number): number {
  return (seed ^ 0x5eed_0001) >>> 0;
}

/** The rows a down-sampling of days `from`..`to` keeps besides frauds, for the feature query (FeatureFrame RowSelection). */
export function negativeRange(from: string, to: string, rate: number, seed: number): SampledRange {
  return { from, to, seed: negativeSeed(seed), threshold: sampleThreshold(rate) };
}

/**
 * Every fraud of `set` and a seeded `negativeRate` share of its legitimate rows, weighted (see the module comment).
 * `population`: the whole window's counts when `set` holds only part of it (a selected frame); default the set's own.
 */
export function downsampleNegatives(set: LabeledSet, maxRows: number, seed: number, population: Population = { rows: set.X.rows, frauds: set.frauds }): NegativeSample {
  const rate = negativeRate(population.rows, population.frauds, maxRows);
  if (rate >= 1) return { set, negativeRate: 1 };
  const hash = sampleHasher(negativeSeed(seed));
  const threshold = sampleThreshold(rate);
  const keep: number[] = [];
  for (let i = 0; i < set.X.rows; i++) if (set.y[i] === 1 || hash(set.transactionId[i]) < threshold) keep.push(i);
  const sample = selectRows(set, keep);
  const weight = newArray(Float64Array, keep.length, isShared(sample.X.data));
  for (let k = 0; k < keep.length; k++) weight[k] = sample.y[k] === 1 ? 1 : 1 / rate;
  return { set: sample, weight, negativeRate: rate };
}
