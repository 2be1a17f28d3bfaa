import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../generator/generate.js';
import { prepare } from '../prepare/prepare.js';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { buildFeatures, engineMemoryLimit } from './buildFeatures.js';

let dir: string;
let lake: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'build-features-test-'));
  lake = join(dir, 'lake');
  await generate({ out: join(dir, 'raw'), startDate: '2019-08-01', days: 12, customers: 600, terminals: 800, seed: 5 });
  await prepare({ raw: join(dir, 'raw'), lake, workDir: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every feature row under `out` (its day from the partition) by transaction id, and the files of each day. */
async function featureFiles(out: string): Promise<{ rows: Record<string, unknown>[]; filesPerDay: number[] }> {
  const engine = await DuckDbEngine.create();
  try {
    const rows = await engine.query(`SELECT * FROM read_parquet('${out}/*/*.parquet', hive_partitioning = true) ORDER BY transaction_id`);
    const days = readdirSync(out).filter((d) => d.startsWith('day='));
    return { rows, filesPerDay: days.map((d) => readdirSync(join(out, d)).filter((f) => f.endsWith('.parquet')).length) };
  } finally {
    await engine.close();
  }
}

describe('features > build > customer buckets', () => {
  it('writes the same rows and values bit for bit in buckets as in one query, one file per bucket and day; a rerun with fewer buckets leaves no stale files', async () => {
    const range = { lake, from: '2019-08-05', to: '2019-08-12', workDir: dir };
    const whole = await buildFeatures({ ...range, out: join(dir, 'whole'), customerBuckets: 1 });
    const split = await buildFeatures({ ...range, out: join(dir, 'split'), customerBuckets: 3 });
    expect(split.rows).toBe(whole.rows);
    expect(split.days).toEqual(whole.days);
    const [a, b] = [await featureFiles(join(dir, 'whole')), await featureFiles(join(dir, 'split'))];
    expect(a.rows.length).toBe(whole.rows);
    expect(a.rows.length).toBeGreaterThan(5000);
    expect(b.rows).toEqual(a.rows);
    expect(a.filesPerDay).toEqual(whole.days.map(() => 1));
    expect(b.filesPerDay).toEqual(whole.days.map(() => 3));

    const again = await buildFeatures({ ...range, out: join(dir, 'split'), customerBuckets: 2 });
    expect(again.files).toHaveLength(2 * whole.days.length);
    const c = await featureFiles(join(dir, 'split'));
    expect(c.filesPerDay).toEqual(whole.days.map(() => 2));
    expect(c.rows).toEqual(a.rows);
  }, 120_000);

  it('gives the engine a share of the memory cap, so what it allocates outside its limit stays under the cap', () => {
    expect(engineMemoryLimit('4GB')).toBe('3200MB');
    expect(engineMemoryLimit('1GiB')).toBe('858MB');
    expect(() => engineMemoryLimit('lots')).toThrow();
  });
});
