/**
 * Negative down-sampling for training at scale: fraud is under 1% of transactions, so beyond a few hundred
 * thousand rows the legitimate majority adds fit time far faster than information. A training set above a row cap
 * keeps every fraud and each legitimate row with one probability (seeded, so a seed fixes the sample), and the kept
 * legitimate rows weigh 1 / that probability. The weights keep sums of gradients unbiased, so the fitted model's
 * scores stay calibrated to the full data's base rate (He et al., 2014, "Practical lessons from predicting clicks
 * on ads at Facebook", correct the same bias afterwards; weighting does it inside the fit), and thresholds chosen
 * on the sample carry over. A set at or under the cap is returned as it is, unweighted.
 */
import { selectRows, type LabeledSet } from '../datasets/FeatureFrame.js';
import { mulberry32 } from '../util/prng.js';

export interface NegativeSample {
  set: LabeledSet;
  /** Per-row weights of `set` (1 for frauds, 1 / negativeRate for legitimate rows); undefined when not sampled. */
  weight?: Float64Array;
  /** Probability each legitimate row was kept with (1: not sampled). */
  negativeRate: number;
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

/** Every fraud of `set` and a seeded `negativeRate` share of its legitimate rows, weighted (see the module comment). */
export function downsampleNegatives(set: LabeledSet, maxRows: number, seed: number): NegativeSample {
  const rate = negativeRate(set.X.rows, set.frauds, maxRows);
  if (rate >= 1) return { set, negativeRate: 1 };
  const rand = mulberry32(seed ^ 0x5eed_0001);
  const keep: number[] = [];
  for (let i = 0; i < set.X.rows; i++) if (set.y[i] === 1 || rand() < rate) keep.push(i);
  const sample = selectRows(set, keep);
  const weight = new Float64Array(keep.length);
  for (let k = 0; k < keep.length; k++) weight[k] = sample.y[k] === 1 ? 1 : 1 / rate;
  return { set: sample, weight, negativeRate: rate };
}
