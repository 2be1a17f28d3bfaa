import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createArtifact, loadArtifact, serializeArtifact } from './artifact.js';
import { LogisticRegression } from './logreg/LogisticRegression.js';
import { DEFAULT_FEATURE_SPEC, featureNames } from '../features/spec.js';
import type { Matrix } from './Classifier.js';

const names = featureNames(DEFAULT_FEATURE_SPEC);

function data(rows: number): { X: Matrix; y: Uint8Array } {
  const X: Matrix = { rows, cols: names.length, data: new Float64Array(rows * names.length), names };
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < names.length; j++) X.data[i * names.length + j] = Math.sin(i * 7.1 + j * 1.3) * (j + 1);
    y[i] = X.data[i * names.length] + X.data[i * names.length + 3] > 0.5 ? 1 : 0;
  }
  return { X, y };
}

/** Every module `file` imports, transitively, within src/. */
function importGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^import\s+(?!type\b)[^'"]*from\s+'(\.[^']+)'/gm)) {
    importGraph(resolve(dirname(file), m[1].replace(/\.js$/, '.ts')), seen);
  }
  return seen;
}

describe('models > artifact', () => {
  it('round-trips: the loaded model scores exactly like the trained one', async () => {
    const { X, y } = data(400);
    const model = await new LogisticRegression().fit(X, y);
    const artifact = createArtifact(model, { spec: DEFAULT_FEATURE_SPEC, threshold: 0.5, params: { C: 1 }, lineage: { runId: 'r1' } });
    const { artifact: back, model: loaded } = loadArtifact(serializeArtifact(artifact), 'mem');
    expect(back.featureSpecHash).toBe(artifact.featureSpecHash);
    expect(Array.from(loaded.predictProba(X))).toEqual(Array.from(model.predictProba(X)));
  });

  it('rejects corrupt, foreign and edited artifacts with ARTIFACT_UNREADABLE', async () => {
    const { X, y } = data(200);
    const a = createArtifact(await new LogisticRegression().fit(X, y), { spec: DEFAULT_FEATURE_SPEC, threshold: 0.5, params: {}, lineage: {} });
    const edited = { ...a, featureSpec: { ...a.featureSpec, delayDays: 3 } };
    for (const bytes of [Buffer.from('{not json'), Buffer.from('{"format":"other/1"}'), serializeArtifact(edited), serializeArtifact({ ...a, kind: 'forest' })]) {
      expect(() => loadArtifact(bytes, 'x')).toThrow(expect.objectContaining({ code: 'ARTIFACT_UNREADABLE' }));
    }
  });

  it('loads without the trainers: its imports reach no training code', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const graph = [...importGraph(join(here, 'artifact.ts'))].map((f) => f.slice(resolve(here, '..').length + 1));
    expect(graph.filter((f) => /training\/|trainGbdt|growTree|HistogramBuilder|LogisticRegression|newtonLogistic|engine\//.test(f))).toEqual([]);
    expect(graph).toContain('models/gbdt/GbdtModel.ts');
  });
});
