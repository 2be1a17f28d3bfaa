/**
 * The quality report equals the generator's noise manifest, row class by row class, on local storage and on
 * the real S3 API server (raw and lake both in a bucket), including a second, incremental run.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../src/generator/generate.js';
import { MANIFEST_NAME, type Manifest } from '../src/generator/manifest.js';
import { prepare } from '../src/prepare/prepare.js';
import { compareWithManifest } from '../src/prepare/manifestCheck.js';
import { openStore } from '../src/storage/openStore.js';
import { createTestBucket, deleteTestBucket, useTestS3Env } from './support/s3.js';

const RATES = {
  terminal_missing: 3e-4,
  bad_datetime: 2e-4,
  time_days_mismatch: 2e-4,
  duplicate_within_file: 2e-4,
  duplicate_across_files: 2e-4,
  negative_customer_id: 2e-4,
  sentinel_customer_id: 2e-4,
  zero_amount: 2e-4,
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prepare-manifest-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prepare > quality report equals the noise manifest', () => {
  it('on local storage, over two incremental runs', async () => {
    const raw = join(dir, 'raw');
    const lake = join(dir, 'lake');
    await generate({ out: raw, days: 4, customers: 4000, terminals: 8000, seed: 5, noise: 'course', noiseRates: RATES });
    const first = await prepare({ raw, lake, workDir: dir });
    // Same seed, more days: the first four files are byte-identical, so only the new ones are processed.
    await generate({ out: raw, days: 7, customers: 4000, terminals: 8000, seed: 5, noise: 'course', noiseRates: RATES });
    const second = await prepare({ raw, lake, workDir: dir });
    const manifest = JSON.parse(readFileSync(join(raw, MANIFEST_NAME), 'utf8')) as Manifest;

    expect(first.files).toBe(4);
    expect(second).toMatchObject({ files: 3, alreadyProcessed: 4, changed: [], errors: [] });
    expect(compareWithManifest(first, manifest)).toEqual([]);
    expect(compareWithManifest(second, manifest)).toEqual([]);
    const t = manifest.totals;
    expect(first.rowsIn + second.rowsIn).toBe(t.rows);
    expect(first.kept + second.kept).toBe(t.expected.kept);
    expect(first.duplicates + second.duplicates).toBe(t.expected.duplicates);
    expect(second.duplicatesOfLake).toBeGreaterThan(0);
    for (const d of Object.values(t.defects)) expect(d).toBeGreaterThan(0);
  });

  it('on the real S3 API server, raw and lake in a bucket', async () => {
    useTestS3Env();
    const bucket = await createTestBucket('fraudops-prepare');
    try {
      const raw = `s3://${bucket}/raw`;
      const lake = `s3://${bucket}/lake`;
      await generate({ out: raw, days: 3, customers: 3000, terminals: 6000, seed: 9, noise: 'course', noiseRates: RATES });
      const report = await prepare({ raw, lake, workDir: dir });
      const rawStore = await openStore(raw);
      const manifest = JSON.parse((await rawStore.readBytes(MANIFEST_NAME)).toString('utf8')) as Manifest;
      await rawStore.close();
      expect(report.errors).toEqual([]);
      expect(report.files).toBe(3);
      expect(compareWithManifest(report, manifest)).toEqual([]);

      const again = await prepare({ raw, lake, workDir: dir });
      expect(again).toMatchObject({ files: 0, alreadyProcessed: 3, rowsIn: 0 });
    } finally {
      await deleteTestBucket(bucket);
    }
  });
});
