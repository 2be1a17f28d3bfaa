/**
 * Hyperparameter search with prequential (rolling) validation, as in the Fraud Detection Handbook, chapter 5.
 * Fold k trains on a window that ends k·V days earlier than the first fold's, so every validation window lies
 * before the real training window ends and no test-period data is ever used to choose parameters: fold k's
 * training window starts at trainStart − (delay + V) − k·V, then the same train/delay/validation lengths follow.
 */
import { availableParallelism } from 'node:os';
import { FraudopsError } from '../errors.js';
import { averageGbdtModels } from '../models/gbdt/averageModels.js';
import type { GbdtModel } from '../models/gbdt/GbdtModel.js';
import type { Model } from '../models/Classifier.js';
import { checkpoint } from '../util/checkpoint.js';
import { mulberry32 } from '../util/prng.js';
import { splitFrame, type FeatureFrame, type SplitWindows } from '../datasets/FeatureFrame.js';
import type { MetricName, Metrics } from '../datasets/evaluate.js';
import { fitCandidate, type BinnedCache, type Candidate, type ModelKind } from './fitCandidate.js';
import { downsampleNegatives, type NegativeSample } from './negativeSampling.js';
import { sampleCards } from './sampleCards.js';
import { scoreFold, type FoldScore, type FoldSets } from './scoreFold.js';
import { TrainingPool } from './TrainingPool.js';
import type { SamplingPlan } from './samplingPlan.js';
import { DEFAULT_SCALE, foldWindows, type ScaleOptions } from './windows.js';

export { DEFAULT_SCALE, earliestDay, foldWindows, type ScaleOptions } from './windows.js';

export type SearchMode = 'grid' | 'random';
export { fitCandidate, type BinnedCache, type Candidate, type FitOptions, type ModelKind } from './fitCandidate.js';

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
    /**
     * Worker threads fitting candidates side by side (default: one per core; 1: in this thread). The result is
     * the same for any count.
     */
    workers?: number;
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
  const workers = Math.min(o.workers ?? searchWorkers(), cands.length * o.folds);
  const splits: (FoldSets & { sampling: FoldSampling })[] = [];
  for (const [k, fw] of foldWindows(w, o.folds).entries()) {
    await check();
    // Worker threads read the folds in shared memory: the sets are cut out of the frame there, not copied later.
    const s = splitFrame(frame, fw, { shared: workers > 1 });
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
  const trial = (i: number, scores: FoldScore[]): TrialResult => {
    const folds = scores.map((f) => f.metrics);
    const score = folds.reduce((a, m) => a + m[o.metric], 0) / folds.length;
    const trees = scores.flatMap((f) => (f.trees === undefined ? [] : [f.trees]));
    return { index: i, candidate: cands[i], score, folds, ...(trees.length > 0 ? { trees } : {}) };
  };
  const spent = (i: number): boolean => i > 0 && o.budgetMs !== undefined && performance.now() - started >= o.budgetMs;
  const trials = workers > 1
    ? await searchInPool(splits, cands, workers, { ...o, earlyStoppingRounds: scale.earlyStoppingRounds, spent, trial })
    : await searchInProcess(splits, cands, { ...o, earlyStoppingRounds: scale.earlyStoppingRounds, spent, trial });
  if (trials.length === 0) throw new FraudopsError('SEARCH_EMPTY', 'no candidate to search');
  // Highest mean score; ties go to the earlier (simpler-listed) candidate.
  const best = trials.reduce((b, t) => (t.score > b.score ? t : b));
  return { metric: o.metric, trials, best, sampling: splits.map((s) => s.sampling) };
}

/** Worker threads of a search by default: one per core the process may use. */
export function searchWorkers(): number {
  return availableParallelism();
}

/** Histogram threads of each fit when `workers` fits run side by side: the cores left to each, at least one. */
export function threadsPerWorker(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / workers));
}

interface TrialLoop {
  seed: number;
  earlyStoppingRounds: number;
  signal?: AbortSignal;
  onTrial?: (t: TrialResult, total: number) => void;
  /** True once the budget forbids starting candidate `i`. */
  spent(i: number): boolean;
  trial(i: number, scores: FoldScore[]): TrialResult;
}

async function searchInProcess(splits: FoldSets[], cands: Candidate[], o: TrialLoop): Promise<TrialResult[]> {
  const binned = splits.map((): BinnedCache => new Map());
  const trials: TrialResult[] = [];
  for (let i = 0; i < cands.length; i++) {
    o.signal?.throwIfAborted();
    if (o.spent(i)) break;
    const scores: FoldScore[] = [];
    for (const [k, s] of splits.entries()) {
      scores.push(await scoreFold(cands[i], s, o.seed, { earlyStoppingRounds: o.earlyStoppingRounds, binned: binned[k], signal: o.signal }));
    }
    const t = o.trial(i, scores);
    trials.push(t);
    o.onTrial?.(t, cands.length);
  }
  return trials;
}

/**
 * The same trials on `workers` threads: candidate by candidate, fold by fold, each task to the next free worker,
 * so neighbouring candidates overlap. A candidate starts only while the budget lasts (the first always runs),
 * and trials are reported in candidate order.
 */
async function searchInPool(splits: FoldSets[], cands: Candidate[], workers: number, o: TrialLoop): Promise<TrialResult[]> {
  const pool = TrainingPool.create({ folds: splits, workers, threads: threadsPerWorker(workers) }, o.signal);
  try {
    const trials: TrialResult[] = [];
    // Trials are reported in candidate order as soon as they and those before them are done.
    let reported = Promise.resolve();
    for (let i = 0; i < cands.length; i++) {
      const scores: Promise<FoldScore>[] = [];
      for (let k = 0; k < splits.length; k++) {
        await pool.whenFree();
        o.signal?.throwIfAborted();
        if (k === 0 && o.spent(i)) break;
        const score = pool.score({ candidate: cands[i], fold: k, seed: o.seed, earlyStoppingRounds: o.earlyStoppingRounds });
        score.catch(() => undefined); // a failure is thrown where its trial is reported, or by the next whenFree
        scores.push(score);
      }
      if (scores.length === 0) break;
      const all = Promise.all(scores);
      all.catch(() => undefined);
      reported = reported.then(async () => {
        const t = o.trial(i, await all);
        trials.push(t);
        o.onTrial?.(t, cands.length);
      });
      reported.catch(() => undefined); // awaited below; a failed task also stops the dispatch at the pool's next whenFree
    }
    await reported;
    return trials;
  } finally {
    await pool.close();
  }
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
 * default does not rest on one lucky trial. With a pool holding `train` as its set 0, boosted-tree members are
 * fitted side by side on its workers (the same models).
 */
export async function fitEnsemble(members: TrialResult[], train: NegativeSample, seed: number, signal?: AbortSignal, pool?: TrainingPool): Promise<Model> {
  if (pool !== undefined && members.length > 1 && members.every((m) => m.candidate.kind === 'gbdt')) {
    const models = await Promise.all(members.map((m) => pool.fit({ candidate: m.candidate, set: 0, seed, nEstimators: refitTrees(m) })));
    return averageGbdtModels(models);
  }
  const binned: BinnedCache = new Map();
  const models: Model[] = [];
  for (const m of members) models.push(await fitCandidate(m.candidate, train, seed, { signal, binned, nEstimators: refitTrees(m) }));
  return models.length === 1 ? models[0] : averageGbdtModels(models as GbdtModel[]);
}
