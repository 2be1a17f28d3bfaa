/**
 * A generated and prepared lake plus registered models for scoring tests: a month of history, then the days the
 * tests score. Models are small logistic regressions fitted on the lake's batch features (seconds, not the
 * training stage's search), logged and registered in an embedded tracker exactly as training does, so the
 * scorer resolves them through the registry like any champion.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../src/generator/generate.js';
import { prepare } from '../../src/prepare/prepare.js';
import { DuckDbEngine } from '../../src/engine/DuckDbEngine.js';
import { createFeatureTable } from '../../src/features/buildFeatures.js';
import { DEFAULT_FEATURE_SPEC, featureNames } from '../../src/features/spec.js';
import { LogisticRegression } from '../../src/models/logreg/LogisticRegression.js';
import { ARTIFACT_FILE, DEFAULT_REGISTERED_MODEL, MODEL_ARTIFACT_DIR, createArtifact, serializeArtifact } from '../../src/models/artifact.js';
import { openStore } from '../../src/storage/openStore.js';
import { openRunView } from './runView.js';
import { VERSION_TAG } from '../../src/promotion/modelRef.js';

export interface ScoringFixture {
  dir: string;
  raw: string;
  lake: string;
  tracking: string;
  /** Days the lake holds. */
  days: string[];
}

export async function buildScoringFixture(o: { startDate: string; days: number; customers: number; terminals: number; seed: number }): Promise<ScoringFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-fixture-'));
  const raw = join(dir, 'raw');
  const lake = join(dir, 'lake');
  await generate({ out: raw, startDate: o.startDate, days: o.days, customers: o.customers, terminals: o.terminals, seed: o.seed });
  await prepare({ raw, lake, workDir: dir });
  const days = Array.from({ length: o.days }, (_, i) => new Date(Date.parse(`${o.startDate}T00:00:00Z`) + i * 86400e3).toISOString().slice(0, 10));
  return { dir, raw, lake, tracking: join(dir, 'mlruns'), days };
}

/** Fits a logistic regression on [from, to] of the lake and registers it; `alias` (e.g. champion) points to it. */
export async function registerModel(f: ScoringFixture, o: { from: string; to: string; c: number; alias?: string }): Promise<string> {
  const store = await openStore(f.lake);
  const engine = await DuckDbEngine.create();
  let model;
  try {
    const info = await createFeatureTable(engine, { lake: store, from: o.from, to: o.to });
    const names = featureNames();
    const cols = await engine.queryColumns(`SELECT tx_fraud, ${names.join(', ')} FROM features`);
    const X = new Float64Array(info.rows * names.length);
    for (let i = 0; i < info.rows; i++) for (let j = 0; j < names.length; j++) X[i * names.length + j] = cols[names[j]][i] as number;
    const y = Uint8Array.from(cols.tx_fraud.map(Number));
    model = await new LogisticRegression({ C: o.c }).fit({ rows: info.rows, cols: names.length, data: X, names }, y);
  } finally {
    await engine.close();
    await store.close();
  }
  const artifact = createArtifact(model, { spec: DEFAULT_FEATURE_SPEC, threshold: 0.5, params: { C: o.c }, lineage: { from: o.from, to: o.to } });
  const tracker = await openRunView(f.tracking);
  try {
    const exp = await tracker.getOrCreateExperiment('scoring-tests');
    const run = await tracker.createRun({ experimentId: exp.experimentId, runName: `logreg-C${o.c}` });
    await tracker.logArtifact(run.runId, serializeArtifact(artifact), `${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`);
    await tracker.createRegisteredModel(DEFAULT_REGISTERED_MODEL).catch(() => undefined);
    const version = await tracker.createModelVersion({ name: DEFAULT_REGISTERED_MODEL, runId: run.runId, artifactPath: MODEL_ARTIFACT_DIR });
    await tracker.setTag(run.runId, VERSION_TAG, version.version);
    await tracker.endRun(run.runId, 'FINISHED');
    if (o.alias) await tracker.setAlias(DEFAULT_REGISTERED_MODEL, o.alias, version.version);
    return version.version;
  } finally {
    await tracker.close();
  }
}

/** Moves an alias (a promotion, as validate does it). */
export async function setAlias(f: ScoringFixture, alias: string, version: string): Promise<void> {
  const tracker = await openRunView(f.tracking);
  try {
    await tracker.setAlias(DEFAULT_REGISTERED_MODEL, alias, version);
  } finally {
    await tracker.close();
  }
}

/** Batch features and champion scores of [from, to] of the lake, by transaction id. */
export async function batchScores(f: ScoringFixture, from: string, to: string, ref = 'models:/fraudops-fraud@champion'): Promise<Map<string, { features: number[]; score: number }>> {
  const { resolveModel } = await import('../../src/promotion/modelRef.js');
  const store = await openStore(f.lake);
  const engine = await DuckDbEngine.create();
  const tracker = await openRunView(f.tracking);
  try {
    const info = await createFeatureTable(engine, { lake: store, from, to });
    const names = featureNames();
    const cols = await engine.queryColumns(`SELECT transaction_id, ${names.join(', ')} FROM features`);
    const data = new Float64Array(info.rows * names.length);
    for (let i = 0; i < info.rows; i++) for (let j = 0; j < names.length; j++) data[i * names.length + j] = cols[names[j]][i] as number;
    const { model } = await resolveModel(tracker.tracking, ref, DEFAULT_REGISTERED_MODEL);
    const scores = model.predictProba({ rows: info.rows, cols: names.length, data, names });
    const out = new Map<string, { features: number[]; score: number }>();
    for (let i = 0; i < info.rows; i++) out.set(String(cols.transaction_id[i]), { features: Array.from(data.subarray(i * names.length, (i + 1) * names.length)), score: scores[i] });
    return out;
  } finally {
    await tracker.close();
    await engine.close();
    await store.close();
  }
}
