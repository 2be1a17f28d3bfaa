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

describe('engine > spark > readTextLines', () => {
  it('numbers lines exactly when Spark reads a file in many splits (s3a)', async () => {
    // Small splits, so the file is read by many tasks: line numbers must still be the file's own.
    const engine = await SparkConnectEngine.create(sparkTestUri(), {
      client: { connectTimeoutMs: 30_000, conf: { 'spark.sql.files.maxPartitionBytes': '65536', 'spark.sql.files.openCostInBytes': '1024' } },
    });
    const store = await openStore(`s3://${bucket}/split-${randomBytes(4).toString('hex')}`);
    try {
      const lines = Array.from({ length: 30_000 }, (_, i) => `${i + 1},${'y'.repeat(i % 17)}`);
      await store.write('big.txt', `${lines.join('\n')}\n`);
      const text = (await engine.readTextLines(store, 'big.txt'))!;
      const [c] = await engine.query<{ n: bigint; wrong: bigint }>(
        `SELECT count(*) AS n, count_if(CAST(split_part(text, ',', 1) AS BIGINT) <> line) AS wrong FROM ${text.relation}`,
      );
      expect(c.n).toBe(30_000n);
      expect(c.wrong).toBe(0n);
    } finally {
      await engine.close();
      await store.close();
    }
  }, 120_000);

  it('says it cannot reach a local path the server does not see (the caller sends the rows itself)', async () => {
    const engine = await SparkConnectEngine.create(sparkTestUri(), { client: { connectTimeoutMs: 30_000 } });
    const store = await openStore('/nonexistent-on-the-spark-server/raw');
    try {
      expect(await engine.readTextLines(store, '2019-08-22.txt')).toBeUndefined();
    } finally {
      await engine.close();
      await store.close();
    }
  }, 60_000);
});
