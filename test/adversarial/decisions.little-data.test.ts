/**
 * Decisions on too little data, as they were found: validation on a one-day lake decided from one day and two
 * frauds without a word; features reaching back before the lake's start were built on truncated history without
 * a word; training quietly searched with 2 of the 4 folds asked for, and `--trials 8` reported 13 trials. Now a
 * test window the lake does not fully hold, or with fewer frauds than the minimum, is TOO_LITTLE_DATA (nothing
 * decided, nothing recorded), and every departure from what was asked is a warning in the result, on the run and
 * on stderr. The lakes are hand-written rows (see tinyLake), so each holds exactly the shortage under test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate, type ValidateOptions } from '../../src/promotion/validate.js';
import { train, type TrainResult } from '../../src/training/train.js';
import { openRunView } from '../support/runView.js';
import { TINY_START, tinyLake } from '../support/handbookLake.js';
import { addDays } from '../../src/util/dates.js';
import { errorCode, runCli } from './support/lakeRace.js';

const MODEL = 'fraudops-little-data';
let dir: string;
/** 42 days with one fraud a day: the default windows with two validation folds before them, not four. */
let lake: string;
/** One day, two frauds. */
let oneDay: string;
let uri: string;
let trained: TrainResult;
const warnings: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'little-data-'));
  lake = await tinyLake(join(dir, 'weeks'), { days: 42, fraud: (_, i) => i === 3 });
  oneDay = await tinyLake(join(dir, 'one-day'), { days: 1, fraud: (_, i) => i === 3 || i === 7 });
  uri = join(dir, 'tracking');
  trained = await train({
    lake,
    model: 'auto',
    trials: 2,
    tracking: uri,
    registeredModel: MODEL,
    workDir: dir,
    onWarning: (w) => warnings.push(w.code),
  });
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ref = () => `models:/${MODEL}/${trained.modelVersion}`;
const run = (o: Partial<ValidateOptions>) => validate({ candidate: ref(), lake, tracking: uri, registeredModel: MODEL, bootstrap: 100, workDir: dir, ...o });

async function versionTags(): Promise<Record<string, string>> {
  const t = await openRunView(uri);
  try {
    return (await t.getModelVersion(MODEL, trained.modelVersion)).tags;
  } finally {
    await t.close();
  }
}

describe('train > says what it did not do as asked', () => {
  it('a lake too young for the 4 default folds searches with 2, and says so in the result, on the run and at once', async () => {
    expect(trained.search).toMatchObject({ folds: 2, foldsAsked: 4 });
    const codes = trained.warnings.map((w) => w.code);
    expect(codes).toContain('SEARCH_FOLDS_REDUCED');
    // The lake starts 42 days before its end; the features of the first fold's days reach 37 days further back.
    expect(codes).toContain('HISTORY_CUT_SHORT');
    expect(warnings).toEqual(codes);
    const t = await openRunView(uri);
    try {
      const run = await t.getRun(trained.runId);
      expect(run.data.tags['warning.SEARCH_FOLDS_REDUCED']).toMatch(/2 of the 4/);
      expect(run.data.params['search.folds_asked']).toBe('4');
    } finally {
      await t.close();
    }
  });

  it('--model auto --trials 2 reports 7 candidates as 2 boosted trees and the 5-point logistic grid', () => {
    expect(trained.search).toMatchObject({ trials: 7, candidates: { logreg: 5, gbdt: 2 } });
  });
});

describe('train > a lake too short says what would work', () => {
  it('with the default windows: how many more days, never a later --train-start (the default is the latest)', async () => {
    const short = await tinyLake(join(dir, 'thirty'), { days: 30, fraud: (_, i) => i === 3 });
    const e = await train({ lake: short, model: 'logreg', tracking: join(dir, 'short-tracking'), workDir: dir }).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'LAKE_TOO_SHORT', context: { neededDays: 35 } });
    expect((e as Error).message).toMatch(/prepare at least 5 more/);
    expect((e as Error).message).not.toMatch(/--train-start/);
  });

  it('with a --train-start too early: the earliest one that fits, and that one trains', async () => {
    const e = await train({ lake, model: 'logreg', folds: 1, trainStart: TINY_START, tracking: join(dir, 'early-tracking'), workDir: dir }).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'LAKE_TOO_SHORT' });
    const suggested = /--train-start (\d{4}-\d\d-\d\d)/.exec((e as Error).message)?.[1];
    expect(suggested).toBe(addDays(TINY_START, 14));
    const r = await train({ lake, model: 'logreg', folds: 1, trainStart: suggested, tracking: join(dir, 'early-tracking'), workDir: dir });
    expect(r.windows.train[0]).toBe(suggested);
  });
});

describe('validate > decisions on too little data', () => {
  it('a one-day lake is TOO_LITTLE_DATA naming the days held, and records nothing', async () => {
    await expect(run({ lake: oneDay })).rejects.toMatchObject({ code: 'TOO_LITTLE_DATA', context: { days: 1, minTestDays: 7 } });
    expect(Object.keys(await versionTags()).filter((k) => k.startsWith('validation.'))).toEqual([]);
  });

  it('a full test window with fewer frauds than the minimum (7 < 20) is TOO_LITTLE_DATA, and records nothing', async () => {
    await expect(run({})).rejects.toMatchObject({ code: 'TOO_LITTLE_DATA', context: { frauds: 7, minTestFrauds: 20 } });
    expect(Object.keys(await versionTags()).filter((k) => k.startsWith('validation.'))).toEqual([]);
  });

  it('lowered minimums decide, with features cut short by the lake start as a warning', async () => {
    const r = await run({ minTestFrauds: 5, dryRun: true });
    expect(r.decision.code).toBe('FIRST_MODEL');
    expect(r.window.frauds).toBe(7);
    expect(r.warnings.map((w) => w.code)).toEqual(['HISTORY_CUT_SHORT']);
    const one = await run({ lake: oneDay, minTestDays: 1, minTestFrauds: 2, dryRun: true });
    expect(one.window.frauds).toBe(2);
  });

  it('through the CLI: TOO_LITTLE_DATA exits 1 with one line; a decision on cut-short history warns on stderr', async () => {
    const base = ['validate', '--candidate', ref(), '--lake', lake, '--tracking', uri, '--registered-model', MODEL, '--bootstrap', '100', '--work-dir', dir];
    const refused = await runCli([...base, '--json']).done;
    expect(refused.code).toBe(1);
    expect(errorCode(refused)).toBe('TOO_LITTLE_DATA');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const decided = await runCli([...base, '--min-test-frauds', '5', '--dry-run']).done;
    expect(decided.code, decided.stderr).toBe(0);
    expect(decided.stderr).toMatch(/warning\[HISTORY_CUT_SHORT\]/);
    const bad = await runCli([...base, '--min-test-frauds', '0']).done;
    expect(bad.code).toBe(2);
  }, 120_000);
});
