/**
 * `fraudops models list|show`, `promote` and `rollback` through the CLI entry point, on an embedded store with
 * three registered versions (v1 previous-champion, v2 champion): what they print, what they record, exit codes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALIASES, TAGS } from '../../models/conventions.js';
import { openTracking } from '../../tracking/openTracking.js';
import type { Tracking } from '../../tracking/Tracking.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main } from '../main.js';

const MODEL = 'fraudops-fraud';
let dir: string;
let store: string;
let out: string[];
let err: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fraudops-models-cli-'));
  store = join(dir, 'tracking');
  const t = await openTracking(store);
  try {
    const exp = await t.runs.getOrCreateExperiment('fraudops');
    await t.registry.createRegisteredModel(MODEL);
    for (const [ap, kind] of [['0.61', 'logreg'], ['0.72', 'gbdt'], ['0.70', 'gbdt']]) {
      const run = await t.runs.createRun({ experimentId: exp.experimentId, runName: `train-${kind}` });
      await t.runs.logMetric(run.runId, 'test_ap', Number(ap));
      await t.runs.endRun(run.runId);
      await t.registry.createModelVersion({
        name: MODEL,
        runId: run.runId,
        source: `${run.artifactUri}/model`,
        tags: { [TAGS.modelKind]: kind, [`${TAGS.testMetricPrefix}ap`]: ap },
      });
    }
    await t.registry.setModelVersionTag(MODEL, '2', 'validation.code', 'SIGNIFICANT_IMPROVEMENT');
    await t.registry.setAlias(MODEL, ALIASES.previousChampion, '1');
    await t.registry.setAlias(MODEL, ALIASES.champion, '2');
  } finally {
    await t.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
});
afterEach(() => vi.restoreAllMocks());

const run = (...args: string[]) => main([...args, '--tracking', store], {});
const json = () => JSON.parse(out.join('')) as Record<string, unknown>;
async function aliases(): Promise<Record<string, string>> {
  const t: Tracking = await openTracking(store);
  try {
    return (await t.registry.getRegisteredModel(MODEL)).aliases;
  } finally {
    await t.close();
  }
}

describe('cli > models', () => {
  it('list shows every version newest first, with aliases, test metrics and evidence', async () => {
    expect(await run('models', 'list', '--json')).toBe(EXIT_OK);
    const versions = json().versions as { version: string; aliases: string[]; testMetrics: Record<string, number>; evidence: Record<string, string> }[];
    expect(versions.map((v) => [v.version, v.aliases, v.testMetrics.ap])).toEqual([
      ['3', [], 0.7],
      ['2', ['champion'], 0.72],
      ['1', ['previous-champion'], 0.61],
    ]);
    expect(versions[1].evidence).toEqual({ 'validation.code': 'SIGNIFICANT_IMPROVEMENT' });
    out = [];
    expect(await run('models', 'list')).toBe(EXIT_OK);
    expect(out.join('')).toMatch(/^v2 \[champion\]\s+gbdt\s+ap=0\.7200/m);
  });

  it('show <version> adds the run and its metrics', async () => {
    expect(await run('models', 'show', '2', '--json')).toBe(EXIT_OK);
    const v = json() as { version: string; run: { runName: string; metrics: Record<string, number> } };
    expect([v.version, v.run.runName, v.run.metrics.test_ap]).toEqual(['2', 'train-gbdt', 0.72]);
  });

  it('bad usage exits 2; a version that does not exist exits 1 with MODEL_VERSION_NOT_FOUND', async () => {
    expect(await run('models')).toBe(EXIT_USAGE);
    expect(await run('models', 'remove')).toBe(EXIT_USAGE);
    expect(await run('models', 'show')).toBe(EXIT_USAGE);
    expect(await run('models', 'show', 'two')).toBe(EXIT_USAGE);
    expect(await run('models', 'list', '2')).toBe(EXIT_USAGE);
    expect(await run('models', 'show', '9')).toBe(EXIT_FAILURE);
    expect(err.join('')).toContain('error[MODEL_VERSION_NOT_FOUND]');
    expect(await run('models', 'list', '--registered-model', 'nope')).toBe(EXIT_FAILURE);
    expect(err.join('')).toContain('error[MODEL_NOT_REGISTERED]');
    expect(err.join('')).not.toMatch(/INTERNAL|\n\s+at /);
  });
});

describe('cli > promote and rollback', () => {
  it('promote needs a reason and an existing version; it records the override and moves both aliases', async () => {
    expect(await run('promote', '3')).toBe(EXIT_USAGE);
    expect(await run('promote', '3', '--reason', '  ')).toBe(EXIT_USAGE);
    expect(await run('promote', '--reason', 'x')).toBe(EXIT_USAGE);
    expect(await run('promote', '9', '--reason', 'x')).toBe(EXIT_FAILURE);
    expect(await aliases()).toEqual({ champion: '2', 'previous-champion': '1' });

    expect(await run('promote', '3', '--reason', 'risk committee override', '--json')).toBe(EXIT_OK);
    const d = json() as { champion: string; previousChampion: string; runId: string; reason: string };
    expect([d.champion, d.previousChampion, d.reason]).toEqual(['3', '2', 'risk committee override']);
    expect(await aliases()).toEqual({ champion: '3', 'previous-champion': '2' });

    const t = await openTracking(store);
    try {
      const tags = (await t.registry.getModelVersion(MODEL, '3')).tags;
      expect(tags).toMatchObject({ 'promotion.action': 'promote', 'promotion.reason': 'risk committee override', 'promotion.replaced': '2', 'promotion.run_id': d.runId });
      const record = await t.runs.getRun(d.runId);
      expect([record.info.status, record.data.tags[TAGS.stage], record.data.params['registry.champion']]).toEqual(['FINISHED', 'promote', '3']);
    } finally {
      await t.close();
    }
    expect(await run('promote', '3', '--reason', 'again')).toBe(EXIT_FAILURE);
    expect(err.join('')).toContain('error[ALREADY_CHAMPION]');
  });

  it('rollback returns champion to previous-champion, recorded; a second rollback goes forward again', async () => {
    expect(await run('rollback', '--reason', 'alert rate doubled', '--json')).toBe(EXIT_OK);
    expect(json()).toMatchObject({ action: 'rollback', champion: '2', previousChampion: '3', reason: 'alert rate doubled' });
    expect(await aliases()).toEqual({ champion: '2', 'previous-champion': '3' });
    const t = await openTracking(store);
    try {
      expect((await t.registry.getModelVersion(MODEL, '2')).tags).toMatchObject({ 'promotion.action': 'rollback', 'promotion.replaced': '3' });
    } finally {
      await t.close();
    }
    expect(await run('rollback')).toBe(EXIT_OK);
    expect(await aliases()).toEqual({ champion: '3', 'previous-champion': '2' });
    expect(out.join('')).toContain('champion is now version 3 (was version 2)');
    expect(await run('rollback')).toBe(EXIT_OK);
    expect(await aliases()).toEqual({ champion: '2', 'previous-champion': '3' });
    const u = await openTracking(store);
    try {
      await u.registry.deleteAlias(MODEL, ALIASES.previousChampion);
    } finally {
      await u.close();
    }
    expect(await run('rollback')).toBe(EXIT_FAILURE);
    expect(err.join('')).toContain('error[NO_PREVIOUS_CHAMPION]');
    expect(await aliases()).toEqual({ champion: '2' });
  });
});
