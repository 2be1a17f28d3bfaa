/**
 * `score`'s output files, as a hostile user found them: an --out whose folder could not be made, or that was a
 * directory, ended in error[INTERNAL]; and any failed run (a mistyped --raw, no champion) had already truncated
 * the previous predictions and dead letters. Now an unwritable --out is OUTPUT_UNWRITABLE before any work, and
 * both files are published together only when scoring succeeds.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringFixture, registerModel, type ScoringFixture } from '../support/scoringFixture.js';
import { runCli } from './support/lakeRace.js';

let f: ScoringFixture;
let day: string;
beforeAll(async () => {
  f = await buildScoringFixture({ startDate: '2019-08-01', days: 10, customers: 100, terminals: 200, seed: 5 });
  await registerModel(f, { from: '2019-08-03', to: '2019-08-08', c: 1, alias: 'champion' });
  day = join(f.dir, 'day.txt');
  copyFileSync(join(f.raw, '2019-08-10.txt'), day);
}, 300_000);
afterAll(() => rmSync(f.dir, { recursive: true, force: true }));

const score = (...args: string[]) => runCli(['score', '--raw', day, '--tracking', f.tracking, ...args]).done;

describe('score > outputs', () => {
  it('an --out that is a directory, or under a regular file, is OUTPUT_UNWRITABLE naming the flag, and nothing is written', async () => {
    const folder = join(f.dir, 'a-folder');
    mkdirSync(folder);
    const file = join(f.dir, 'a-file');
    writeFileSync(file, 'x');
    for (const out of [folder, join(file, 'preds.jsonl')]) {
      const r = await score('--out', out, '--json');
      expect(r.code, r.stderr).toBe(1);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'OUTPUT_UNWRITABLE', context: { field: 'out' } });
      expect(r.stderr).not.toMatch(/INTERNAL|\n\s+at /);
    }
    expect(readdirSync(folder)).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('x');
  }, 120_000);

  it('a failed run leaves the previous predictions and dead letters as they were, and no temporary files', async () => {
    const out = join(f.dir, 'kept', 'preds.jsonl');
    const first = await score('--out', out);
    expect(first.code, first.stderr).toBe(0);
    const before = readFileSync(out, 'utf8');
    expect(before.length).toBeGreaterThan(0);
    expect(existsSync(`${out}.dead.jsonl`)).toBe(true);
    const typo = await runCli(['score', '--raw', join(f.dir, 'no-such-day.txt'), '--tracking', f.tracking, '--out', out]).done;
    expect(typo.code).toBe(1);
    const noChampion = await score('--out', out, '--model', 'no-such-alias');
    expect(noChampion.code).not.toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(before);
    expect(readdirSync(join(f.dir, 'kept')).sort()).toEqual(['preds.jsonl', 'preds.jsonl.dead.jsonl']);
  }, 120_000);
});
