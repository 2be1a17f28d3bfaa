/**
 * Synthetic scored test sets for the validation tests: fraud labels at a given prevalence, a shared signal,
 * and two models that each add their own independent noise (so they are correlated, like a champion and a
 * retrained candidate), optionally with a true advantage for the candidate.
 */
import { Rng } from '../util/prng.js';

export interface ScoredPair {
  labels: Uint8Array;
  scoresA: Float64Array;
  scoresB: Float64Array;
  /** Day of each row, 0 .. days − 1. */
  day: Int32Array;
  /** Card of each row. */
  customerId: Int32Array;
}

export function scoredPair(options: {
  n: number;
  prevalence: number;
  seed: number;
  /** Separation of the shared signal between classes. */
  signal?: number;
  /** Standard deviation of each model's own noise. */
  noise?: number;
  /** Extra separation for the candidate (B); 0 for equal true performance. */
  advantage?: number;
  days?: number;
  cards?: number;
}): ScoredPair {
  const { n, prevalence, seed, signal = 1.2, noise = 0.8, advantage = 0, days = 10, cards = Math.max(1, n >> 2) } = options;
  const rng = new Rng(seed);
  const labels = new Uint8Array(n);
  const scoresA = new Float64Array(n);
  const scoresB = new Float64Array(n);
  const day = new Int32Array(n);
  const customerId = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.nextFloat() < prevalence ? 1 : 0;
    const s = y * signal + rng.nextNormal();
    labels[i] = y;
    scoresA[i] = s + noise * rng.nextNormal();
    scoresB[i] = s + y * advantage + noise * rng.nextNormal();
    day[i] = rng.nextInt(days);
    customerId[i] = rng.nextInt(cards);
  }
  return { labels, scoresA, scoresB, day, customerId };
}
