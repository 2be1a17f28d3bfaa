/**
 * The promotion flow on the embedded tracker: the first model is promoted, a clearly better one replaces it
 * (the old one becomes `previous-champion`), an identical retrain or a worse model is refused, and each failure
 * — unreadable champion, different feature spec, empty or fraud-free test window — stops with its error code
 * before any alias moves. Models are trained on the small generated lake; the deliberately weak model is the
 * trained logistic regression with every weight but the weekend flag's zeroed, so it ranks almost at random.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FraudopsError } from '../src/errors.js';
import { DEFAULT_FEATURE_SPEC } from '../src/features/spec.js';
import { ARTIFACT_FILE, type ModelArtifact } from '../src/models/artifact.js';
import { championInfo } from '../src/promotion/champion.js';
import { VERSION_TAG } from '../src/promotion/modelRef.js';
import { CHAMPION, PREVIOUS_CHAMPION, validate, type ValidateOptions, type ValidateResult } from '../src/promotion/validate.js';
import { openRunView, type RunView } from './support/runView.js';
import { DEFAULT_EXPERIMENT, MODEL_ARTIFACT_DIR, train, type TrainResult } from '../src/training/train.js';
import { smallLake, tinyLake } from './support/handbookLake.js';

const MODEL = 'fraudops-fraud';
const B = 200;

let dir: string;
let lake: string;
let uri: string;
let tracker: RunView;
/** Logistic regression, and the same training again (same seed, same data: the same model). */
let good: TrainResult;
let twin: TrainResult;
let weak: { runId: string; version: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'validate-'));
  lake = await smallLake();
  uri = join(dir, 'tracking');
  good = await train({ lake, model: 'logreg', folds: 1, tracking: uri, workDir: dir, seed: 1 });
  twin = await train({ lake, model: 'logreg', folds: 1, tracking: uri, workDir: dir, seed: 1 });
  tracker = await openRunView(uri);
  weak = await registerWeakModel(good.runId);
}, 900_000);
afterAll(async () => {
  await tracker?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ref = (version: string): string => `models:/${MODEL}/${version}`;

/** A registered model version scoring on the weekend flag alone, logged as its own run like a trained one. */
async function registerWeakModel(fromRunId: string): Promise<{ runId: string; version: string }> {
  const path = `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`;
  const artifact = JSON.parse((await tracker.downloadArtifact(fromRunId, path)).toString('utf8')) as ModelArtifact;
  const body = artifact.model as unknown as { featureNames: string[]; coef: number[] };
  const keep = body.featureNames.indexOf('TX_DURING_WEEKEND');
  expect(keep).toBeGreaterThanOrEqual(0);
  body.coef = body.coef.map((c, j) => (j === keep ? c : 0));
  const experiment = await tracker.getOrCreateExperiment(DEFAULT_EXPERIMENT);
  const run = await tracker.createRun({ experimentId: experiment.experimentId, runName: 'weak-weekend-only' });
  await tracker.logArtifact(run.runId, Buffer.from(JSON.stringify(artifact)), path);
  const version = await tracker.createModelVersion({ name: MODEL, runId: run.runId, artifactPath: MODEL_ARTIFACT_DIR });
  await tracker.setTag(run.runId, VERSION_TAG, version.version);
  await tracker.endRun(run.runId);
  return { runId: run.runId, version: version.version };
}

function run(o: Partial<ValidateOptions> & { candidate: string }): Promise<ValidateResult> {
  return validate({ lake, tracking: uri, bootstrap: B, workDir: dir, ...o });
}

async function aliases(): Promise<Record<string, string>> {
  return (await tracker.getRegisteredModel(MODEL)).aliases;
}

/** Runs a validation that must fail, and checks that it moved no alias and recorded no evidence on the candidate. */
async function refused(o: Partial<ValidateOptions> & { candidate: string }, candidate: TrainResult): Promise<FraudopsError> {
  const evidence = async () => ({
    aliases: await aliases(),
    runTags: (await tracker.getRun(candidate.runId)).data.tags,
    versionTags: (await tracker.getModelVersion(MODEL, candidate.modelVersion)).tags,
    artifacts: await tracker.listArtifacts(candidate.runId),
  });
  const before = await evidence();
  const e = await run(o).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FraudopsError);
  expect(await evidence()).toEqual(before);
  return e as FraudopsError;
}

describe('validate > promotion flow', () => {
  it('the first model is promoted as FIRST_MODEL and becomes champion', async () => {
    await expect(tracker.getRegisteredModel(MODEL)).resolves.toMatchObject({ aliases: {} });
    const r = await run({ candidate: ref(weak.version) });
    expect(r.decision.code).toBe('FIRST_MODEL');
    expect(r.promoted).toBe(true);
    expect(r.champion).toBeUndefined();
    expect(r.aliases).toEqual({ [CHAMPION]: weak.version, [PREVIOUS_CHAMPION]: undefined });
    expect(await aliases()).toEqual({ [CHAMPION]: weak.version });
    expect(r.window).toMatchObject({ from: good.windows.test[0], to: good.windows.test[1], rows: good.rows.test, frauds: good.rows.testFrauds });
    // Nothing to compare with: no distributions, no report chart, but the decision is on run and version.
    expect(await tracker.getMetricHistory(weak.runId, 'validation_dist_ap')).toEqual([]);
    expect((await tracker.getModelVersion(MODEL, weak.version)).tags).toMatchObject({ 'validation.code': 'FIRST_MODEL', 'validation.champion': 'none' });
  });

  it('course-t and DeLong run end to end; a dry run decides without moving an alias', async () => {
    const course = await run({ candidate: good.runId, test: 'course-t', dryRun: true });
    expect(course).toMatchObject({ test: 'course-t', promoted: false, decision: { promote: true, code: 'SIGNIFICANT_IMPROVEMENT' } });
    expect(course.bootstrap?.blocks).toMatch(/^none \(independent/);
    const delong = await run({ candidate: `runs:/${good.runId}`, test: 'delong', metric: 'auc', dryRun: true });
    expect(delong).toMatchObject({ test: 'delong', metric: 'auc', promoted: false, decision: { promote: true, code: 'SIGNIFICANT_IMPROVEMENT' } });
    expect(delong.pValue).toBeLessThan(0.05);
    expect(delong.meanDiff).toBeCloseTo(delong.candidate.observed - delong.champion!.observed, 12);
    expect(await aliases()).toEqual({ [CHAMPION]: weak.version });
    await expect(run({ candidate: good.runId, test: 'delong', metric: 'ap' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('a clearly better model is promoted; the old champion becomes previous-champion', async () => {
    const r = await run({ candidate: ref(good.modelVersion) });
    expect(r.decision.code).toBe('SIGNIFICANT_IMPROVEMENT');
    expect(r.promoted).toBe(true);
    expect(r.champion).toMatchObject({ runId: weak.runId, version: weak.version, kind: 'logreg' });
    expect(r.candidate.observed).toBeGreaterThan(r.champion!.observed + 0.2);
    expect(r.pValue).toBeLessThan(0.05);
    expect(r.ci![0]).toBeGreaterThan(0);
    expect(r.aliases).toEqual({ [CHAMPION]: good.modelVersion, [PREVIOUS_CHAMPION]: weak.version });
    expect(await aliases()).toEqual({ [CHAMPION]: good.modelVersion, [PREVIOUS_CHAMPION]: weak.version });
    expect((await tracker.getModelVersionByAlias(MODEL, CHAMPION)).aliases).toEqual([CHAMPION]);
  });

  it('the evidence is on the candidate version as tags and on its run as metrics, distributions and a report', async () => {
    const v = await tracker.getModelVersion(MODEL, good.modelVersion);
    expect(v.tags).toMatchObject({
      'validation.test': 'paired-bootstrap',
      'validation.metric': 'ap',
      'validation.decision': 'promote',
      'validation.code': 'SIGNIFICANT_IMPROVEMENT',
      'validation.window': `${good.windows.test[0]}..${good.windows.test[1]}`,
      'validation.champion': `models:/${MODEL}@${CHAMPION} (version ${weak.version})`,
    });
    expect(Number(v.tags['validation.p_value'])).toBeLessThan(0.05);
    const runData = (await tracker.getRun(good.runId)).data;
    expect(runData.tags['validation.decision']).toBe('promote');
    expect(runData.metrics.validation_p_value).toBe(Number(v.tags['validation.p_value']));
    expect(runData.metrics.validation_ci_low).toBeGreaterThan(0);

    // The course-t and DeLong dry runs recorded nothing; this validation's points are the only batch.
    const all = await tracker.getMetricHistory(good.runId, 'validation_dist_ap');
    expect(all).toHaveLength(B);
    const latest = Math.max(...all.map((m) => m.timestamp));
    const dist = all.filter((m) => m.timestamp === latest);
    expect(dist).toHaveLength(B);
    expect(dist.map((m) => m.step)).toEqual(Array.from({ length: B }, (_, i) => i));
    const champ = (await tracker.getMetricHistory(good.runId, 'validation_dist_champion_ap')).filter((m) => m.timestamp === latest);
    expect(champ).toHaveLength(B);
    const mean = (xs: { value: number }[]) => xs.reduce((s, m) => s + m.value, 0) / xs.length;
    expect(mean(dist) - mean(champ)).toBeGreaterThan(0.2);

    const files = (await tracker.listArtifacts(good.runId, 'validation')).map((a) => a.path).sort();
    expect(files).toEqual(['validation/report.html', 'validation/report.json', 'validation/report.png']);
    const png = await tracker.downloadArtifact(good.runId, 'validation/report.png');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect((await tracker.downloadArtifact(good.runId, 'validation/report.html')).toString('utf8')).toMatch(/SIGNIFICANT_IMPROVEMENT/);
  });

  it('championInfo reports the champion, its test metrics and evidence, and the previous champion', async () => {
    const info = await championInfo({ tracking: uri, registeredModel: MODEL });
    expect(info.champion).toMatchObject({ version: good.modelVersion, runId: good.runId, metrics: { test_ap: good.metrics.ap, test_auc: good.metrics.auc } });
    expect(info.champion?.evidence['validation.code']).toBe('SIGNIFICANT_IMPROVEMENT');
    expect(Object.keys(info.champion!.metrics).some((k) => k.startsWith('validation_dist'))).toBe(false);
    expect(info.previousChampion).toEqual({ version: weak.version, runId: weak.runId });
  });

  it('an identical retrain is not promoted: no difference, p = 1', async () => {
    const r = await run({ candidate: ref(twin.modelVersion) });
    expect(r.decision.code).toBe('NOT_SIGNIFICANT');
    expect(r.promoted).toBe(false);
    expect(r.meanDiff).toBe(0);
    expect(r.pValue).toBe(1);
    expect(r.candidate.observed).toBe(r.champion!.observed);
    expect(r.aliases).toEqual({ [CHAMPION]: good.modelVersion, [PREVIOUS_CHAMPION]: undefined });
    expect(await aliases()).toEqual({ [CHAMPION]: good.modelVersion, [PREVIOUS_CHAMPION]: weak.version });
    expect((await tracker.getModelVersion(MODEL, twin.modelVersion)).tags['validation.decision']).toBe('keep-champion');
  });

  it('a worse model is refused as WORSE', async () => {
    const r = await run({ candidate: weak.runId });
    expect(r.decision.code).toBe('WORSE');
    expect(r.promoted).toBe(false);
    expect(await aliases()).toEqual({ [CHAMPION]: good.modelVersion, [PREVIOUS_CHAMPION]: weak.version });
  });
});

describe('validate > failures move no alias', () => {
  it('a candidate trained on another feature spec is FEATURE_SPEC_MISMATCH', async () => {
    const other = await train({ lake, model: 'logreg', folds: 1, tracking: uri, workDir: dir, spec: { ...DEFAULT_FEATURE_SPEC, delayDays: 3 } });
    const e = await refused({ candidate: other.runId }, other);
    expect(e.code).toBe('FEATURE_SPEC_MISMATCH');
  });

  it('a test window outside the lake is refused with LAKE_MISSING_DAYS', async () => {
    const e = await refused({ candidate: ref(twin.modelVersion), testEnd: '2030-01-01' }, twin);
    expect(e.code).toBe('LAKE_MISSING_DAYS');
  });

  it('a test window without fraud is NO_FRAUD', async () => {
    // 21 days: the validation's train, delay and test weeks; fraud only in the first week.
    const noFraud = await tinyLake(join(dir, 'no-test-fraud'), { days: 21, fraud: (day, i) => day < 7 && i === 3 });
    const e = await refused({ candidate: ref(twin.modelVersion), lake: noFraud }, twin);
    expect(e.code).toBe('NO_FRAUD');
    expect(String(e.context.window)).toMatch(/^test window/);
  });

  it('an unreadable or missing champion artifact is CHAMPION_UNREADABLE', async () => {
    const file = join(fileURLToPath((await tracker.getRun(good.runId)).info.artifactUri), MODEL_ARTIFACT_DIR, ARTIFACT_FILE);
    const original = readFileSync(file);
    try {
      writeFileSync(file, original.subarray(0, original.length >> 1));
      expect((await refused({ candidate: ref(twin.modelVersion) }, twin)).code).toBe('CHAMPION_UNREADABLE');
      unlinkSync(file);
      expect((await refused({ candidate: ref(twin.modelVersion) }, twin)).code).toBe('CHAMPION_UNREADABLE');
    } finally {
      writeFileSync(file, original);
    }
    // Restored, the same validation runs again.
    await expect(run({ candidate: ref(twin.modelVersion) })).resolves.toMatchObject({ decision: { code: 'NOT_SIGNIFICANT' } });
  });
});

describe('validate > windows', () => {
  it('a quiet week before the test window does not block validation: only the test window needs fraud', async () => {
    // The week before the delay serves only to drop cards already known to be compromised; no model is fitted on it.
    const quiet = await tinyLake(join(dir, 'quiet-first-week'), { days: 21, fraud: (day, i) => day >= 14 && i === 3 });
    // 7 frauds: below the default minimum for a decision (see adversarial/decisions.little-data.test.ts), so it is lowered.
    const r = await run({ candidate: ref(twin.modelVersion), lake: quiet, dryRun: true, minTestFrauds: 5 });
    expect(r.window).toMatchObject({ rows: 140, frauds: 7, removedKnownCompromised: 0 });
    expect(r.promoted).toBe(false);
  });
});
