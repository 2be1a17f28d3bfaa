import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { appendFileSync, copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scoreFile } from '../src/scoring/scoreFile.js';
import { DuckDbEngine } from '../src/engine/DuckDbEngine.js';
import { createFeatureTable } from '../src/features/buildFeatures.js';
import { featureNames } from '../src/features/spec.js';
import { openStore } from '../src/storage/openStore.js';
import { openTracker } from '../src/tracking/openTracker.js';
import { resolveModel } from '../src/promotion/modelRef.js';
import type { Prediction } from '../src/scoring/Scorer.js';
import { buildScoringFixture, registerModel, type ScoringFixture } from './support/scoringFixture.js';

let f: ScoringFixture;
beforeAll(async () => {
  f = await buildScoringFixture({ startDate: '2019-08-01', days: 40, customers: 800, terminals: 1600, seed: 12 });
  await registerModel(f, { from: '2019-08-15', to: '2019-08-28', c: 1, alias: 'champion' });
});
afterAll(() => rmSync(f.dir, { recursive: true, force: true }));

/** Batch features and scores of one day of the lake, by transaction id. */
async function batchDay(day: string): Promise<Map<string, { features: number[]; score: number }>> {
  const store = await openStore(f.lake);
  const engine = await DuckDbEngine.create();
  const tracker = await openTracker(f.tracking);
  try {
    const info = await createFeatureTable(engine, { lake: store, from: day, to: day, cacheDir: join(f.dir, 'cache') });
    const names = featureNames();
    const cols = await engine.queryColumns(`SELECT transaction_id, ${names.join(', ')} FROM features`);
    const data = new Float64Array(info.rows * names.length);
    for (let i = 0; i < info.rows; i++) for (let j = 0; j < names.length; j++) data[i * names.length + j] = cols[names[j]][i] as number;
    const { model } = await resolveModel(tracker, 'models:/fraudops-fraud@champion', 'fraudops-fraud');
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

describe('score > file (in-process source and sink)', () => {
  it('gives every transaction of a day the batch features and score, with no label leak, and dead-letters bad lines', async () => {
    const day = '2019-09-08';
    const rawFile = join(f.dir, `${day}.txt`);
    copyFileSync(join(f.raw, `${day}.txt`), rawFile);
    appendFileSync(rawFile, 'complete garbage\n1,2,3\n\n77,2019-09-08 24:10:00,1,1,1.00,1,1,0,0\n');
    const out = join(f.dir, 'pred.jsonl');
    const r = await scoreFile({ raw: rawFile, out, lake: f.lake, tracking: f.tracking, withFeatures: true, cacheDir: join(f.dir, 'cache') });
    const batch = await batchDay(day);
    expect(r.scored).toBe(batch.size);
    expect(r.deadByReason).toEqual({ column_count: 2, blank_line: 1, bad_datetime: 1 });
    const names = featureNames();
    let worst = 0;
    let scoreDiff = 0;
    let alerts = 0;
    const seen = new Set<string>();
    for (const line of readFileSync(out, 'utf8').split('\n').filter(Boolean)) {
      const p = JSON.parse(line) as Prediction;
      const b = batch.get(p.id);
      expect(b, `transaction ${p.id} is not in the batch features`).toBeDefined();
      seen.add(p.id);
      names.forEach((n, j) => (worst = Math.max(worst, Math.abs(p.features![n] - b!.features[j]))));
      scoreDiff = Math.max(scoreDiff, Math.abs(p.score - b!.score));
      expect(p.modelVersion).toBe('1');
      expect(p.decision).toBe(p.score >= p.threshold ? 'alert' : 'pass');
      if (p.decision === 'alert') alerts++;
    }
    expect(seen.size).toBe(batch.size);
    expect(worst).toBeLessThanOrEqual(1e-9);
    expect(scoreDiff).toBeLessThanOrEqual(1e-12);
    expect(alerts).toBe(r.alerts);
    const risky = [...batch.values()].filter((b) => b.features[names.indexOf('TERMINAL_ID_RISK_30DAY_WINDOW')] > 0).length;
    expect(risky).toBeGreaterThan(0);
    const dead = readFileSync(r.deadLetters, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { reason: string; raw: string });
    expect(dead.map((d) => Buffer.from(d.raw, 'base64').toString())).toContain('complete garbage');
  });
});
