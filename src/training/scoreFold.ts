/**
 * One trial of the search on one prequential fold: fit the candidate on the fold's training set, score its
 * validation set, measure. The search runs it in process or in its worker threads (SearchPool.ts); both give the
 * same metrics, bit for bit.
 */
import type { LabeledSet } from '../datasets/FeatureFrame.js';
import { evaluate, type Metrics } from '../datasets/evaluate.js';
import type { GbdtModel } from '../models/gbdt/GbdtModel.js';
import { predictProbaInBlocks } from '../models/predictInBlocks.js';
import { fitCandidate, type BinnedCache, type Candidate } from './fitCandidate.js';
import type { NegativeSample } from './negativeSampling.js';

/** A fold's sets as the search cut them: the (down-sampled, weighted) training set and the scored validation set. */
export interface FoldSets {
  train: NegativeSample;
  validation: LabeledSet;
}

export interface FoldScore {
  metrics: Metrics;
  /** Trees early stopping kept (boosted trees with early stopping only). */
  trees?: number;
}

export interface ScoreFoldOptions {
  earlyStoppingRounds: number;
  binned?: BinnedCache;
  threads?: number;
  signal?: AbortSignal;
}

export async function scoreFold(c: Candidate, fold: FoldSets, seed: number, o: ScoreFoldOptions): Promise<FoldScore> {
  const stopping = c.kind === 'gbdt' && o.earlyStoppingRounds > 0;
  const model = await fitCandidate(c, fold.train, seed, {
    signal: o.signal,
    binned: o.binned,
    threads: o.threads,
    ...(stopping ? { validation: fold.validation, earlyStoppingRounds: o.earlyStoppingRounds } : {}),
  });
  const metrics = evaluate(fold.validation, await predictProbaInBlocks(model, fold.validation.X, o.signal));
  return stopping ? { metrics, trees: (model as GbdtModel).data.trees.length } : { metrics };
}
