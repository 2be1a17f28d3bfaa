import { describe, expect, it } from 'vitest';
import { generate } from './generate.js';
import type { GenerateOptions } from './options.js';
import { dayFiles, readText, withTempDir } from './testkit.js';

const NOISY = {
  terminal_missing: 0.01,
  bad_datetime: 0.01,
  time_days_mismatch: 0.01,
  duplicate_within_file: 0.01,
  duplicate_across_files: 0.01,
  negative_customer_id: 0.01,
  sentinel_customer_id: 0.01,
  zero_amount: 0.01,
};

function small(out: string, extra: Partial<GenerateOptions> = {}): GenerateOptions {
  return { out, days: 6, customers: 300, terminals: 600, seed: 11, noise: 'course', noiseRates: NOISY, ...extra };
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = await dayFiles(dir);
  return new Map(await Promise.all(files.map(async (f) => [f, await readText(dir, f)] as const)));
}

describe('generator > determinism', () => {
  it('same seed gives byte-identical files with workers=1 and workers=2', async () => {
    await withTempDir(async (root) => {
      await generate(small(`${root}/w1`, { workers: 1 }));
      await generate(small(`${root}/w2`, { workers: 2 }));
      const a = await snapshot(`${root}/w1`);
      const b = await snapshot(`${root}/w2`);
      expect(a.size).toBe(6);
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [name, text] of a) expect(b.get(name) === text, name).toBe(true);
      expect(await readText(`${root}/w2`, '_manifest.json')).toBe(await readText(`${root}/w1`, '_manifest.json'));
    });
  }, 60_000);

  it('a different seed gives different files', async () => {
    await withTempDir(async (root) => {
      await generate(small(`${root}/a`, { days: 2 }));
      await generate(small(`${root}/b`, { days: 2, seed: 12 }));
      const a = await snapshot(`${root}/a`);
      const b = await snapshot(`${root}/b`);
      for (const [name, text] of a) expect(b.get(name) === text, name).toBe(false);
    });
  }, 30_000);
});

describe('generator > prefix stability', () => {
  it('5 days and 7 days with the same seed share the first 5 files byte for byte', async () => {
    await withTempDir(async (root) => {
      await generate(small(`${root}/five`, { days: 5 }));
      await generate(small(`${root}/seven`, { days: 7 }));
      const five = await snapshot(`${root}/five`);
      const seven = await snapshot(`${root}/seven`);
      expect(five.size).toBe(5);
      expect(seven.size).toBe(7);
      for (const [name, text] of five) expect(seven.get(name) === text, name).toBe(true);
    });
  }, 30_000);
});
