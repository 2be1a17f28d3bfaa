import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnlineFeatures } from '../src/features/OnlineFeatures.js';
import { saveSnapshot, loadSnapshot } from '../src/features/online/snapshot.js';
import { scoreWithDelayedLabels, syntheticStream, type PopulationOptions } from '../src/features/online/testkit.js';
import { DEFAULT_FEATURE_SPEC } from '../src/features/spec.js';
import { openStore } from '../src/storage/openStore.js';
import { isFraudopsError } from '../src/errors.js';
import { createTestBucket, deleteTestBucket, useTestS3Env } from './support/s3.js';

const run = promisify(execFile);
// Stolen cards, so the restored state carries amount outliers as well as windows and labels.
const streamOptions: PopulationOptions = { customers: 600, terminals: 900, days: 50, seed: 21, stolenShare: 0.01 };
const txs = syntheticStream(streamOptions);
const width = new OnlineFeatures().names.length;

/** Features of the whole stream in one process, never interrupted. */
function uninterrupted(): Float64Array {
  const all = new Float64Array(txs.length * width);
  scoreWithDelayedLabels(new OnlineFeatures(), txs, 0, txs.length, (i, out) => all.set(out, i * width));
  return all;
}

let dir: string;
let bucket: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'online-snapshot-'));
  useTestS3Env();
  bucket = await createTestBucket('online-snapshot');
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await deleteTestBucket(bucket);
});

describe('features > online > snapshot', () => {
  for (const backend of ['local', 's3'] as const) {
    it(`restored in a new process (${backend} store) gives the same features for the rest of the stream`, async () => {
      const storeUri = backend === 'local' ? join(dir, 'store') : `s3://${bucket}/state`;
      const expected = uninterrupted();
      // Stop at a point that is not a day boundary, with labels still in flight.
      const cut = Math.floor(txs.length * 0.61);
      const first = new OnlineFeatures();
      scoreWithDelayedLabels(first, txs, 0, cut, () => {});
      const store = await openStore(storeUri);
      try {
        const header = await saveSnapshot(store, 'features/state.bin', first, { next: cut });
        expect(header.position).toEqual({ next: cut });
        expect(header.entries).toBeGreaterThan(0);
      } finally {
        await store.close();
      }

      const outFile = join(dir, `rest-${backend}.bin`);
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'support', 'onlineSnapshotChild.ts'), storeUri, 'features/state.bin', JSON.stringify(streamOptions), outFile],
        { env: process.env, maxBuffer: 1 << 20 },
      );
      expect(JSON.parse(stdout).from).toBe(cut);
      const rest = new Float64Array(readFileSync(outFile).buffer.slice(0));
      expect(rest.length).toBe((txs.length - cut) * width);
      let differing = 0;
      let firstDiff = '';
      for (let i = 0; i < rest.length; i++) {
        const want = expected[cut * width + i];
        if (!(Math.abs(rest[i] - want) <= 1e-9)) {
          differing++;
          firstDiff ||= `tx ${cut + Math.floor(i / width)} feature ${i % width}: restored ${rest[i]} uninterrupted ${want}`;
        }
      }
      expect(firstDiff).toBe('');
      expect(differing).toBe(0);
    });
  }

  it('refuses a snapshot built with another feature spec', async () => {
    const store = await openStore(join(dir, 'spec'));
    try {
      const f = new OnlineFeatures();
      scoreWithDelayedLabels(f, txs, 0, 1000, () => {});
      await saveSnapshot(store, 's.bin', f, { next: 1000 });
      await expect(loadSnapshot(store, 's.bin', { ...DEFAULT_FEATURE_SPEC, delayDays: 3 })).rejects.toSatisfy(
        (e: unknown) => isFraudopsError(e) && e.code === 'SNAPSHOT_SPEC_MISMATCH',
      );
      await store.write('junk.bin', Buffer.from('not a snapshot at all'));
      await expect(loadSnapshot(store, 'junk.bin', DEFAULT_FEATURE_SPEC)).rejects.toSatisfy((e: unknown) => isFraudopsError(e) && e.code === 'SNAPSHOT_INVALID');
      expect(await loadSnapshot(store, 'missing.bin', DEFAULT_FEATURE_SPEC)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
