/**
 * The validation stage: scores the candidate and the current champion on the same, current test window, compares
 * them with a statistical test, and promotes the candidate only on a significant improvement of at least the
 * minimum effect. The evidence goes to the candidate's run (metric distributions as step histories, mean, CI,
 * p-value, decision, HTML/PNG report) and to its registry version (tags). A promotion goes through
 * `moveChampion` (the registry's alias lock and a re-check of the champion): if another promotion moved the
 * champion while this candidate was being scored, the candidate is compared again with the new one, or the
 * validation fails with CHAMPION_MOVED. A dry run decides and records nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, FraudopsError, isFraudopsError } from '../errors.js';
import { engineFactory } from '../engine/openEngine.js';
import { holdStore, holdTracking, stageProgress, withContext, type StageContext } from '../stage/StageContext.js';
import type { EngineFactory } from '../engine/SqlEngine.js';
import { addDays, daysBetween } from '../util/dates.js';
import { reportWarning, type StageWarning } from '../stage/warnings.js';
import { historyCutShort } from '../features/history.js';
import { CommitLog } from '../lake/CommitLog.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { logRunArtifact } from '../tracking/runArtifacts.js';
import type { Tracking } from '../tracking/Tracking.js';
import { loadFeatureFrame, splitFrame, windowDays, type LabeledSet, type SplitWindows } from '../datasets/FeatureFrame.js';
import { ARTIFACTS, DEFAULT_REGISTERED_MODEL } from '../models/conventions.js';
import { aliasVersion, moveChampion } from '../registry/moveChampion.js';
import type { MetricName } from '../datasets/evaluate.js';
import {
  aucMetric,
  averagePrecisionMetric,
  cardPrecisionMetric,
  courseTTest,
  decide,
  delongTest,
  pairedBootstrap,
  type Decision,
  type ResampledMetric,
  type ValidationTest,
} from '../statistics/index.js';
import { renderValidationHtml, renderValidationPng } from '../validationReport/report.js';
import { CHAMPION, PREVIOUS_CHAMPION, resolveModel, type ResolvedModel } from './modelRef.js';
import { courseTInterval, delongInterval } from '../statistics/intervals.js';

export { CHAMPION, PREVIOUS_CHAMPION };

export interface ValidateOptions {
  candidate: string;
  lake: string;
  /** What to compare against: an alias of the registered model (default `champion`) or a model reference. */
  against?: string;
  metric?: MetricName;
  test?: ValidationTest;
  bootstrap?: number;
  alpha?: number;
  minEffect?: number;
  /** Resample whole days or whole cards instead of rows (fraud clusters by card and day). */
  block?: 'none' | 'day' | 'card';
  /** course-t only: Welch's unequal-variance test instead of Student's. */
  welch?: boolean;
  seed?: number;
  /** Test window: the last `testDays` of the lake by default, after `delayDays` and `trainDays` for known-card removal. */
  testEnd?: string;
  trainDays?: number;
  delayDays?: number;
  testDays?: number;
  /**
   * Minimums below which the test window cannot carry a decision, and validation refuses with TOO_LITTLE_DATA:
   * days of the test window the lake holds (default: all `testDays`) and frauds left in it after known
   * compromised cards are removed (default 20: below that a difference in AP or AUC is mostly noise).
   */
  minTestDays?: number;
  minTestFrauds?: number;
  tracking?: string;
  registeredModel?: string;
  /** Decide and record evidence, but move no alias. */
  dryRun?: boolean;
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

export interface ModelSummary {
  ref: string;
  runId: string;
  version?: string;
  kind: string;
  observed: number;
}

export interface ValidateResult {
  metric: MetricName;
  test: ValidationTest;
  candidate: ModelSummary;
  champion?: ModelSummary;
  window: { from: string; to: string; rows: number; frauds: number; removedKnownCompromised: number };
  bootstrap?: { B: number; blocks: string; meanCandidate: number; meanChampion: number };
  meanDiff: number;
  ci?: [number, number];
  pValue: number;
  alpha: number;
  minEffect: number;
  decision: Decision;
  promoted: boolean;
  aliases: Record<string, string | undefined>;
  report?: { html: string; png: string };
  /** What the decision rests on that the user should know (for example features built on cut-short history). */
  warnings: StageWarning[];
}

/** Default minimum of frauds in the test window for a decision (see `ValidateOptions.minTestFrauds`). */
export const DEFAULT_MIN_TEST_FRAUDS = 20;

const METRIC_LABELS: Record<MetricName, string> = { auc: 'ROC AUC', ap: 'average precision', cp100: 'card precision@100' };

export async function validate(o: ValidateOptions, ctx?: StageContext): Promise<ValidateResult> {
  o = withContext(o, ctx);
  const metricName = o.metric ?? 'ap';
  const test = o.test ?? 'paired-bootstrap';
  const B = o.bootstrap ?? 1000;
  const alpha = o.alpha ?? 0.05;
  const minEffect = o.minEffect ?? 0;
  const seed = o.seed ?? 1;
  const registeredModel = o.registeredModel ?? DEFAULT_REGISTERED_MODEL;
  const progress = stageProgress(ctx, 'validate', o.onProgress);
  if (test === 'delong' && metricName !== 'auc') {
    throw new FraudopsError('CONFIG_INVALID', `DeLong's test compares ROC AUCs only; use --metric auc or another test for ${metricName}`, { context: { field: 'test' } });
  }
  if (!Number.isInteger(B) || B < 10) throw new FraudopsError('CONFIG_INVALID', `--bootstrap must be an integer ≥ 10, got ${B}`, { context: { field: 'bootstrap' } });

  const heldTracking = await holdTracking(ctx, o.tracking);
  const tracking = heldTracking.value;
  const heldLake = await holdStore(ctx, o.lake).catch(async (e: unknown) => {
    await heldTracking.release();
    throw e;
  });
  const lake = heldLake.value;
  const work = mkdtempSync(join(o.workDir ?? tmpdir(), 'fraudops-validate-'));
  const engine = await (o.engines ?? engineFactory(o.engine))({ workDir: join(work, 'engine'), memoryLimit: o.memoryLimit ?? '4GB' }).catch((e: unknown) => {
    rmSync(work, { recursive: true, force: true });
    throw e;
  });
  try {
    progress(`loading candidate ${o.candidate}`);
    const candidate = await resolveModel(tracking, o.candidate, registeredModel);
    const against = o.against ?? CHAMPION;
    // The champion when this validation started: promotion re-checks it under the promotion lock.
    const championAtStart = await aliasVersion(tracking.registry, registeredModel, CHAMPION);
    let champion = await findChampion(tracking, against, registeredModel, candidate);

    const lakeDays = await committedDays(lake, o.signal);
    const windows = currentWindows(lake, lakeDays, o);
    const days = windowDays(windows);
    const minTestDays = o.minTestDays ?? windows.testDays;
    const minTestFrauds = o.minTestFrauds ?? DEFAULT_MIN_TEST_FRAUDS;
    // Days before the lake's start are a young lake (too little data); a hole or days after its end are
    // LAKE_MISSING_DAYS when the features are built.
    const lakeStart = [...lakeDays].sort()[0];
    const testDaysHeld = daysBetween(days.test[0], days.test[1]).filter((d) => d >= lakeStart).length;
    if (testDaysHeld < minTestDays) {
      throw tooLittleData(
        `the test window ${days.test.join('..')} has data for ${testDaysHeld} of its ${windows.testDays} day(s) in ${lake.uri} (at least ${minTestDays} needed; the lake starts on ${lakeStart}): no decision can rest on it; prepare more days, or lower --min-test-days`,
        { window: days.test.join('..'), days: testDaysHeld, minTestDays },
      );
    }
    const warnings: StageWarning[] = [];
    const cut = historyCutShort(lakeDays, days.test[0], candidate.artifact.featureSpec);
    if (cut) {
      warnings.push({
        code: 'HISTORY_CUT_SHORT',
        message: `the test window's features reach back to ${cut.needFrom}, but the lake starts on ${cut.lakeStart}: windowed features of its first days are built on a shorter history than their windows say`,
      });
    }
    for (const w of warnings) reportWarning('validate', w, o.onWarning, ctx);
    progress(`scoring on ${days.test.join('..')}`);
    const frame = await loadFeatureFrame(engine, lake, windows.trainStart, days.test[1], {
      spec: candidate.artifact.featureSpec,
      signal: o.signal,
    });
    const { test: set, removedKnownCompromised: removed } = splitFrame(frame, windows, { needTrain: false });
    const scoresB = candidate.model.predictProba(set.X);
    const metric = resampledMetric(metricName, set);
    const window = { from: days.test[0], to: days.test[1], rows: set.X.rows, frauds: set.frauds, removedKnownCompromised: removed };
    if (set.frauds < minTestFrauds) {
      throw tooLittleData(
        `the test window ${days.test.join('..')} holds ${set.frauds} fraud(s) in ${set.X.rows} rows after known-compromised cards are removed (at least ${minTestFrauds} needed): a comparison on so few would be noise; widen --test-days, or lower --min-test-frauds`,
        { window: days.test.join('..'), frauds: set.frauds, rows: set.X.rows, minTestFrauds },
      );
    }
    const settings = { metricName, test, B, alpha, minEffect, seed, block: o.block ?? 'none', welch: o.welch === true };

    for (let attempt = 1; ; attempt++) {
      const { out, distributions } = compare(settings, set, metric, candidate, scoresB, champion, window, progress);
      out.warnings = warnings;
      if (o.dryRun) return out; // a dry run decides and records nothing
      if (!out.decision.promote) {
        await recordEvidence(tracking, candidate, out, champion, distributions);
        return out;
      }
      if (!candidate.version) {
        throw new FraudopsError('MODEL_NOT_REGISTERED', `${candidate.ref} has no registered version of ${registeredModel} to promote`, { context: { ref: candidate.ref } });
      }
      // Compared with the champion itself: it must still be champion. Compared with another reference: the
      // champion must not have moved since this validation started.
      const expected = against === CHAMPION ? champion?.version?.version : championAtStart;
      const comparedWith = champion;
      const outcome = await moveChampion(tracking.registry, {
        registeredModel,
        target: candidate.version.version,
        expectedChampion: expected,
        runId: candidate.runId,
        source: candidate.version.source,
        evidence: () => recordEvidence(tracking, candidate, out, comparedWith, distributions),
        signal: o.signal,
      });
      if (outcome.moved) {
        out.promoted = true;
        out.aliases = { [CHAMPION]: outcome.champion, [PREVIOUS_CHAMPION]: outcome.previousChampion };
        return out;
      }
      const moved = outcome.champion;
      // Another promotion moved the champion while this candidate was being scored.
      if (against !== CHAMPION || attempt >= MAX_REVALIDATIONS || moved === undefined) {
        throw new FraudopsError(
          'CHAMPION_MOVED',
          `the champion moved to version ${moved ?? '(none)'} while ${candidate.ref} was being compared with ${champion ? champion.ref : 'no champion'}; nothing was promoted, rerun validate`,
          { context: { ref: candidate.ref, champion: moved }, retriable: true },
        );
      }
      progress(`the champion moved to version ${moved} during validation; comparing again`);
      champion = await findChampion(tracking, against, registeredModel, candidate);
    }
  } finally {
    await engine.close();
    rmSync(work, { recursive: true, force: true });
    await heldLake.release();
    await heldTracking.release();
  }
}

/** Times the champion may move under a validation before it gives up with CHAMPION_MOVED. */
const MAX_REVALIDATIONS = 3;

interface CompareSettings {
  metricName: MetricName;
  test: ValidationTest;
  B: number;
  alpha: number;
  minEffect: number;
  seed: number;
  block: 'none' | 'day' | 'card';
  welch: boolean;
}

/** Scores the champion on the same set and runs the chosen test; pure computation, records nothing. */
function compare(
  s: CompareSettings,
  set: LabeledSet,
  metric: ResampledMetric,
  candidate: ResolvedModel,
  scoresB: Float64Array,
  champion: ResolvedModel | undefined,
  window: ValidateResult['window'],
  progress: (m: string) => void,
): { out: ValidateResult; distributions?: { a: Float64Array; b: Float64Array } } {
  const { test, B, alpha, minEffect, seed } = s;
  let decision: Decision;
  let scoresA: Float64Array | undefined;
  /** Champion (a) and candidate (b) metric per replicate: paired resamples, or the course's independent ones. */
  let distributions: { a: Float64Array; b: Float64Array } | undefined;
  const result: Partial<ValidateResult> = {};
  if (!champion) {
    decision = decide({ test, alpha, minEffect, noChampion: true });
    result.meanDiff = NaN;
    result.pValue = NaN;
  } else {
    scoresA = champion.model.predictProba(set.X);
    const blocks = blockIds(s.block, set);
    progress(`comparing with ${champion.ref} (${test}, B=${B})`);
    const boot = pairedBootstrap({ labels: set.y, scoresA, scoresB, metric, B, seed, alpha, ...(blocks ? { blocks } : {}) });
    result.bootstrap = { B, blocks: s.block, meanCandidate: boot.meanB, meanChampion: boot.meanA };
    result.ci = boot.ci;
    distributions = { a: boot.a, b: boot.b };
    if (test === 'paired-bootstrap') {
      result.meanDiff = boot.observedDiff;
      result.pValue = boot.pValue;
    } else if (test === 'delong') {
      const d = delongTest({ labels: set.y, scoresA, scoresB });
      result.meanDiff = d.meanDiff;
      result.pValue = d.pValue;
      result.ci = delongInterval(d, alpha);
    } else {
      const c = courseTTest({ labels: set.y, scoresA, scoresB, metric, B, seed, equalVar: !s.welch });
      result.meanDiff = c.meanDiff;
      result.pValue = c.pValue;
      result.ci = courseTInterval(c, alpha);
      result.bootstrap = { B, blocks: 'none (independent per model)', meanCandidate: c.meanB, meanChampion: c.meanA };
      distributions = { a: c.a, b: c.b };
    }
    decision = decide({ test, alpha, minEffect, pValue: result.pValue, meanDiff: result.meanDiff });
  }
  const summary = (m: ResolvedModel, scores: Float64Array): ModelSummary => ({
    ref: m.ref,
    runId: m.runId,
    version: m.version?.version,
    kind: m.artifact.kind,
    observed: metric(set.y, scores),
  });
  const out: ValidateResult = {
    metric: s.metricName,
    test,
    candidate: summary(candidate, scoresB),
    ...(champion && scoresA ? { champion: summary(champion, scoresA) } : {}),
    window,
    ...(result.bootstrap ? { bootstrap: result.bootstrap } : {}),
    meanDiff: result.meanDiff!,
    ...(result.ci ? { ci: result.ci } : {}),
    pValue: result.pValue!,
    alpha,
    minEffect,
    decision,
    promoted: false,
    aliases: { [CHAMPION]: champion?.version?.version, [PREVIOUS_CHAMPION]: undefined },
    warnings: [],
  };
  return { out, distributions };
}

/**
 * What the candidate is compared with. The default alias `champion` missing means the first model, but only when
 * the model never had one (no `previous-champion` either); any other alias or reference must exist.
 */
async function findChampion(tracking: Tracking, against: string, registeredModel: string, candidate: ResolvedModel): Promise<ResolvedModel | undefined> {
  const isAlias = !(against.includes(':') || /^[0-9a-f]{32}$/.test(against));
  const ref = isAlias ? `models:/${registeredModel}@${against}` : against;
  let champion: ResolvedModel;
  try {
    champion = await resolveModel(tracking, ref, registeredModel);
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND') {
      if (isAlias && against === CHAMPION) {
        const previous = await aliasVersion(tracking.registry, registeredModel, PREVIOUS_CHAMPION).catch(() => undefined);
        if (previous === undefined) return undefined; // never had a champion: the candidate is the first model
        throw new FraudopsError(
          'CHAMPION_MISSING',
          `${registeredModel} has a previous-champion (version ${previous}) but no champion alias: it was removed; set it again (fraudops promote) before validating. Nothing was promoted`,
          { context: { ref } },
        );
      }
      const aliases = isAlias ? Object.keys((await tracking.registry.getRegisteredModel(registeredModel).catch(() => undefined))?.aliases ?? {}) : [];
      throw new ConfigError(
        `--against ${against}: ${isAlias ? `${registeredModel} has no alias "${against}"${aliases.length ? ` (it has: ${aliases.join(', ')})` : ''}` : 'no such model'}; nothing was compared or promoted`,
        { context: { field: 'against', ref }, cause: e },
      );
    }
    if (isFraudopsError(e) && e.code === 'ARTIFACT_UNREADABLE') {
      throw new FraudopsError('CHAMPION_UNREADABLE', `the champion (${ref}) cannot be loaded: ${e.message}; nothing was promoted`, { cause: e, context: { ref } });
    }
    throw e;
  }
  if (champion.runId === candidate.runId || (champion.version && candidate.version && champion.version.version === candidate.version.version)) {
    throw new ConfigError(`${candidate.ref} is ${ref} itself: a model cannot be validated against itself`, { context: { field: 'candidate', ref } });
  }
  if (champion.artifact.featureSpecHash !== candidate.artifact.featureSpecHash) {
    throw new FraudopsError(
      'FEATURE_SPEC_MISMATCH',
      `candidate (${candidate.ref}) and champion (${champion.ref}) were trained on different feature specs (${candidate.artifact.featureSpecHash} vs ${champion.artifact.featureSpecHash}); they cannot be compared on the same inputs`,
      { context: { candidate: candidate.ref, champion: champion.ref } },
    );
  }
  return champion;
}

async function committedDays(lake: ObjectStore, signal?: AbortSignal): Promise<Set<string>> {
  const days = new Set((await CommitLog.load(lake, signal)).parts().map((p) => p.day));
  if (days.size === 0) throw new FraudopsError('EMPTY_WINDOW', `${lake.uri}: the lake has no data; the test window is empty`);
  return days;
}

/** The current test window: the last testDays of the lake (or ending at testEnd), preceded by delay and train days. */
function currentWindows(lake: ObjectStore, lakeDays: Set<string>, o: ValidateOptions): SplitWindows {
  const trainDays = o.trainDays ?? 7;
  const delayDays = o.delayDays ?? 7;
  const testDays = o.testDays ?? 7;
  const end = o.testEnd ?? [...lakeDays].sort().at(-1)!;
  return { trainStart: addDays(end, -(trainDays + delayDays + testDays) + 1), trainDays, delayDays, testDays };
}

function tooLittleData(message: string, context: Record<string, string | number>): FraudopsError {
  return new FraudopsError('TOO_LITTLE_DATA', `${message}. Nothing was decided or promoted`, { context });
}

function resampledMetric(name: MetricName, set: LabeledSet): ResampledMetric {
  if (name === 'auc') return aucMetric;
  if (name === 'ap') return averagePrecisionMetric;
  return cardPrecisionMetric({ day: set.day, customerId: set.customerId, k: 100 });
}

function blockIds(block: 'none' | 'day' | 'card', set: LabeledSet): Int32Array | undefined {
  if (block === 'none') return undefined;
  if (block === 'day') return Int32Array.from(set.day);
  const ids = new Map<number, number>();
  return Int32Array.from(set.customerId, (c) => {
    let id = ids.get(c);
    if (id === undefined) ids.set(c, (id = ids.size));
    return id;
  });
}

/** The metric distributions as step histories on the candidate's run, as the course logged them. */
async function recordDistributions(tracking: Tracking, runId: string, metric: MetricName, candidate: Float64Array, champion: Float64Array): Promise<void> {
  const now = Date.now();
  await tracking.runs.logBatch(runId, {
    metrics: [
      ...Array.from(candidate, (value, step) => ({ key: `validation_dist_${metric}`, value, step, timestamp: now })),
      ...Array.from(champion, (value, step) => ({ key: `validation_dist_champion_${metric}`, value, step, timestamp: now })),
    ],
  });
}

async function recordEvidence(
  tracking: Tracking,
  candidate: ResolvedModel,
  r: ValidateResult,
  champion: ResolvedModel | undefined,
  distributions: { a: Float64Array; b: Float64Array } | undefined,
): Promise<void> {
  const runId = candidate.runId;
  if (distributions && champion) await recordDistributions(tracking, runId, r.metric, distributions.b, distributions.a);
  const metrics = [
    { key: `validation_observed_${r.metric}`, value: r.candidate.observed },
    ...(Number.isNaN(r.meanDiff) ? [] : [{ key: 'validation_mean_diff', value: r.meanDiff }]),
    ...(Number.isNaN(r.pValue) ? [] : [{ key: 'validation_p_value', value: r.pValue }]),
    ...(r.ci ? [{ key: 'validation_ci_low', value: r.ci[0] }, { key: 'validation_ci_high', value: r.ci[1] }] : []),
    ...(r.bootstrap ? [{ key: `validation_mean_${r.metric}`, value: r.bootstrap.meanCandidate }] : []),
  ];
  await tracking.runs.logBatch(runId, { metrics });
  const tags: Record<string, string> = {
    'validation.test': r.test,
    'validation.metric': r.metric,
    'validation.decision': r.decision.promote ? 'promote' : 'keep-champion',
    'validation.code': r.decision.code,
    'validation.reason': r.decision.reason,
    // No comparison (the first model): no p-value or difference, rather than "NaN".
    'validation.p_value': Number.isNaN(r.pValue) ? '' : String(r.pValue),
    'validation.mean_diff': Number.isNaN(r.meanDiff) ? '' : String(r.meanDiff),
    'validation.ci': r.ci ? `[${r.ci[0]}, ${r.ci[1]}]` : '',
    'validation.alpha': String(r.alpha),
    'validation.min_effect': String(r.minEffect),
    'validation.window': `${r.window.from}..${r.window.to}`,
    'validation.champion': champion ? `${champion.ref}${champion.version ? ` (version ${champion.version.version})` : ''}` : 'none',
    // When: `champion` tells a validation apart from a later manual decision (promotion.at) on the same version.
    'validation.at': new Date().toISOString(),
  };
  await tracking.runs.logBatch(runId, { tags });
  await logRunArtifact(tracking, runId, Buffer.from(JSON.stringify(r, null, 2)), ARTIFACTS.validationJson);
  if (distributions && champion) {
    const report = {
      metric: METRIC_LABELS[r.metric],
      champion: shortName(champion),
      candidate: shortName(candidate),
      test: r.test,
      a: distributions.a,
      b: distributions.b,
      meanDiff: r.meanDiff,
      ci: r.ci ?? [NaN, NaN],
      alpha: r.alpha,
      decision: r.decision,
    };
    const html = renderValidationHtml(report);
    const png = renderValidationPng(report);
    await logRunArtifact(tracking, runId, Buffer.from(html), ARTIFACTS.validationHtml);
    await logRunArtifact(tracking, runId, png, ARTIFACTS.validationPng);
    r.report = { html: ARTIFACTS.validationHtml, png: ARTIFACTS.validationPng };
  }
  if (candidate.version) {
    for (const [k, v] of Object.entries(tags)) await tracking.registry.setModelVersionTag(candidate.version.name, candidate.version.version, k, v.slice(0, 5000));
  }
}

function shortName(m: ResolvedModel): string {
  return m.version ? `v${m.version.version} ${m.artifact.kind}` : `${m.artifact.kind} ${m.runId.slice(0, 8)}`;
}
