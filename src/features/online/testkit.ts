/**
 * Test-only helpers for online features: a seeded synthetic transaction stream over a fixed population, and a
 * driver that scores it with labels released exactly when the label delay lets the batch features use them.
 * Nothing in the product imports this.
 */
import { mulberry32 } from '../../util/prng.js';
import { DAY_SECONDS, type OnlineFeatures } from '../OnlineFeatures.js';

export interface LabelledTransaction {
  id: number;
  time: number;
  customerId: number;
  terminalId: number;
  amount: number;
  fraud: number;
}

export interface PopulationOptions {
  customers: number;
  terminals: number;
  days: number;
  seed: number;
  /** First day, epoch seconds at midnight UTC. */
  start?: number;
  /**
   * Stolen cards, as the fraud scenarios have them: each day about this share of customers is compromised for 14
   * days, during which a third of their transactions spend ×5 and are fraud. Default 0 (none).
   */
  stolenShare?: number;
}

/** Each customer spends 0–4 times a day at a few terminals of its own; some terminals are compromised for a while. */
export function syntheticStream(o: PopulationOptions): LabelledTransaction[] {
  const rnd = mulberry32(o.seed);
  const start = o.start ?? Date.UTC(2019, 3, 1) / 1000;
  const rate = Array.from({ length: o.customers }, () => rnd() * 4);
  const spend = Array.from({ length: o.customers }, () => 5 + rnd() * 95);
  const haunts = Array.from({ length: o.customers }, () => Array.from({ length: 5 }, () => Math.floor(rnd() * o.terminals)));
  const out: LabelledTransaction[] = [];
  const stolenUntil = new Array<number>(o.customers).fill(-1);
  const stolenRnd = mulberry32(o.seed ^ 0x5eed);
  for (let d = 0; d < o.days; d++) {
    const compromised = new Set(Array.from({ length: Math.max(1, o.terminals >> 6) }, () => Math.floor(rnd() * o.terminals)));
    if (o.stolenShare) for (let c = 0; c < o.customers; c++) if (stolenRnd() < o.stolenShare) stolenUntil[c] = d + 13;
    for (let c = 0; c < o.customers; c++) {
      const n = Math.floor(rate[c] + rnd());
      for (let i = 0; i < n; i++) {
        const terminalId = haunts[c][Math.floor(rnd() * 5)];
        let amount = Math.round(spend[c] * (0.2 + rnd() * 1.6) * 100) / 100;
        let fraud = compromised.has(terminalId) && rnd() < 0.5 ? 1 : rnd() < 0.002 ? 1 : 0;
        if (d <= stolenUntil[c] && stolenRnd() * 3 < 1) {
          amount = Math.round(amount * 500) / 100;
          fraud = 1;
        }
        out.push({ id: 0, time: start + d * DAY_SECONDS + Math.floor(rnd() * DAY_SECONDS), customerId: c + 1, terminalId, amount, fraud });
      }
    }
  }
  out.sort((a, b) => a.time - b.time);
  out.forEach((tx, i) => (tx.id = i));
  return out;
}

/**
 * Scores `txs[from..to)` in order. A transaction's label is reported at its time plus the label delay, before
 * anything at or after that time is scored: the latest moment that still equals batch, never earlier.
 * `pending` carries labels not yet due from one call to the next (and across a snapshot, by recomputing it).
 */
export function scoreWithDelayedLabels(
  features: OnlineFeatures,
  txs: readonly LabelledTransaction[],
  from: number,
  to: number,
  onScored: (i: number, values: Float64Array) => void,
): void {
  const delay = features.spec.delayDays * DAY_SECONDS;
  // Labels of transactions before `from` that were not yet due when txs[from - 1] was scored: a restarted
  // scorer re-reads them from the label source, as a stream scorer re-reads the lake.
  let next = from;
  while (next > 0 && txs[next - 1].time + delay > txs[from - 1].time) next--;
  const out = new Float64Array(features.names.length);
  for (let i = from; i < to; i++) {
    const tx = txs[i];
    while (next < i && txs[next].time + delay <= tx.time) {
      features.label(txs[next]);
      next++;
    }
    features.score(tx, out);
    onScored(i, out);
  }
}
