/**
 * One candidate of the search fitted on one (possibly down-sampled, then weighted) training set: the step the
 * search's folds, the final refit and the search's worker threads share, so every path fits the same model.
 */
import type { BinnedDataset } from '../models/gbdt/binDataset.js';
import { GbdtClassifier } from '../models/gbdt/GbdtClassifier.js';
import type { GbdtParams } from '../models/gbdt/GbdtParams.js';
import { LogisticRegression, type LogRegParams } from '../models/logreg/LogisticRegression.js';
import type { Model } from '../models/Classifier.js';
import type { LabeledSet } from '../datasets/FeatureFrame.js';
import type { NegativeSample } from './negativeSampling.js';

export type ModelKind = 'gbdt' | 'logreg';

export interface Candidate {
  kind: ModelKind;
  params: Record<string, number>;
}

/** One training set binned per binning parameters, so GBDT candidates sharing them bin it once (same models). */
export type BinnedCache = Map<string, BinnedDataset>;

export interface FitOptions {
  signal?: AbortSignal;
  binned?: BinnedCache;
  /** Boosted trees: stop adding trees once this set's log loss has not improved for `earlyStoppingRounds` rounds. */
  validation?: Pick<LabeledSet, 'X' | 'y'>;
  earlyStoppingRounds?: number;
  /** Boosted trees: this many trees instead of the candidate's nEstimators (the count its folds chose). */
  nEstimators?: number;
  /** Boosted trees: histogram threads (default: the cores available). The model is the same for any count. */
  threads?: number;
}

export async function fitCandidate(c: Candidate, train: NegativeSample, seed: number, o: FitOptions = {}): Promise<Model> {
  const sampleWeight = train.weight;
  const set = train.set;
  if (c.kind === 'logreg') return new LogisticRegression(c.params as LogRegParams).fit(set.X, set.y, { signal: o.signal, sampleWeight });
  const stopOn = (o.earlyStoppingRounds ?? 0) > 0 ? o.validation : undefined;
  const params: GbdtParams = {
    ...c.params,
    ...(o.nEstimators === undefined ? {} : { nEstimators: o.nEstimators }),
    ...(stopOn === undefined ? {} : { earlyStoppingRounds: o.earlyStoppingRounds }),
    ...(o.threads === undefined ? {} : { threads: o.threads }),
    seed,
  };
  const fit = { signal: o.signal, sampleWeight, ...(stopOn === undefined ? {} : { validation: { X: stopOn.X, y: stopOn.y } }) };
  const gbdt = new GbdtClassifier(params);
  if (o.binned === undefined) return gbdt.fit(set.X, set.y, fit);
  const key = `${params.maxBins ?? 'default'}/${params.binSampleSize ?? 'default'}`;
  let data = o.binned.get(key);
  if (data === undefined) {
    data = gbdt.bin(set.X);
    o.binned.set(key, data);
  }
  return gbdt.fitBinned(data, set.y, fit);
}
