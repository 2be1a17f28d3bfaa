/**
 * Broken promotion promises, each as it was found: a typo in `--against` promoted with no comparison; a dry run
 * overwrote the evidence on the run and version; a model could be validated against itself; `--test course-t`
 * reported a difference outside its own interval (the interval was the paired bootstrap's); the first model's
 * evidence read `p = NaN`. Embedded tracker, models from the ladder (see support/modelLadder.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { championInfo } from '../../src/promotion/champion.js';
import { CHAMPION, validate, type ValidateOptions } from '../../src/promotion/validate.js';
import { openRunView, type RunView } from '../support/runView.js';
import { train } from '../../src/training/train.js';
import { smallLake } from '../support/handbookLake.js';
import { ARTIFACT_PATH, registerLadder, type Rung } from './support/modelLadder.js';

const MODEL = 'fraudops-promises';
let dir: string;
let lake: string;
let uri: string;
let tracker: RunView;
let rungs: Rung[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'validate-promises-'));
  lake = await smallLake();
  const trained = await train({ lake, model: 'logreg', folds: 1, tracking: join(dir, 'trained'), workDir: dir, seed: 1 });
  const t = await openRunView(join(dir, 'trained'));
  const artifact = await t.downloadArtifact(trained.runId, ARTIFACT_PATH);
  await t.close();
  uri = join(dir, 'tracking');
  tracker = await openRunView(uri);
  rungs = await registerLadder(tracker, artifact, MODEL, 'promises', [1, 4, 99]);
}, 900_000);
afterAll(async () => {
  await tracker?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (o: Partial<ValidateOptions> & { candidate: string }) =>
  validate({ lake, tracking: uri, registeredModel: MODEL, bootstrap: 100, workDir: dir, ...o });
const aliases = async () => (await tracker.getRegisteredModel(MODEL)).aliases;

describe('validate > promises', () => {
  it('the first model records no NaN p-value, and champion explains it without one', async () => {
    const r = await run({ candidate: rungs[0].ref });
    expect(r.decision.code).toBe('FIRST_MODEL');
    const tags = (await tracker.getModelVersion(MODEL, rungs[0].version)).tags;
    expect(tags['validation.p_value']).not.toMatch(/NaN/);
    expect(tags['validation.mean_diff']).not.toMatch(/NaN/);
    const info = JSON.stringify(await championInfo({ tracking: uri, registeredModel: MODEL }));
    expect(info).not.toMatch(/NaN/);
  }, 600_000);

  it('a mistyped --against is an error naming the alias, and nothing is promoted', async () => {
    const before = await aliases();
    await expect(run({ candidate: rungs[2].ref, against: 'champoin' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', context: { field: 'against' } });
    await expect(run({ candidate: rungs[2].ref, against: `models:/${MODEL}/999` })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(await aliases()).toEqual(before);
  });

  it('a model cannot be validated against itself', async () => {
    await expect(run({ candidate: rungs[0].ref })).rejects.toMatchObject({ code: 'CONFIG_INVALID', context: { field: 'candidate' } });
    await expect(run({ candidate: rungs[0].runId })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('a dry run records nothing: no tags, metrics or artifacts on the candidate, no alias moves', async () => {
    const evidence = async () => ({
      aliases: await aliases(),
      runTags: (await tracker.getRun(rungs[2].runId)).data.tags,
      runMetrics: (await tracker.getRun(rungs[2].runId)).data.metrics,
      versionTags: (await tracker.getModelVersion(MODEL, rungs[2].version)).tags,
      artifacts: await tracker.listArtifacts(rungs[2].runId),
    });
    const before = await evidence();
    const r = await run({ candidate: rungs[2].ref, dryRun: true });
    expect(r.decision.promote).toBe(true);
    expect(r.promoted).toBe(false);
    expect(await evidence()).toEqual(before);
  }, 600_000);

  it('each test reports its own interval, and its difference lies inside it', async () => {
    for (const o of [{ test: 'course-t' as const }, { test: 'delong' as const, metric: 'auc' as const }, { test: 'paired-bootstrap' as const }]) {
      const r = await run({ candidate: rungs[1].ref, dryRun: true, ...o });
      expect(r.ci, o.test).toBeDefined();
      expect(r.meanDiff, o.test).toBeGreaterThanOrEqual(r.ci![0]);
      expect(r.meanDiff, o.test).toBeLessThanOrEqual(r.ci![1]);
      // DeLong's and the t-test's intervals are symmetric around their own difference; the bootstrap's need not be.
      if (o.test !== 'paired-bootstrap') expect((r.ci![0] + r.ci![1]) / 2, o.test).toBeCloseTo(r.meanDiff, 12);
    }
  }, 600_000);

  it('a champion alias that was removed is not mistaken for "no champion yet"', async () => {
    const r = await run({ candidate: rungs[1].ref });
    expect(r.promoted).toBe(true); // now previous-champion exists
    await tracker.tracking.registry.deleteAlias(MODEL, CHAMPION);
    await expect(run({ candidate: rungs[2].ref })).rejects.toMatchObject({ code: 'CHAMPION_MISSING' });
    expect((await aliases())[CHAMPION]).toBeUndefined();
    await tracker.setAlias(MODEL, CHAMPION, rungs[1].version);
  }, 600_000);
});
