/**
 * The search's prequential fold windows and the limits that keep a search on a big window affordable: shared by
 * the search and the sampling plan, which decides before any feature is built what each fold will read.
 */
import { addDays } from '../util/dates.js';
import type { SplitWindows } from '../datasets/FeatureFrame.js';

export function foldWindows(w: SplitWindows, folds: number): SplitWindows[] {
  const out: SplitWindows[] = [];
  for (let k = 0; k < folds; k++) {
    out.push({ trainStart: addDays(w.trainStart, -(w.delayDays + w.testDays) - k * w.testDays), trainDays: w.trainDays, delayDays: w.delayDays, testDays: w.testDays });
  }
  return out;
}

/** First day the folds need, so the caller loads one frame covering folds and test. */
export function earliestDay(w: SplitWindows, folds: number): string {
  return foldWindows(w, folds).reduce((m, f) => (f.trainStart < m ? f.trainStart : m), w.trainStart);
}

/** Defaults of the search's scale handling (see ScaleOptions). */
export const DEFAULT_SCALE: ScaleOptions = { maxTrainRows: 500_000, maxValidationRows: 1_000_000, earlyStoppingRounds: 0 };

/**
 * What keeps a search on a big window affordable. Training sets above `maxTrainRows` keep every fraud and a
 * weighted sample of legitimate rows (negativeSampling.ts); validation sets above `maxValidationRows` are measured on
 * a sample of whole cards (sampleCards.ts); boosted-tree candidates stop once the fold's validation log loss has
 * not improved for `earlyStoppingRounds` rounds (0: never), and their refit takes the mean of the trees their folds kept.
 */
export interface ScaleOptions {
  maxTrainRows: number;
  maxValidationRows: number;
  earlyStoppingRounds: number;
}
