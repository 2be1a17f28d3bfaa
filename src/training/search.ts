/**
 * Hyperparameter search with prequential (rolling) validation, as in the Fraud Detection Handbook, chapter 5.
 * Fold k trains on a window that ends k·V days earlier than the first fold's, so every validation window lies
 * before the real training window ends and no test-period data is ever used to choose parameters: fold k's
 * training window starts at trainStart − (delay + V) − k·V, then the same train/delay/validation lengths follow.
 */
import { FraudopsError } from '../errors.js';
import type { BinnedDataset } from '../models/gbdt/binDataset.js';
import { averageGbdtModels } from '../models/gbdt/averageModels.js';
import { GbdtClassifier } from '../models/gbdt/GbdtClassifier.js';
import type { GbdtModel } from '../models/gbdt/GbdtModel.js';
import type { GbdtParams } from '../models/gbdt/GbdtParams.js';
import { LogisticRegression, type LogRegParams } from '../models/logreg/LogisticRegression.js';
import type { Model } from '../models/Classifier.js';
import { predictProbaInBlocks } from '../models/predictInBlocks.js';
import { checkpoint } from '../util/checkpoint.js';
import { mulberry32 } from '../util/prng.js';
import { splitFrame, type FeatureFrame, type LabeledSet, type SplitWindows } from '../datasets/FeatureFrame.js';
import { evaluate, type MetricName, type Metrics } from '../datasets/evaluate.js';
import { downsampleNegatives, type NegativeSample } from './negativeSampling.js';
import { sampleCards } from './sampleCards.js';
import type { SamplingPlan } from './samplingPlan.js';
import { DEFAULT_SCALE, foldWindows, type ScaleOptions } from './windows.js';

export { DEFAULT_SCALE, earliestDay, foldWindows, type ScaleOptions } from './windows.js';

export type ModelKind = 'gbdt' | 'logreg';
export type SearchMode = 'grid' | 'random';

export interface Candidate {
  kind: ModelKind;
  params: Record<string, number>;
}

const GBDT_GRID: Record<string, number[]> = {
  numLeaves: [7, 15, 31],
  learningRate: [0.03, 0.1],
  nEstimators: [200, 400],
  minDataInLeaf: [20, 100, 200],
  lambdaL2: [0, 5],
  colSubsample: [0.8],
};
const LOGREG_GRID: Record<string, number[]> = { C: [0.01, 0.1, 1, 10, 100] };

function cartesian(grid: Record<string, number[]>): Record<string, number>[] {
  let out: Record<string, number>[] = [{}];
  for (const [k, values] of Object.entries(grid)) out = out.flatMap((p) => values.map((v) => ({ ...p, [k]: v })));
  return out;
}

function randomGbdt(r: () => number): Record<string, number> {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  // Fraud labels are rare (under 1%): small, well-regularised trees generalise best across weeks.
  return {
    numLeaves: pick([7, 15, 31, 63]),
    learningRate: Number((0.02 + r() * 0.08).toFixed(3)),
    nEstimators: pick([150, 300, 500]),
    minDataInLeaf: pick([20, 50, 100, 200]),
    lambdaL2: pick([0, 1, 5, 10]),
    colSubsample: pick([0.7, 0.85, 1]),
    rowSubsample: pick([0.8, 1]),
  };
}

/** The candidates of a search, and what was tried of what was asked. */
export interface SearchPlan {
  candidates: Candidate[];
  /** Candidates per model family: logistic regression always tries its whole C grid; GBDT tries `trials`. */
  perKind: Partial<Record<ModelKind, number>>;
  /** Set when fewer GBDT candidates exist than `trials` asked for (a grid smaller than the budget). */
  gbdtGridSize?: number;
}

export function searchPlan(kinds: ModelKind[], mode: SearchMode, trials: number, seed: number): SearchPlan {
  const out: Candidate[] = [];
  const perKind: Partial<Record<ModelKind, number>> = {};
  let gbdtGridSize: number | undefined;
  for (const kind of kinds) {
    const before = out.length;
    if (kind === 'logreg') {
      out.push(...cartesian(LOGREG_GRID).map((params) => ({ kind, params })));
    } else if (mode === 'grid') {
      const all = cartesian(GBDT_GRID);
      if (all.length < trials) gbdtGridSize = all.length;
      // A grid larger than the trial budget is thinned evenly, keeping the search's cost predictable.
      const n = Math.min(trials, all.length);
      for (let i = 0; i < n; i++) out.push({ kind, params: all[Math.floor((i * all.length) / n)] });
    } else {
      const r = mulberry32(seed);
      for (let i = 0; i < trials; i++) out.push({ kind, params: randomGbdt(r) });
    }
    perKind[kind] = out.length - before;
  }
  return { candidates: out, perKind, ...(gbdtGridSize === undefined ? {} : { gbdtGridSize }) };
}

export function candidates(kinds: ModelKind[], mode: SearchMode, trials: number, seed: number): Candidate[] {
  return searchPlan(kinds, mode, trials, seed).candidates;
}

/** One training set binned per binning parameters, so GBDT candidates sharing them bin it once (same models). */
export type BinnedCache = Map<string, BinnedDataset>;

export interface FitOptions {
  signal?: AbortSignal;
  binned?: BinnedCache;
  /** Boosted trees: stop adding trees once this set's log loss has not improved for `earlyStoppingRounds` rounds. */
  validation?: LabeledSet;
  earlyStoppingRounds?: number;
  /** Boosted trees: this many trees instead of the candidate's nEstimators (the count its folds chose). */
  nEstimators?: number;
}

/** Fits one candidate on a (possibly down-sampled, then weighted) training set. */
export async function fitCandidate(c: Candidate, train: NegativeSample, seed: number, o: FitOptions = {}): Promise<Model> {
  const sampleWeight = train.weight;
  const set = train.set;
  if (c.kind === 'logreg') return new LogisticRegression(c.params as LogRegParams).fit(set.X, set.y, { signal: o.signal, sampleWeight });
  const stopOn = (o.earlyStoppingRounds ?? 0) > 0 ? o.validation : undefined;
  const params: GbdtParams = {
    ...c.params,
    ...(o.nEstimators === undefined ? {} : { nEstimators: o.nEstimators }),
    ...(stopOn === undefined ? {} : { earlyStoppingRounds: o.earlyStoppingRounds }),
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

export interface TrialResult {
  index: number;
  candidate: Candidate;
  /** Mean validation metric over folds (the search objective). */
  score: number;
  folds: Metrics[];
  /** Trees each fold's early stopping kept (boosted trees with early stopping only). */
  trees?: number[];
}

/** How one fold's sets were cut down for the search (rates of 1: used whole). */
export interface FoldSampling {
  trainRows: number;
  /** Rows fitted on after negative down-sampling. */
  fitRows: number;
  negativeRate: number;
  validationRows: number;
  /** Rows each candidate was measured on (a sample of whole cards above maxValidationRows). */
  scoredRows: number;
  cardRate: number;
}

export interface SearchResult {
  metric: MetricName;
  trials: TrialResult[];
  best: TrialResult;
  sampling: FoldSampling[];
}

export async function prequentialSearch(
  frame: FeatureFrame,
  w: SplitWindows,
  cands: Candidate[],
  o: {
    folds: number;
    metric: MetricName;
    seed: number;
    scale?: ScaleOptions;
    /**
     * Wall-clock budget of the search in milliseconds: no candidate starts once it is spent (the first always
     * runs), so the count tried depends on the machine. Without it every candidate is tried.
     */
    budgetMs?: number;
    /**
     * The whole windows' counts when `frame` holds only the rows a plan selected (samplingPlan.ts, made with the
     * same folds, scale and seed); required for such a frame.
     */
    plan?: SamplingPlan;
    signal?: AbortSignal;
    onTrial?: (t: TrialResult, total: number) => void;
  },
): Promise<SearchResult> {
  const started = performance.now();
  const scale = o.scale ?? DEFAULT_SCALE;
  if (frame.selected && o.plan?.folds.length !== o.folds) throw new Error('a search on a selected frame needs the sampling plan it was loaded with');
  // Each fold's full sets are dropped once sampled, so a big window holds one fold's copy at a time. Cutting a fold
  // out of a big frame takes a while: a stop signal gets its chance between folds.
  const check = checkpoint(o.signal);
  const splits: { train: NegativeSample; validation: LabeledSet; sampling: FoldSampling }[] = [];
  for (const [k, fw] of foldWindows(w, o.folds).entries()) {
    await check();
    const s = splitFrame(frame, fw);
    const population = o.plan?.folds[k];
    const validationRows = population?.validationRows ?? s.test.X.rows;
    const train = downsampleNegatives(s.train, scale.maxTrainRows, o.seed + k, population?.train);
    const validation = sampleCards(s.test, scale.maxValidationRows, o.seed + k, validationRows);
    const sampling: FoldSampling = {
      trainRows: population?.train.rows ?? s.train.X.rows,
      fitRows: train.set.X.rows,
      negativeRate: train.negativeRate,
      validationRows,
      scoredRows: validation.set.X.rows,
      cardRate: validation.cardRate,
    };
    splits.push({ train, validation: validation.set, sampling });
  }
  const binned = splits.map((): BinnedCache => new Map());
  const trials: TrialResult[] = [];
  for (let i = 0; i < cands.length; i++) {
    o.signal?.throwIfAborted();
    if (i > 0 && o.budgetMs !== undefined && performance.now() - started >= o.budgetMs) break;
    const foldMetrics: Metrics[] = [];
    const trees: number[] = [];
    const stopping = cands[i].kind === 'gbdt' && scale.earlyStoppingRounds > 0;
    for (const [k, s] of splits.entries()) {
      const model = await fitCandidate(cands[i], s.train, o.seed, {
        signal: o.signal,
        binned: binned[k],
        ...(stopping ? { validation: s.validation, earlyStoppingRounds: scale.earlyStoppingRounds } : {}),
      });
      if (stopping) trees.push((model as GbdtModel).data.trees.length);
      foldMetrics.push(evaluate(s.validation, await predictProbaInBlocks(model, s.validation.X, o.signal)));
    }
    const score = foldMetrics.reduce((a, m) => a + m[o.metric], 0) / foldMetrics.length;
    const t: TrialResult = { index: i, candidate: cands[i], score, folds: foldMetrics, ...(stopping ? { trees } : {}) };
    trials.push(t);
    o.onTrial?.(t, cands.length);
  }
  if (trials.length === 0) throw new FraudopsError('SEARCH_EMPTY', 'no candidate to search');
  // Highest mean score; ties go to the earlier (simpler-listed) candidate.
  const best = trials.reduce((b, t) => (t.score > b.score ? t : b));
  return { metric: o.metric, trials, best, sampling: splits.map((s) => s.sampling) };
}

/** The trees a trial's refit grows: the mean of what its folds' early stopping kept, else its nEstimators. */
export function refitTrees(t: TrialResult): number | undefined {
  if (t.trees === undefined || t.trees.length === 0) return undefined;
  return Math.max(1, Math.round(t.trees.reduce((a, b) => a + b, 0) / t.trees.length));
}

/**
 * The search's best `k` boosted-tree candidates (highest mean validation score first, ties to the earlier one), the
 * best candidate first. Logistic regression is never averaged: with a logistic regression best, it alone is kept.
 */
export function ensembleMembers(search: SearchResult, k: number): TrialResult[] {
  if (search.best.candidate.kind !== 'gbdt' || k <= 1) return [search.best];
  const ranked = search.trials
    .filter((t) => t.candidate.kind === 'gbdt')
    .sort((a, b) => b.score - a.score || a.index - b.index);
  return ranked.slice(0, k);
}

/**
 * Refits each member on `train` (with the tree count its folds chose, under early stopping) and averages them
 * (raw scores, see averageGbdtModels): one model whose variance is lower than a single configuration's, so the
 * default does not rest on one lucky trial.
 */
export async function fitEnsemble(members: TrialResult[], train: NegativeSample, seed: number, signal?: AbortSignal): Promise<Model> {
  const binned: BinnedCache = new Map();
  const models: Model[] = [];
  for (const m of members) models.push(await fitCandidate(m.candidate, train, seed, { signal, binned, nEstimators: refitTrees(m) }));
  return models.length === 1 ? models[0] : averageGbdtModels(models as GbdtModel[]);
}
