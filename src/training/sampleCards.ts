/**
 * A seeded share of the cards of a validation set, every transaction of a kept card with it. Scoring a candidate
 * costs rows × trees, so above a row cap the search measures each fold on about that many rows: a sample of whole
 * cards keeps the base rate and each card's history, so AUC and AP estimate the full set's and card precision@k
 * ranks candidates alike (it reads higher on fewer cards, the same for every candidate). Only the choice between
 * candidates rests on it; the test window is always measured whole.
 */
import type { LabeledSet } from '../datasets/FeatureFrame.js';

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
  const cols = set.X.cols;
  const n = keep.length;
  const data = new Float64Array(n * cols);
  const y = new Uint8Array(n);
  const day = new Int32Array(n);
  const customerId = new Float64Array(n);
  const transactionId = new BigInt64Array(n);
  let frauds = 0;
  for (let k = 0; k < n; k++) {
    const i = keep[k];
    data.set(set.X.data.subarray(i * cols, (i + 1) * cols), k * cols);
    y[k] = set.y[i];
    frauds += y[k];
    day[k] = set.day[i];
    customerId[k] = set.customerId[i];
    transactionId[k] = set.transactionId[i];
  }
  return { set: { X: { rows: n, cols, data, names: set.X.names }, y, day, customerId, transactionId, frauds }, cardRate: rate };
}

/** A uniform number in [0, 1) fixed by (card, seed): the same card is in or out on every row and every fold. */
export function cardUniform(customerId: number, seed: number): number {
  let h = Math.imul((customerId >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ Math.floor(customerId / 4294967296) ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ seed ^ (h >>> 16), 0x27d4eb2f);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}
