/**
 * The training stage: builds features for the Handbook protocol's windows, searches hyperparameters with
 * prequential validation, refits the best candidate on the full training window, measures it on the test
 * window, and records everything in tracking: params, best params, metrics, the feature spec, dataset windows
 * and row counts, the model artifact and the environment. The model becomes a new version of the registered
 * model (promotion to `champion` is the validation stage's decision, not this one's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FraudopsError } from '../errors.js';
import { engineFactory } from '../engine/openEngine.js';
import { holdStore, holdTracking, stageProgress, withContext, type StageContext } from '../stage/StageContext.js';
import type { EngineFactory } from '../engine/SqlEngine.js';
import { addDays } from '../util/dates.js';
import { DEFAULT_FEATURE_SPEC, featureSpecHash, type FeatureSpec } from '../features/spec.js';
import { CommitLog } from '../lake/CommitLog.js';
import { createArtifact, serializeArtifact } from '../models/artifact.js';
import { ARTIFACTS, DEFAULT_EXPERIMENT, DEFAULT_REGISTERED_MODEL, MODEL_ARTIFACT_PATH, TAGS } from '../models/conventions.js';
import { windowDataset } from '../lake/windowDataset.js';
import type { ArtifactRepository } from '../tracking/ArtifactRepository.js';
import type { RunTracker } from '../tracking/RunTracker.js';
import { withRun } from '../tracking/withRun.js';
import { runEnvironment } from './environment.js';
import { bestF1Threshold, evaluate, type MetricName, type Metrics } from '../datasets/evaluate.js';
import { loadFeatureFrame, scoreRows, splitRows, takeRows, takeTestLabels, windowDays, type SplitWindows } from '../datasets/FeatureFrame.js';
import {
  DEFAULT_SCALE,
  earliestDay,
  ensembleMembers,
  fitEnsemble,
  prequentialSearch,
  refitTrees,
  searchPlan,
  searchWorkers,
  threadsPerWorker,
  type FoldSampling,
  type ModelKind,
  type ScaleOptions,
  type SearchMode,
  type TrialResult,
} from './search.js';
import { downsampleNegatives } from './negativeSampling.js';
import { TrainingPool } from './TrainingPool.js';
import { GbdtModel } from '../models/gbdt/GbdtModel.js';
import type { Matrix, Model } from '../models/Classifier.js';
import { planSampling, type SamplingPlan } from './samplingPlan.js';
import { exportOnnx } from '../models/onnx/exportOnnx.js';
import { predictProbaInBlocks } from '../models/predictInBlocks.js';
import { historyCutShort } from '../features/history.js';
import { minimumLakeDays } from './minimumLakeDays.js';
import { reportWarning, type StageWarning } from '../stage/warnings.js';

export { DEFAULT_EXPERIMENT, DEFAULT_REGISTERED_MODEL };
export const MODEL_ARTIFACT_DIR = ARTIFACTS.modelDir;

export interface TrainOptions {
  lake: string;
  /** First training day; default: the latest complete train + delay + test window of the lake. */
  trainStart?: string;
  trainDays?: number;
  delayDays?: number;
  testDays?: number;
  model?: ModelKind | 'auto';
  search?: SearchMode;
  /** GBDT candidates to try (logistic regression always tries its small C grid); default 8, or 1000 with a budget. */
  trials?: number;
  /**
   * Wall-clock budget of the search in milliseconds: candidates are tried until it is spent (at least one), up to
   * `trials`. How many fit in it depends on the machine, so a budgeted search is not reproducible across machines.
   */
  budgetMs?: number;
  folds?: number;
  /**
   * Boosted-tree candidates averaged into the final model: the search's best `ensemble` configurations, each
   * refit on the training window (default 3; 1: the best alone). Logistic regression is never averaged. Measured
   * on 5 generated Handbook-size seeds (8 trials, 4 folds), mean: AP 0.7179 → 0.7206 (higher on 4 of 5), AUC
   * 0.8921 → 0.8957, CP@100 0.3357 → 0.3351, for two more refits.
   */
  ensemble?: number;
  metric?: MetricName;
  /**
   * Training sets (folds and the final fit) above this many rows keep every fraud and a weighted sample of legitimate
   * rows, about this many rows in all (default 500,000; see negativeSampling.ts). Smaller sets are used whole.
   */
  maxTrainRows?: number;
  /** Validation sets above this many rows are measured on a sample of whole cards of about this size (default 1,000,000). */
  maxValidationRows?: number;
  /**
   * Boosted-tree candidates stop adding trees once their fold's validation log loss has not improved for this many
   * rounds, and the refit grows the mean of the trees the folds kept (0, the default: every candidate grows its nEstimators).
   */
  earlyStoppingRounds?: number;
  /**
   * Worker threads the search fits candidates on side by side, the ensemble's members are refitted on and the test
   * window is scored on (default: one per core; 1: all in this thread). A fit keeps one core busy, so on two cores
   * two workers about halve those phases' wall time; the model and its metrics are the same for any count.
   */
  workers?: number;
  seed?: number;
  /** Tracking URI; default MLFLOW_TRACKING_URI, else the embedded store. */
  tracking?: string;
  experiment?: string;
  registeredModel?: string;
  spec?: FeatureSpec;
  workDir?: string;
  /** Engine URI (`duckdb:` default); ignored when `engines` is given. */
  engine?: string;
  engines?: EngineFactory;
  /** Engine memory cap (default 4GB). */
  memoryLimit?: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Called once per warning as soon as it is known (the result lists them too). */
  onWarning?: (warning: StageWarning) => void;
}

export interface TrainResult {
  runId: string;
  experimentId: string;
  trackingUri: string;
  model: ModelKind;
  params: Record<string, number>;
  metrics: Metrics;
  threshold: number;
  windows: ReturnType<typeof windowDays>;
  rows: { train: number; trainFrauds: number; test: number; testFrauds: number; removedKnownCompromised: number };
  /**
   * `trials`: candidates tried in all; `candidates`: per model family (logistic regression always tries its C
   * grid, GBDT what --trials asked, unless the grid is smaller); `foldsAsked`: the folds asked for, when the lake
   * held data for fewer (`folds`).
   */
  search: {
    mode: SearchMode;
    metric: MetricName;
    folds: number;
    foldsAsked: number;
    trials: number;
    candidates: Partial<Record<ModelKind, number>>;
    bestScore: number;
    /** Candidates averaged into the model (1: the best alone). */
    ensemble: number;
    /** The search's wall-clock budget, when one was set (`trials` then counts those tried within it). */
    budgetMs?: number;
    /** Early stopping rounds of the boosted-tree candidates (0: off). */
    earlyStoppingRounds: number;
    /** Trees each ensemble member's refit grew (with early stopping: the mean its folds kept). */
    refitTrees: number[];
  };
  /**
   * How big sets were cut down: the final fit's training rows after negative down-sampling and the rate legitimate
   * rows were kept with (1: used whole), and the same per search fold with its validation card sample.
   */
  sampling: {
    maxTrainRows: number;
    maxValidationRows: number;
    fitRows: number;
    negativeRate: number;
    folds: FoldSampling[];
    /** Rows of the date range read, and those the feature frame kept for the search, the fit and the test (samplingPlan.ts). */
    rangeRows: number;
    frameRows: number;
  };
  featureSpecHash: string;
  registeredModel: string;
  modelVersion: string;
  /** The MLflow logged model holding the trained model. */
  loggedModelId: string;
  /** What the run did not do as asked, or rests on (also told at once on the context's log). */
  warnings: StageWarning[];
  durationMs: number;
  /**
   * Wall time of each phase in milliseconds: building the features and loading the frame, the search, the refit
   * (the final model fitted), scoring (the threshold on the fit set and the test window measured).
   */
  phaseMs: { features: number; search: number; refit: number; scoring: number };
}

export async function train(o: TrainOptions, ctx?: StageContext): Promise<TrainResult> {
  o = withContext(o, ctx);
  const started = Date.now();
  const spec = o.spec ?? DEFAULT_FEATURE_SPEC;
  const trainDays = positive('train-days', o.trainDays ?? 7);
  const delayDays = positive('delay-days', o.delayDays ?? 7);
  const testDays = positive('test-days', o.testDays ?? 7);
  const kinds: ModelKind[] = o.model === 'auto' ? ['logreg', 'gbdt'] : [o.model ?? 'gbdt'];
  const mode = o.search ?? 'random';
  const budgetMs = o.budgetMs === undefined ? undefined : positive('budget', o.budgetMs);
  const trials = positive('trials', o.trials ?? (budgetMs === undefined ? 8 : BUDGETED_TRIALS));
  const ensemble = positive('ensemble', o.ensemble ?? 3);
  const scale: ScaleOptions = {
    maxTrainRows: positive('max-train-rows', o.maxTrainRows ?? DEFAULT_SCALE.maxTrainRows),
    maxValidationRows: positive('max-validation-rows', o.maxValidationRows ?? DEFAULT_SCALE.maxValidationRows),
    earlyStoppingRounds: nonNegative('early-stopping', o.earlyStoppingRounds ?? DEFAULT_SCALE.earlyStoppingRounds),
  };
  const workers = o.workers === undefined ? undefined : positive('workers', o.workers);
  const metric = o.metric ?? 'ap';
  const seed = o.seed ?? 1;
  const experiment = o.experiment ?? DEFAULT_EXPERIMENT;
  const registeredModel = o.registeredModel ?? DEFAULT_REGISTERED_MODEL;
  const progress = stageProgress(ctx, 'train', o.onProgress);

  // Fail on a bad tracking URI before any work is done.
  const heldTracking = await holdTracking(ctx, o.tracking);
  const tracking = heldTracking.value;
  const { runs, registry } = tracking;
  const heldLake = await holdStore(ctx, o.lake).catch(async (e: unknown) => {
    await heldTracking.release();
    throw e;
  });
  const lake = heldLake.value;
  const work = mkdtempSync(join(o.workDir ?? tmpdir(), 'fraudops-train-'));
  const engine = await (o.engines ?? engineFactory(o.engine))({ workDir: join(work, 'engine'), memoryLimit: o.memoryLimit ?? '4GB', signal: o.signal }).catch((e: unknown) => {
    rmSync(work, { recursive: true, force: true });
    throw e;
  });
  // The engine only builds the features: closed as soon as the frame is loaded, its memory (up to its cap) is given
  // back before the search and the refit need theirs.
  let engineOpen = true;
  const closeEngine = async (): Promise<void> => {
    if (!engineOpen) return;
    engineOpen = false;
    await engine.close();
  };
  try {
    const log = await CommitLog.load(lake, o.signal);
    const lakeDays = [...new Set(log.parts().map((p) => p.day))].sort();
    if (lakeDays.length === 0) throw new FraudopsError('EMPTY_WINDOW', `${lake.uri}: the lake has no data; run \`fraudops prepare\` first`);
    const trainStart = o.trainStart ?? addDays(lakeDays[lakeDays.length - 1], -(trainDays + delayDays + testDays) + 1);
    const windows: SplitWindows = { trainStart, trainDays, delayDays, testDays };
    const days = windowDays(windows);
    // As many validation folds as the lake holds data for (at most the requested number, at least one), said.
    const foldsAsked = positive('folds', o.folds ?? 4);
    let folds = foldsAsked;
    while (folds > 1 && earliestDay(windows, folds) < lakeDays[0]) folds--;
    const from = earliestDay(windows, folds);
    if (from < lakeDays[0]) throw lakeTooShort(lake.uri, lakeDays, windows, o.trainStart !== undefined);
    const plan = searchPlan(kinds, mode, trials, seed);
    const warnings: StageWarning[] = [];
    if (folds < foldsAsked) {
      warnings.push({
        code: 'SEARCH_FOLDS_REDUCED',
        message: `searching with ${folds} of the ${foldsAsked} validation folds asked for: the lake starts on ${lakeDays[0]}, and ${foldsAsked} folds before training from ${trainStart} need data from ${earliestDay(windows, foldsAsked)}; prepare more days or pass --folds ${folds}`,
      });
    }
    if (plan.gbdtGridSize !== undefined && (o.trials !== undefined || budgetMs === undefined)) {
      warnings.push({
        code: 'SEARCH_TRIALS_REDUCED',
        message: `the boosted-tree grid holds ${plan.gbdtGridSize} candidates, fewer than the ${trials} trials asked for: all ${plan.gbdtGridSize} are tried`,
      });
    }
    const cut = historyCutShort(lakeDays, from, spec);
    if (cut) {
      warnings.push({
        code: 'HISTORY_CUT_SHORT',
        message: `features from ${from} reach back to ${cut.needFrom}, but the lake starts on ${cut.lakeStart}: windowed features of the first days are built on a shorter history than their windows say`,
      });
    }
    for (const w of warnings) reportWarning('train', w, o.onWarning, ctx);
    const searchSummary = { mode, metric, folds, foldsAsked, candidates: plan.perKind, ...(budgetMs === undefined ? {} : { budgetMs }) };

    return await withRun(
      runs,
      { experimentName: experiment, runName: `train-${kinds.join('+')}-${trainStart}`, tags: { [TAGS.stage]: 'train' }, signal: o.signal },
      async (run) => {
        const runId = run.runId;
        const artifacts = await tracking.artifacts(run.artifactUri);
        await runs.logParams(runId, {
          'window.train_start': trainStart,
          'window.train_days': trainDays,
          'window.delay_days': delayDays,
          'window.test_days': testDays,
          'search.models': kinds.join(','),
          'search.mode': mode,
          'search.trials': trials,
          ...(budgetMs === undefined ? {} : { 'search.budget_s': budgetMs / 1000 }),
          'search.folds': folds,
          ...(folds < foldsAsked ? { 'search.folds_asked': foldsAsked } : {}),
          'search.candidates': plan.candidates.length,
          'search.metric': metric,
          'search.early_stopping_rounds': scale.earlyStoppingRounds,
          'sampling.max_train_rows': scale.maxTrainRows,
          'sampling.max_validation_rows': scale.maxValidationRows,
          seed,
          'feature_spec.hash': featureSpecHash(spec),
          lake: lake.uri,
        });
        await artifacts.logArtifact(Buffer.from(JSON.stringify(spec, null, 2)), ARTIFACTS.featureSpec);
        const environment = runEnvironment();
        await artifacts.logArtifact(Buffer.from(JSON.stringify(environment, null, 2)), ARTIFACTS.environment);
        await runs.logBatch(runId, {
          tags: Object.fromEntries(Object.entries(environment).map(([k, v]) => [`env.${k.replace(/[^A-Za-z0-9_.-]/g, '_')}`, v])),
        });

        // What MLflow shows as the run's datasets: the windows read, with a digest of the committed parts.
        const parts = log.parts();
        await runs.logInputs(runId, [
          { dataset: windowDataset(lake.uri, parts, from, days.train[1], 'lake train'), tags: { 'mlflow.data.context': 'training' } },
          { dataset: windowDataset(lake.uri, parts, days.test[0], days.test[1], 'lake test'), tags: { 'mlflow.data.context': 'test' } },
        ]);

        progress(`building features ${from}..${days.test[1]}`);
        const phaseStarted = Date.now();
        // The frame holds only what the search, the final fit and the test read (samplingPlan.ts).
        let planned: SamplingPlan | undefined;
        const frame = await loadFeatureFrame(engine, lake, from, days.test[1], {
          spec,
          signal: o.signal,
          select: async (counts) => {
            const p = await planSampling(counts, windows, folds, scale, seed);
            planned = p.plan;
            return p.selection;
          },
        });
        await closeEngine();
        const sampling = planned!;
        const featuresMs = Date.now() - phaseStarted;
        const rangeRows = frame.dayRows.reduce((a, b) => a + b, 0);
        progress(`feature frame: ${frame.rows.toLocaleString('en-US')} of ${rangeRows.toLocaleString('en-US')} rows kept`);
        // The final sets are copied out of the frame only when used: the test window (the biggest) after the fit.
        const split = splitRows(frame, windows);
        const rows = {
          train: sampling.fit.rows,
          trainFrauds: sampling.fit.frauds,
          test: split.test.length,
          testFrauds: split.testFrauds,
          removedKnownCompromised: split.removedKnownCompromised,
        };
        await runs.logParams(runId, {
          'dataset.train_rows': rows.train,
          'dataset.train_frauds': rows.trainFrauds,
          'dataset.test_rows': rows.test,
          'dataset.test_frauds': rows.testFrauds,
          'dataset.test_removed_known_compromised': rows.removedKnownCompromised,
          'dataset.windows': JSON.stringify(days),
          'sampling.range_rows': rangeRows,
          'sampling.frame_rows': frame.rows,
        });

        if (warnings.length) await runs.logBatch(runId, { tags: Object.fromEntries(warnings.map((w) => [`warning.${w.code}`, w.message.slice(0, 5000)])) });
        const cands = plan.candidates;
        const searchStarted = Date.now();
        const search = await prequentialSearch(frame, windows, cands, {
          folds,
          metric,
          seed,
          scale,
          budgetMs,
          plan: sampling,
          ...(workers === undefined ? {} : { workers }),
          signal: o.signal,
          onTrial: (t, total) => progress(`search ${t.index + 1}/${total}: ${t.candidate.kind} ${metric}=${t.score.toFixed(4)}`),
        });
        const searchMs = Date.now() - searchStarted;
        await logTrials(runs, artifacts, runId, search.trials);
        await runs.logParams(runId, {
          'sampling.fold_fit_rows': search.sampling.map((f) => f.fitRows).join(','),
          'sampling.fold_negative_rates': search.sampling.map((f) => f.negativeRate.toPrecision(6)).join(','),
          'sampling.fold_scored_rows': search.sampling.map((f) => f.scoredRows).join(','),
          'sampling.fold_card_rates': search.sampling.map((f) => f.cardRate.toPrecision(6)).join(','),
        });
        if (search.trials.length < cands.length) {
          progress(`search budget spent after ${search.trials.length} of ${cands.length} candidates`);
          await runs.logParams(runId, { 'search.trials_tried': search.trials.length });
        }
        const best = search.best;
        await runs.logParams(runId, { 'best.model': best.candidate.kind, ...prefixed('best.', best.candidate.params) });

        const members = ensembleMembers(search, ensemble);
        progress(`refitting ${members.length === 1 ? best.candidate.kind : `the best ${members.length} ${best.candidate.kind} candidates (averaged)`} on ${days.train.join('..')}`);
        if (members.length > 1) await runs.logParams(runId, { 'search.ensemble': members.length, 'search.ensemble_trials': members.map((m) => m.index + 1).join(',') });
        // Boosted trees are refitted and scored on worker threads too: members side by side, rows in blocks. Their
        // sets are made in shared memory from the start (no second copy for the workers).
        const threads = workers ?? searchWorkers();
        const inPool = threads > 1 && best.candidate.kind === 'gbdt';
        const fitSet = downsampleNegatives(takeRows(frame, split, 'train', { shared: inPool }), scale.maxTrainRows, seed, sampling.fit);
        const trees = members.map((m) => refitTrees(m) ?? m.candidate.params.nEstimators);
        await runs.logParams(runId, {
          'sampling.fit_rows': fitSet.set.X.rows,
          'sampling.negative_rate': fitSet.negativeRate.toPrecision(6),
          ...(scale.earlyStoppingRounds > 0 && best.candidate.kind === 'gbdt' ? { 'refit.trees': trees.join(',') } : {}),
        });
        const pool = inPool ? TrainingPool.create({ train: [fitSet], workers: threads, threads: threadsPerWorker(threads) }, o.signal) : undefined;
        let model: Model;
        let threshold: number;
        let metrics: Metrics;
        const refitStarted = Date.now();
        let refitMs: number;
        try {
          model = await fitEnsemble(members, fitSet, seed, o.signal, pool);
          refitMs = Date.now() - refitStarted;
          const scored = model;
          const score = (X: Matrix): Promise<Float64Array> => (pool !== undefined && scored instanceof GbdtModel ? pool.predict(scored, X) : predictProbaInBlocks(scored, X, o.signal));
          // On the sample with its weights: the F1 of the whole window, estimated without scoring every legitimate row.
          threshold = bestF1Threshold(fitSet.set.y, await score(fitSet.set.X), fitSet.weight);
          // The test window (the biggest set) is scored straight from the frame a block at a time, never copied whole.
          metrics = evaluate(takeTestLabels(frame, split), await scoreRows(frame, split.test, score, { blockRows: TEST_BLOCK_ROWS, shared: pool !== undefined }));
        } finally {
          await pool?.close();
        }
        const phaseMs = { features: featuresMs, search: searchMs, refit: refitMs, scoring: Date.now() - refitStarted - refitMs };
        progress(`phases: features and frame ${seconds(phaseMs.features)}, search ${seconds(phaseMs.search)}, refit ${seconds(phaseMs.refit)}, scoring ${seconds(phaseMs.scoring)}`);
        await runs.logBatch(runId, {
          metrics: [
            { key: 'test_auc', value: metrics.auc },
            { key: 'test_ap', value: metrics.ap },
            { key: 'test_cp100', value: metrics.cp100 },
            { key: 'test_logloss', value: metrics.logloss },
            { key: 'search_best_score', value: best.score },
            { key: 'threshold', value: threshold },
          ],
        });

        const artifact = createArtifact(model, {
          spec,
          threshold,
          params: best.candidate.params,
          lineage: { runId, lake: lake.uri, windows: days, rows, metrics, search: { mode, metric, folds, trials: search.trials.length, bestScore: best.score, ensemble: members.length } },
        });
        const modelBytes = serializeArtifact(artifact);
        const onnxBytes = exportOnnx(model, { featureSpecHash: artifact.featureSpecHash });
        await artifacts.logArtifact(modelBytes, MODEL_ARTIFACT_PATH);
        await artifacts.logArtifact(onnxBytes, `${ARTIFACTS.modelDir}/${ARTIFACTS.onnxFile}`);

        // The same model as an MLflow 3 logged model, linked as the run's output ("Logged models" in the UI).
        const logged = await runs.createLoggedModel({
          experimentId: run.experimentId,
          name: `${registeredModel}-${best.candidate.kind}`,
          sourceRunId: runId,
          modelType: best.candidate.kind,
          params: best.candidate.params,
          tags: { [TAGS.featureSpecHash]: artifact.featureSpecHash },
        });
        const loggedFiles = await tracking.artifacts(logged.artifactLocation);
        try {
          await loggedFiles.logArtifact(modelBytes, ARTIFACTS.modelFile);
          await loggedFiles.logArtifact(onnxBytes, ARTIFACTS.onnxFile);
        } finally {
          await loggedFiles.close();
        }

        await registry.createRegisteredModel(registeredModel).catch((e: { code?: string }) => {
          if (e.code !== 'RESOURCE_ALREADY_EXISTS') throw e;
        });
        const version = await registry.createModelVersion({
          name: registeredModel,
          runId,
          source: `${run.artifactUri.replace(/\/+$/, '')}/${ARTIFACTS.modelDir}`,
          tags: {
            [TAGS.modelKind]: best.candidate.kind,
            [TAGS.featureSpecHash]: artifact.featureSpecHash,
            [`${TAGS.testMetricPrefix}ap`]: String(metrics.ap),
            [`${TAGS.testMetricPrefix}auc`]: String(metrics.auc),
            [`${TAGS.testMetricPrefix}cp100`]: String(metrics.cp100),
          },
        });
        await runs.logBatch(runId, { tags: { [TAGS.modelVersion]: version.version, [TAGS.loggedModelId]: logged.modelId } });
        await artifacts.close();
        return {
          runId,
          experimentId: run.experimentId,
          trackingUri: tracking.uri,
          model: best.candidate.kind,
          params: best.candidate.params,
          metrics,
          threshold,
          windows: days,
          rows,
          search: {
            ...searchSummary,
            trials: search.trials.length,
            bestScore: best.score,
            ensemble: members.length,
            earlyStoppingRounds: scale.earlyStoppingRounds,
            refitTrees: best.candidate.kind === 'gbdt' ? trees : [],
          },
          sampling: {
            maxTrainRows: scale.maxTrainRows,
            maxValidationRows: scale.maxValidationRows,
            fitRows: fitSet.set.X.rows,
            negativeRate: fitSet.negativeRate,
            folds: search.sampling,
            rangeRows,
            frameRows: frame.rows,
          },
          featureSpecHash: artifact.featureSpecHash,
          registeredModel,
          modelVersion: version.version,
          loggedModelId: logged.modelId,
          warnings,
          durationMs: Date.now() - started,
          phaseMs,
        };
      },
    );
  } finally {
    await closeEngine();
    rmSync(work, { recursive: true, force: true });
    await heldLake.release();
    await heldTracking.release();
  }
}

/**
 * LAKE_TOO_SHORT with a way out that works: a later --train-start when the lake holds the windows from some start
 * (only when one was given: the default is already the latest), else more days or shorter windows.
 */
function lakeTooShort(uri: string, lakeDays: string[], w: SplitWindows, explicitStart: boolean): FraudopsError {
  const [first, last] = [lakeDays[0], lakeDays[lakeDays.length - 1]];
  const needed = minimumLakeDays(w);
  const from = earliestDay(w, 1);
  const earliestStart = addDays(first, w.delayDays + w.testDays);
  const fits = addDays(earliestStart, w.trainDays + w.delayDays + w.testDays - 1) <= last;
  const held = lakeDays.length;
  const way = explicitStart && fits
    ? `pass --train-start ${earliestStart} or later (up to the latest complete window, the default)`
    : `the lake holds ${held} day(s), ${first}..${last}: prepare at least ${needed - held} more, or shorten the windows (--train-days ${w.trainDays}, --delay-days ${w.delayDays}, --test-days ${w.testDays})`;
  return new FraudopsError(
    'LAKE_TOO_SHORT',
    `${uri}: training from ${w.trainStart} needs data from ${from} (one validation fold before train, delay and test windows: ${needed} days in all), but the lake starts on ${first}; ${way}`,
    { context: { uri, lakeStart: first, needFrom: from, neededDays: needed } },
  );
}

/** Test rows copied out of the frame and scored at a time: 160 MB of 20 features, blocks enough for every worker. */
const TEST_BLOCK_ROWS = 1 << 20;

/** The cap on candidates of a budgeted search when --trials is not given: the budget is what ends it. */
const BUDGETED_TRIALS = 1000;

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new FraudopsError('CONFIG_INVALID', `--${name} must be a positive whole number, got ${v}`, { context: { field: name } });
  return v;
}

function nonNegative(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new FraudopsError('CONFIG_INVALID', `--${name} must be a whole number ≥ 0, got ${v}`, { context: { field: name } });
  return v;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function prefixed(prefix: string, o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [`${prefix}${k}`, v]));
}

async function logTrials(runs: RunTracker, artifacts: ArtifactRepository, runId: string, trials: TrialResult[]): Promise<void> {
  await runs.logBatch(runId, {
    metrics: trials.map((t) => ({ key: 'search_score', value: t.score, step: t.index })),
  });
  await artifacts.logArtifact(Buffer.from(JSON.stringify(trials, null, 2)), ARTIFACTS.trials);
}
