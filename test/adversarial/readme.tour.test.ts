/**
 * The README's short tour, as a newcomer follows it: it broke at step 4, because `generate --days 30` made a lake
 * too short for `train`'s default windows, and the error then suggested a later --train-start, which gives
 * LAKE_MISSING_DAYS. `demo --days 30` failed the same way, only after generating and preparing. The tour's days
 * and the demo's are now checked against the days the default windows need, the demo refuses too few days before
 * any work, and every command the README suggests runs through `npx` (nothing puts `fraudops` on PATH).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TRAIN_OPTIONS } from '../../src/training/options.js';
import { minimumLakeDays } from '../../src/training/minimumLakeDays.js';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { ROOT, runCli } from './support/lakeRace.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const needed = minimumLakeDays({ trainDays: TRAIN_OPTIONS['train-days'].default, delayDays: TRAIN_OPTIONS['delay-days'].default, testDays: TRAIN_OPTIONS['test-days'].default });
const dir = mkdtempSync(join(tmpdir(), 'readme-tour-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tour(): string {
  const start = readme.indexOf('## A short tour');
  expect(start).toBeGreaterThan(0);
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
}

describe('README > short tour', () => {
  it("generates at least the days train's default windows need", () => {
    const generate = tour().split('\n').find((l) => /fraudops generate /.test(l));
    const days = Number(/--days (\d+)/.exec(generate ?? '')?.[1]);
    expect(needed).toBe(35);
    expect(days).toBeGreaterThanOrEqual(needed);
  });

  it('runs every command through npx', () => {
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    const bare = blocks.flatMap((b) => b.split('\n')).filter((l) => /(^|[\s;&|(=])fraudops (?!-)[a-z]/.test(l) && !/npx fraudops /.test(l.replace(/#.*$/, '')));
    expect(bare.filter((l) => !l.trim().startsWith('#'))).toEqual([]);
  });
});

describe('demo > days', () => {
  it("refuses fewer days than the default windows need, and its examples ask for enough", () => {
    expect(demoCommand.flags.days.min).toBe(needed);
    for (const example of demoCommand.examples) {
      const days = /--days (\d+)/.exec(example);
      if (days) expect(Number(days[1])).toBeGreaterThanOrEqual(needed);
    }
  });

  it('`demo --days 30` exits 2 before any work: no directory is made', async () => {
    const target = join(dir, 'demo');
    const r = await runCli(['demo', '--dir', target, '--days', '30']).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--days/);
    expect(existsSync(target)).toBe(false);
  }, 60_000);
});
