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
import { FraudopsError } from '../errors.js';
import { engineFactory } from '../engine/openEngine.js';
import { holdStore, holdTracking, stageProgress, withContext, type StageContext } from '../stage/StageContext.js';
import type { EngineFactory } from '../engine/SqlEngine.js';
import { daysBetween } from '../util/dates.js';
import { reportWarning, type StageWarning } from '../stage/warnings.js';
import { historyCutShort } from '../features/history.js';
import { loadFeatureFrame, splitFrame, windowDays } from '../datasets/FeatureFrame.js';
import { DEFAULT_REGISTERED_MODEL } from '../models/conventions.js';
import { aliasVersion, moveChampion } from '../registry/moveChampion.js';
import type { MetricName } from '../datasets/evaluate.js';
import type { ValidationTest } from '../statistics/index.js';
import { CHAMPION, PREVIOUS_CHAMPION, resolveModel } from './modelRef.js';
import { compare, resampledMetric } from './compare.js';
import { predictProbaInBlocks } from '../models/predictInBlocks.js';
import { recordEvidence } from './evidence.js';
import { findChampion } from './findChampion.js';
import { committedDays, currentWindows, DEFAULT_MIN_TEST_FRAUDS, tooLittleData } from './testWindow.js';
import type { ValidateResult } from './result.js';

export { CHAMPION, PREVIOUS_CHAMPION, DEFAULT_MIN_TEST_FRAUDS };
export type { ModelSummary, ValidateResult } from './result.js';

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
  const engine = await (o.engines ?? engineFactory(o.engine))({ workDir: join(work, 'engine'), memoryLimit: o.memoryLimit ?? '4GB', signal: o.signal }).catch((e: unknown) => {
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
    const windows = currentWindows(lakeDays, o);
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
    // Only the test window is scored; the days before it only give the cards known to be compromised (frauds).
    const frame = await loadFeatureFrame(engine, lake, windows.trainStart, days.test[1], {
      spec: candidate.artifact.featureSpec,
      signal: o.signal,
      select: async () => ({ whole: [{ from: days.test[0], to: days.test[1] }], rows: [], cards: [] }),
    });
    const { test: set, removedKnownCompromised: removed } = splitFrame(frame, windows, { needTrain: false });
    const scoresB = await predictProbaInBlocks(candidate.model, set.X, o.signal);
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
      const scored = champion ? { model: champion, scores: await predictProbaInBlocks(champion.model, set.X, o.signal) } : undefined;
      const { out, distributions } = compare(settings, set, metric, candidate, scoresB, scored, window, progress);
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

