/**
 * A seeded share of the cards of a validation set, every transaction of a kept card with it. Scoring a candidate
 * costs rows × trees, so above a row cap the search measures each fold on about that many rows: a sample of whole
 * cards keeps the base rate and each card's history, so AUC and AP estimate the full set's and card precision@k
 * ranks candidates alike (it reads higher on fewer cards, the same for every candidate). Only the choice between
 * candidates rests on it; the test window is always measured whole.
 *
 * A card is kept when the seeded hash of its id falls under the rate (sampleHash.ts), a decision the feature query
 * makes the same way (`cardRange`), so a frame loaded with only those cards gives the same sample.
 */
import { selectRows, type LabeledSet, type SampledRange } from '../datasets/FeatureFrame.js';
import { SAMPLE_HASH_MODULUS, sampleHasher, sampleThreshold } from '../engine/sampleHash.js';

export interface CardSample {
  set: LabeledSet;
  /** Share of cards kept (1: the set as it is). */
  cardRate: number;
}

/** The share of cards kept from a validation set of `rows` rows (1 at or under the cap). */
export function cardRate(rows: number, maxRows: number): number {
  return rows <= maxRows ? 1 : maxRows / rows;
}

/**
 * About `maxRows` rows of whole cards. `populationRows`: the whole validation set's rows when `set` holds only part
 * of it (a selected frame); default the set's own.
 */
export function sampleCards(set: LabeledSet, maxRows: number, seed: number, populationRows: number = set.X.rows): CardSample {
  const rate = cardRate(populationRows, maxRows);
  if (rate >= 1) return { set, cardRate: 1 };
  const hash = sampleHasher(cardSeed(seed));
  const threshold = sampleThreshold(rate);
  const keep: number[] = [];
  const kept = new Map<number, boolean>();
  for (let i = 0; i < set.X.rows; i++) {
    const card = set.customerId[i];
    let k = kept.get(card);
    if (k === undefined) kept.set(card, (k = hash(card) < threshold));
    if (k) keep.push(i);
  }
  return { set: selectRows(set, keep), cardRate: rate };
}

/** The cards a sample of days `from`..`to` keeps, for the feature query (FeatureFrame RowSelection). */
export function cardRange(from: string, to: string, rate: number, seed: number): SampledRange {
  return { from, to, seed: cardSeed(seed), threshold: sampleThreshold(rate) };
}

/** A uniform number in [0, 1) fixed by (card, seed): the same card is in or out on every row and every fold. */
export function cardUniform(customerId: number, seed: number): number {
  return sampleHasher(cardSeed(seed))(customerId) / SAMPLE_HASH_MODULUS;
}

function cardSeed(seed: number): number {
  return (seed ^ 0xca4d_0002) >>> 0;
}
