import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { appendFileSync, copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scoreFile } from '../src/scoring/scoreFile.js';
import { featureNames } from '../src/features/spec.js';
import type { Prediction } from '../src/scoring/Scorer.js';
import { batchScores, buildScoringFixture, registerModel, type ScoringFixture } from './support/scoringFixture.js';

let f: ScoringFixture;
beforeAll(async () => {
  f = await buildScoringFixture({ startDate: '2019-08-01', days: 40, customers: 800, terminals: 1600, seed: 12 });
  await registerModel(f, { from: '2019-08-15', to: '2019-08-28', c: 1, alias: 'champion' });
});
afterAll(() => rmSync(f.dir, { recursive: true, force: true }));

describe('score > file (in-process source and sink)', () => {
  it('gives every transaction of a day the batch features and score, with no label leak, and dead-letters bad lines', async () => {
    const day = '2019-09-08';
    const rawFile = join(f.dir, `${day}.txt`);
    copyFileSync(join(f.raw, `${day}.txt`), rawFile);
    appendFileSync(rawFile, 'complete garbage\n1,2,3\n\n77,2019-09-08 24:10:00,1,1,1.00,1,1,0,0\n');
    const out = join(f.dir, 'pred.jsonl');
    const r = await scoreFile({ raw: rawFile, out, lake: f.lake, tracking: f.tracking, withFeatures: true, workDir: join(f.dir, 'work') });
    const batch = await batchScores(f, day, day);
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
