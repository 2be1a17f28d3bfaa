/**
 * The embedded store with its artifacts in an S3 bucket (FRAUDOPS_ARTIFACT_ROOT=s3://...), against the real S3
 * API server: the artifact contract, and a whole run whose files are found in the bucket, byte for byte.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArtifactRepositoryContract } from '../src/tracking/ArtifactRepository.contract.js';
import { openArtifactRepository } from '../src/tracking/openArtifactRepository.js';
import { openTracking } from '../src/tracking/openTracking.js';
import { openStore } from '../src/storage/openStore.js';
import { createTestBucket, deleteTestBucket, useTestS3Env } from './support/s3.js';

let bucket = '';
const dir = mkdtempSync(join(tmpdir(), 'fraudops-embedded-s3-'));
beforeAll(async () => {
  useTestS3Env();
  bucket = await createTestBucket('embedded-artifacts');
}, 60_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (bucket) await deleteTestBucket(bucket);
});

let n = 0;
runArtifactRepositoryContract({
  name: 'embedded (S3 bucket)',
  newRepository: () => openArtifactRepository(`s3://${bucket}/repo-${++n}`),
  readBehind: async (root, path) => {
    const store = await openStore(root);
    try {
      return await store.readBytes(path);
    } finally {
      await store.close();
    }
  },
});

describe('tracking > embedded > artifacts in S3', () => {
  it('a run of the embedded store keeps its artifacts under the s3:// root, and only there', async () => {
    const t = await openTracking(join(dir, 'store'), { artifactRoot: `s3://${bucket}/mlruns` });
    try {
      const exp = await t.runs.getOrCreateExperiment('s3-artifacts');
      const run = await t.runs.createRun({ experimentId: exp.experimentId });
      expect(run.artifactUri).toBe(`s3://${bucket}/mlruns/${exp.experimentId}/${run.runId}/artifacts`);
      const repo = await t.artifacts(run.artifactUri);
      await repo.logArtifact(Buffer.from('{"trees":[]}'), 'model/model.fraudops.json');
      await repo.close();
      const store = await openStore(`s3://${bucket}`);
      const keys = (await store.list('mlruns/')).map((o) => o.key);
      await store.close();
      expect(keys).toEqual([`mlruns/${exp.experimentId}/${run.runId}/artifacts/model/model.fraudops.json`]);
    } finally {
      await t.close();
    }
  });
});
