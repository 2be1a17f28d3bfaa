/**
 * What a training run reads of its date range, planned on the range's row counts before any feature is computed,
 * so the feature frame holds only those rows: the test window whole; each training set (the final fit's and every
 * fold's) whole at or under `maxTrainRows`, else its frauds and the down-sampled legitimate rows; each fold's
 * validation window whole at or under `maxValidationRows`, else its sampled cards; and every fraud of the range
 * (known-compromised cards are found from them). The rates come from the whole windows' counts, as they would
 * on a frame of every row, and the samples are the same (negativeSampling.ts, sampleCards.ts), so a run on the
 * selected frame fits and measures exactly what a run on the whole frame would, on a fraction of the memory.
 */
import { rangeCounts, windowDays, type RangeCounts, type RowSelection, type SplitWindows } from '../datasets/FeatureFrame.js';
import { negativeRange, negativeRate, type Population } from './negativeSampling.js';
import { cardRange, cardRate } from './sampleCards.js';
import { foldWindows, type ScaleOptions } from './windows.js';

export interface FoldPopulation {
  /** The fold's whole training window. */
  train: Population;
  /** Its validation rows after known-compromised cards are removed; undefined when the window is used whole. */
  validationRows?: number;
}

export interface SamplingPlan {
  /** The final fit's whole training window. */
  fit: Population;
  folds: FoldPopulation[];
}

/** The plan for `folds` folds before windows `w`, with the search's seeds (fold k samples with seed + k). */
export async function planSampling(
  counts: RangeCounts,
  w: SplitWindows,
  folds: number,
  scale: ScaleOptions,
  seed: number,
): Promise<{ plan: SamplingPlan; selection: RowSelection }> {
  const selection: RowSelection = { whole: [], rows: [], cards: [] };
  const trainWindow = (from: string, to: string, s: number): Population => {
    const population = rangeCounts(counts, from, to);
    const rate = negativeRate(population.rows, population.frauds, scale.maxTrainRows);
    if (rate >= 1) selection.whole.push({ from, to });
    else selection.rows.push(negativeRange(from, to, rate, s));
    return population;
  };
  const days = windowDays(w);
  selection.whole.push({ from: days.test[0], to: days.test[1] });
  const fit = trainWindow(days.train[0], days.train[1], seed);
  const plan: SamplingPlan = { fit, folds: [] };
  for (const [k, fw] of foldWindows(w, folds).entries()) {
    const fd = windowDays(fw);
    const train = trainWindow(fd.train[0], fd.train[1], seed + k);
    // Removing known-compromised cards only lowers the count: a window at or under the cap before it is used whole.
    let validationRows: number | undefined;
    if (rangeCounts(counts, fd.test[0], fd.test[1]).rows > scale.maxValidationRows) validationRows = await counts.testRowsKept(fw);
    const rate = validationRows === undefined ? 1 : cardRate(validationRows, scale.maxValidationRows);
    if (rate >= 1) selection.whole.push({ from: fd.test[0], to: fd.test[1] });
    else selection.cards.push(cardRange(fd.test[0], fd.test[1], rate, seed + k));
    plan.folds.push({ train, ...(validationRows === undefined ? {} : { validationRows }) });
  }
  return { plan, selection };
}
