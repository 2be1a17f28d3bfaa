/**
 * A seeded share of the cards of a validation set, every transaction of a kept card with it. Scoring a candidate
 * costs rows × trees, so above a row cap the search measures each fold on about that many rows: a sample of whole
 * cards keeps the base rate and each card's history, so AUC and AP estimate the full set's and card precision@k
 * ranks candidates alike (it reads higher on fewer cards, the same for every candidate). Only the choice between
 * candidates rests on it; the test window is always measured whole.
 */
import { selectRows, type LabeledSet } from '../datasets/FeatureFrame.js';

export interface CardSample {
  set: LabeledSet;
  /** Share of cards kept (1: the set as it is). */
  cardRate: number;
}

export function sampleCards(set: LabeledSet, maxRows: number, seed: number): CardSample {
  if (set.X.rows <= maxRows) return { set, cardRate: 1 };
  const rate = maxRows / set.X.rows;
  const keep: number[] = [];
  for (let i = 0; i < set.X.rows; i++) if (cardUniform(set.customerId[i], seed) < rate) keep.push(i);
  return { set: selectRows(set, keep), cardRate: rate };
}

/** A uniform number in [0, 1) fixed by (card, seed): the same card is in or out on every row and every fold. */
export function cardUniform(customerId: number, seed: number): number {
  let h = Math.imul((customerId >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ Math.floor(customerId / 4294967296) ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ seed ^ (h >>> 16), 0x27d4eb2f);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}
