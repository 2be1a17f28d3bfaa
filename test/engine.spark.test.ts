/**
 * The engine contract against the real Spark Connect server (`scripts/services.sh up spark`) with its objects on
 * the real S3 API server: Spark reads and writes the bucket itself through s3a. Each run works in a fresh bucket.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngineContract } from '../src/engine/SqlEngine.contract.js';
import { openEngine } from '../src/engine/openEngine.js';
import { SparkConnectEngine } from '../src/engine/spark/SparkConnectEngine.js';
import { openStore } from '../src/storage/openStore.js';
import { createTestBucket, deleteTestBucket, useTestS3Env } from './support/s3.js';
import { sparkTestUri } from './support/spark.js';

let bucket = '';
beforeAll(async () => {
  useTestS3Env();
  bucket = await createTestBucket('fraudops-spark-engine');
});
afterAll(async () => {
  if (bucket) await deleteTestBucket(bucket);
});

runEngineContract({
  name: 'spark, S3 store',
  newEngine: () => SparkConnectEngine.create(sparkTestUri(), { client: { connectTimeoutMs: 30_000 } }),
  newStore: () => openStore(`s3://${bucket}/t-${randomBytes(4).toString('hex')}`),
});

describe('engine > openEngine > sc://', () => {
  it('opens Spark Connect for an sc:// URI', async () => {
    const engine = await openEngine(sparkTestUri(), { workDir: '/nonexistent-spark-needs-none' });
    try {
      expect(engine.name).toBe('spark');
      expect(await engine.query('SELECT 42 AS x')).toEqual([{ x: 42 }]);
    } finally {
      await engine.close();
    }
  }, 60_000);
});
