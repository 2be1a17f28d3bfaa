/**
 * Card precision top-k, the daily alert-budget metric of the Fraud Detection Handbook (`card_precision_top_k`):
 * investigators check k cards a day, so each day the transactions are grouped per card (max score, max label),
 * the k cards with the highest scores are "alerted", and the day's precision is the number of compromised
 * cards among them divided by k. Cards found compromised on an earlier day are blocked, so their later
 * transactions are removed. The result is the mean over the days, in day order.
 *
 * Order conventions the Handbook leaves to pandas: numeric days sort numerically and string days by code
 * unit (ISO dates sort in time order); cards with equal max score are ranked by customer id ascending.
 */
import { checkBinaryInputs, metricInputInvalid, metricUndefined } from './inputs.js';

export type Key = string | number;

/** One test set in columns: row i is one transaction. */
export interface CardTransactions {
  day: ArrayLike<Key>;
  customerId: ArrayLike<Key>;
  label: Uint8Array;
  score: Float64Array;
}

export interface CardTransaction {
  day: Key;
  customerId: Key;
  label: number;
  score: number;
}

export interface CardPrecisionAtK {
  /** Mean of `perDay`. */
  mean: number;
  /** The test days, in the order used. */
  days: Key[];
  /** Precision among the top k cards of each day. */
  perDay: Float64Array;
  /** Compromised cards still undetected each day (the best a day can reach is min(that, k) / k). */
  compromisedPerDay: Uint32Array;
}

/** Columns from transaction objects. */
export function toCardTransactions(rows: readonly CardTransaction[]): CardTransactions {
  const n = rows.length;
  const out: CardTransactions = {
    day: new Array<Key>(n),
    customerId: new Array<Key>(n),
    label: new Uint8Array(n),
    score: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    (out.day as Key[])[i] = r.day;
    (out.customerId as Key[])[i] = r.customerId;
    if (r.label !== 0 && r.label !== 1) throw metricInputInvalid('cardPrecisionAtK', `label ${r.label} is not 0 or 1`, i);
    out.label[i] = r.label;
    out.score[i] = r.score;
  }
  return out;
}

/**
 * Card precision top-k per the Fraud Detection Handbook. O(n log n).
 *
 * @example
 * const r = cardPrecisionAtK(toCardTransactions(rows), 100);
 * r.mean; r.perDay;
 * @throws FraudopsError METRIC_UNDEFINED for an empty test set, METRIC_INPUT_INVALID for bad input or k.
 */
export function cardPrecisionAtK(tx: CardTransactions, k: number): CardPrecisionAtK {
  const metric = 'cardPrecisionAtK';
  const n = tx.label.length;
  if (tx.day.length !== n || tx.customerId.length !== n) {
    throw metricInputInvalid(metric, 'day, customerId, label and score differ in length');
  }
  checkBinaryInputs(metric, tx.label, tx.score);
  if (!Number.isInteger(k) || k < 1) throw metricInputInvalid(metric, `k must be a positive integer, got ${k}`);
  if (n === 0) throw metricUndefined(metric, 'no transactions');

  const rowsByDay = new Map<Key, number[]>();
  for (let i = 0; i < n; i++) {
    const d = tx.day[i];
    let list = rowsByDay.get(d);
    if (list === undefined) rowsByDay.set(d, (list = []));
    list.push(i);
  }
  const days = [...rowsByDay.keys()].sort(keyOrder(metric, 'day'));
  const compareIds = keyOrder(metric, 'customerId');

  const detected = new Set<Key>();
  const perDay = new Float64Array(days.length);
  const compromisedPerDay = new Uint32Array(days.length);
  days.forEach((day, d) => {
    const cards = new Map<Key, { score: number; label: number }>();
    for (const i of rowsByDay.get(day)!) {
      const id = tx.customerId[i];
      if (detected.has(id)) continue;
      const card = cards.get(id);
      if (card === undefined) cards.set(id, { score: tx.score[i], label: tx.label[i] });
      else {
        if (tx.score[i] > card.score) card.score = tx.score[i];
        if (tx.label[i] > card.label) card.label = tx.label[i];
      }
    }
    const ranked = [...cards].sort((a, b) => b[1].score - a[1].score || compareIds(a[0], b[0]));
    let compromised = 0;
    for (const [, card] of cards) compromised += card.label;
    let found = 0;
    for (let r = 0; r < Math.min(k, ranked.length); r++) {
      if (ranked[r][1].label === 1) {
        found++;
        detected.add(ranked[r][0]);
      }
    }
    perDay[d] = found / k;
    compromisedPerDay[d] = compromised;
  });
  let sum = 0;
  for (const p of perDay) sum += p;
  return { mean: sum / days.length, days, perDay, compromisedPerDay };
}

/** Numbers numerically, strings by code unit; a column mixing both has no natural order. */
function keyOrder(metric: string, field: string): (a: Key, b: Key) => number {
  let kind: string | undefined;
  return (a, b) => {
    const ka = typeof a;
    if (kind === undefined) kind = ka;
    if (ka !== kind || typeof b !== kind) {
      throw metricInputInvalid(metric, `${field} mixes numbers and strings`);
    }
    if (ka === 'number') return (a as number) - (b as number);
    return a < b ? -1 : a > b ? 1 : 0;
  };
}
