/**
 * Training refuses inputs it cannot learn from or record to, with an error code the caller can branch on, and a
 * run that failed half-way is marked FAILED in tracking (with the reason as a tag), never left RUNNING and never
 * registered as a model version. The lakes are a few hand-written rows a day, so each one holds exactly the
 * defect under test.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FraudopsError } from '../src/errors.js';
import { openRunView } from './support/runView.js';
import type { Run } from '../src/tracking/RunTracker.js';
import { FAILURE_TAG } from '../src/tracking/withRun.js';
import { DEFAULT_EXPERIMENT, DEFAULT_REGISTERED_MODEL, train, type TrainOptions } from '../src/training/train.js';
import { tinyLake } from './support/handbookLake.js';
import { addDays } from '../src/util/dates.js';
import { CommitLog } from '../src/lake/CommitLog.js';
import { openStore } from '../src/storage/openStore.js';

let dir: string;
/** 35 days (one validation fold fits) with a fraud every day. */
let fraudLake: string;
/** 35 days without a single fraud. */
let cleanLake: string;
/** 35 days with fraud, day 20 (the last day of the default training window) missing. */
let holeLake: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'train-errors-'));
  fraudLake = await tinyLake(join(dir, 'fraud'), { days: 35, fraud: (_, i) => i === 3 });
  cleanLake = await tinyLake(join(dir, 'clean'), { days: 35 });
  holeLake = await tinyLake(join(dir, 'hole'), { days: 35, skipDays: [20], fraud: (_, i) => i === 3 });
  const store = await openStore(fraudLake);
  fraudDayZero = (await CommitLog.load(store)).parts().map((p) => p.day).sort()[0];
  await store.close();
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** First day of the tiny lakes (see tinyLake). */
let fraudDayZero = '';

let trackers = 0;
/** A fresh embedded store per test, so each test sees only its own runs. */
function tracking(): string {
  return join(dir, `tracking-${++trackers}`);
}

async function failure(o: TrainOptions): Promise<FraudopsError> {
  const e = await train({ model: 'logreg', folds: 1, workDir: dir, ...o }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FraudopsError);
  return e as FraudopsError;
}

async function runsOf(uri: string): Promise<Run[]> {
  const t = await openRunView(uri);
  try {
    const experiment = await t.getExperimentByName(DEFAULT_EXPERIMENT);
    return experiment ? await t.searchRuns({ experimentIds: [experiment.experimentId] }) : [];
  } finally {
    await t.close();
  }
}

async function registeredVersions(uri: string): Promise<string | undefined> {
  const t = await openRunView(uri);
  try {
    return await t.getRegisteredModel(DEFAULT_REGISTERED_MODEL).then(
      (m) => m.name,
      (e: FraudopsError) => e.code,
    );
  } finally {
    await t.close();
  }
}

describe('train > bad input > windows', () => {
  it('an empty lake is EMPTY_WINDOW, before any run is created', async () => {
    const empty = join(dir, 'empty-lake');
    mkdirSync(empty);
    const uri = tracking();
    expect((await failure({ lake: empty, tracking: uri })).code).toBe('EMPTY_WINDOW');
    expect(await runsOf(uri)).toEqual([]);
  });

  it('a lake too short for one validation fold is LAKE_TOO_SHORT, naming the day it starts, before any run', async () => {
    const uri = tracking();
    const e = await failure({ lake: fraudLake, tracking: uri, trainStart: addDays(fraudDayZero, 10) });
    expect(e.code).toBe('LAKE_TOO_SHORT');
    expect(e.message).toContain(fraudDayZero);
    expect(await runsOf(uri)).toEqual([]);
  });

  it('a training window after the lake ends is LAKE_MISSING_DAYS, and its run is FAILED', async () => {
    const uri = tracking();
    const e = await failure({ lake: fraudLake, trainStart: '2030-01-01', tracking: uri });
    expect(e.code).toBe('LAKE_MISSING_DAYS');
    const runs = await runsOf(uri);
    expect(runs.map((r) => [r.info.status, r.data.tags[FAILURE_TAG]])).toEqual([['FAILED', 'LAKE_MISSING_DAYS']]);
  });

  it('a training window before the lake starts is LAKE_TOO_SHORT', async () => {
    expect((await failure({ lake: fraudLake, trainStart: '2000-01-01', tracking: tracking() })).code).toBe('LAKE_TOO_SHORT');
  });

  it('a lake with a missing day inside the needed range is LAKE_MISSING_DAYS, counting the one missing day', async () => {
    const e = await failure({ lake: holeLake, tracking: tracking() });
    expect(e.code).toBe('LAKE_MISSING_DAYS');
    expect(e.context.missing).toBe(1);
  });

  it('the same lake without the hole trains', async () => {
    // Control for the tests above: the default window of a 35-day lake is its last 21 days, with one fold before.
    const r = await train({ lake: fraudLake, model: 'logreg', folds: 1, workDir: dir, tracking: tracking() });
    expect(r.windows).toEqual({ train: ['2019-09-05', '2019-09-11'], delay: ['2019-09-12', '2019-09-18'], test: ['2019-09-19', '2019-09-25'] });
    expect(r.rows).toMatchObject({ train: 140, trainFrauds: 7, testFrauds: 7, removedKnownCompromised: 0 });
    expect(r.search.folds).toBe(1);
  });
});

describe('train > bad input > no fraud', () => {
  it('a training window without fraud is NO_FRAUD; the run is FAILED with the reason and no version is registered', async () => {
    const uri = tracking();
    const e = await failure({ lake: cleanLake, tracking: uri });
    expect(e.code).toBe('NO_FRAUD');
    expect(String(e.context.window)).toMatch(/^training window/);
    const runs = await runsOf(uri);
    expect(runs).toHaveLength(1);
    expect(runs[0].info.status).toBe('FAILED');
    expect(runs[0].info.endTime).toBeGreaterThanOrEqual(runs[0].info.startTime);
    expect(runs[0].data.tags[FAILURE_TAG]).toBe('NO_FRAUD');
    // What was known before the failure is on the run: the windows it tried.
    expect(runs[0].data.params['window.train_start']).toBe('2019-09-05');

    const t = await openRunView(uri);
    try {
      const experimentId = runs[0].info.experimentId;
      expect(await t.searchRuns({ experimentIds: [experimentId], filter: "attributes.status = 'RUNNING'" })).toEqual([]);
      expect(await t.searchRuns({ experimentIds: [experimentId], filter: `tags.${FAILURE_TAG} = 'NO_FRAUD'` })).toHaveLength(1);
    } finally {
      await t.close();
    }
    expect(await registeredVersions(uri)).toBe('RESOURCE_NOT_FOUND');
  });

  it('a test window without fraud is NO_FRAUD too: the model could not be measured', async () => {
    const lake = await tinyLake(join(dir, 'no-test-fraud'), { days: 35, fraud: (day, i) => day < 28 && i === 3 });
    const e = await failure({ lake, tracking: tracking() });
    expect(e.code).toBe('NO_FRAUD');
    expect(String(e.context.window)).toMatch(/^test window/);
  });
});

describe('train > bad input > tracking', () => {
  it('an unknown tracking scheme is TRACKING_URI_INVALID', async () => {
    const e = await failure({ lake: fraudLake, tracking: 'ftp://x' });
    expect(e.code).toBe('TRACKING_URI_INVALID');
    expect(e.retriable).toBe(false);
  });

  it('a tracking server that does not answer is TRACKING_UNAVAILABLE, retriable', async () => {
    const e = await failure({ lake: fraudLake, tracking: 'http://127.0.0.1:9' });
    expect(e.code).toBe('TRACKING_UNAVAILABLE');
    expect(e.retriable).toBe(true);
  });

  it('a non-positive trial count is CONFIG_INVALID naming the flag', async () => {
    const e = await failure({ lake: fraudLake, trials: 0, tracking: tracking() });
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.context.field).toBe('trials');
  });
});
