/**
 * One writer per lake, for real: prepares racing on one lake (local directory and the S3 API server) never lose
 * or duplicate a row. The raw data is one generated month split in two halves (two raw roots); a serial run of
 * the halves, in either order, is the reference. Races are made deterministic where it matters with a stall
 * failpoint (the process freezes, event loop included, like a long GC pause or a suspended VM):
 *   - a second writer while the first holds the lake gets LAKE_CONFLICT (exit 3) and touches nothing;
 *   - a writer frozen past its lease is fenced: the next writer takes over, and the frozen one commits nothing;
 *   - N writers started at once: each raw file is committed by exactly one of them, and after the losers rerun
 *     the lake equals a serial run.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../src/generator/generate.js';
import { openStore } from '../../src/storage/openStore.js';
import { prepare } from '../../src/prepare/prepare.js';
import { CommitLog } from '../../src/lake/CommitLog.js';
import { createTestBucket, deleteTestBucket, useTestS3Env } from '../support/s3.js';
import { errorCode, runCli, snapshotLake, waitForObject, type LakeSnapshot, type Outcome } from './support/lakeRace.js';

const EXIT_CONFLICT = 3;
let dir: string;
let rawA: string;
let rawB: string;
let bucket: string;
const serial: { ab?: LakeSnapshot; ba?: LakeSnapshot } = {};

beforeAll(async () => {
  useTestS3Env();
  bucket = await createTestBucket('lake-race');
  dir = mkdtempSync(join(tmpdir(), 'lake-race-'));
  const all = join(dir, 'all');
  await generate({
    out: all,
    days: 4,
    customers: 500,
    terminals: 1000,
    seed: 21,
    noise: 'course',
    noiseRates: { duplicate_across_files: 2e-3, duplicate_within_file: 1e-3, bad_datetime: 1e-3 },
  });
  rawA = join(dir, 'rawA');
  rawB = join(dir, 'rawB');
  mkdirSync(rawA);
  mkdirSync(rawB);
  const days = readdirSync(all).filter((f) => /^\d{4}-\d\d-\d\d\.txt$/.test(f)).sort();
  days.forEach((f, i) => renameSync(join(all, f), join(i < days.length / 2 ? rawA : rawB, f)));
  for (const [name, order] of [['ab', [rawA, rawB]], ['ba', [rawB, rawA]]] as const) {
    const lake = join(dir, `serial-${name}`);
    for (const raw of order) expect((await prepare({ raw, lake, workDir: dir })).ok).toBe(true);
    serial[name] = await snapshotLake(lake, join(dir, 'cache'));
  }
  expect(serial.ab!.rows.n).toBeGreaterThan(1000);
  expect(serial.ab!.duplicateIds).toBe(0);
  // The halves share duplicate ids, so the order is visible in the lake.
  expect(serial.ab).not.toEqual(serial.ba);
}, 300_000);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await deleteTestBucket(bucket);
});

function prepareRun(raw: string, lake: string, env: Record<string, string> = {}) {
  return runCli(['prepare', '--raw', raw, '--lake', lake, '--json', '--work-dir', dir], env);
}

/** Reruns both halves serially (what an operator does after a LAKE_CONFLICT) and snapshots the result. */
async function settle(lake: string, order: string[]): Promise<LakeSnapshot> {
  for (const raw of order) expect((await prepare({ raw, lake, workDir: dir })).ok).toBe(true);
  return snapshotLake(lake, join(dir, 'cache'));
}

async function commitsOf(lake: string): Promise<CommitLog> {
  const store = await openStore(lake);
  try {
    return await CommitLog.load(store);
  } finally {
    await store.close();
  }
}

function expectConflict(o: Outcome): void {
  expect(o.code, o.stderr).toBe(EXIT_CONFLICT);
  expect(errorCode(o)).toBe('LAKE_CONFLICT');
  expect(o.stderr).not.toMatch(/INTERNAL|\n\s+at /);
}

const stores = [
  { name: 'local', lake: (t: string) => join(dir, `lake-${t}`) },
  { name: 's3', lake: (t: string) => `s3://${bucket}/lake-${t}` },
];

for (const store of stores) {
  describe(`prepare > single writer (${store.name})`, () => {
    it('a second writer while the first holds the lake gets LAKE_CONFLICT and deletes nothing', async () => {
      const lake = store.lake('second');
      // A freezes after uploading its first file's parts, before committing: the window where a second
      // writer's start-up cleanup used to delete them.
      const a = prepareRun(rawA, lake, { FRAUDOPS_FAILPOINTS: 'prepare.after-parts:1:stall=10000' });
      await waitForObject(lake, 'transactions/');
      const b = await prepareRun(rawB, lake).done;
      expectConflict(b);
      const ra = await a.done;
      expect(ra.code, ra.stderr).toBe(0);
      expect(await settle(lake, [rawA, rawB])).toEqual(serial.ab);
    });

    it('a writer frozen past its lease is fenced: the next writer takes over, the frozen one commits nothing', async () => {
      const lake = store.lake('fenced');
      const ttl = { FRAUDOPS_LAKE_LEASE_MS: '1500' };
      const a = prepareRun(rawA, lake, { ...ttl, FRAUDOPS_FAILPOINTS: 'prepare.after-parts:1:stall=6000' });
      await waitForObject(lake, 'transactions/');
      await new Promise((r) => setTimeout(r, 1800)); // A's lease has expired; A is still frozen
      // B keeps the default lease: only A's short one matters here, and a short lease of B's own could run out
      // under a loaded machine's scheduling delays before B renews it.
      const b = await prepareRun(rawB, lake, {}).done;
      expect(b.code, b.stderr).toBe(0);
      const ra = await a.done;
      expectConflict(ra);
      const log = await commitsOf(lake);
      // Only B's half is committed: A was fenced before its first commit.
      expect(log.commits.map((c) => c.raw.key)).toEqual(readdirSync(rawB).sort());
      expect(await settle(lake, [rawB, rawA])).toEqual(serial.ba);
    });

    it('N writers at once: each raw file is committed by exactly one, and the settled lake equals a serial run', async () => {
      const lake = store.lake('race');
      const raws = [rawA, rawB, rawA];
      const outcomes = await Promise.all(raws.map((raw) => prepareRun(raw, lake).done));
      for (const o of outcomes) {
        if (o.code !== 0) expectConflict(o);
      }
      expect(outcomes.filter((o) => o.code === 0).length).toBeGreaterThanOrEqual(1);
      const log = await commitsOf(lake);
      const keys = log.commits.map((c) => c.raw.key);
      expect(new Set(keys).size).toBe(keys.length);
      // Each file was reported as written by exactly one process.
      const written = outcomes
        .filter((o) => o.code === 0)
        .flatMap((o) => (JSON.parse(o.stdout) as { perFile: { file: string }[] }).perFile.map((f) => f.file));
      expect(written.sort()).toEqual(keys.slice().sort());
      const firstHalf = keys.length === 0 || readdirSync(rawA).includes(keys[0]) ? 'ab' : 'ba';
      const settled = await settle(lake, firstHalf === 'ab' ? [rawA, rawB] : [rawB, rawA]);
      expect(settled).toEqual(serial[firstHalf]);
    });
  });
}
