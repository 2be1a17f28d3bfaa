/**
 * The engine contract with lake objects on a real S3 API server (moto from `scripts/services.sh up s3`): DuckDB
 * reads parts from the bucket and writes partitioned Parquet to a prefix of it. Each run works in a fresh bucket.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { DuckDbEngine } from '../src/engine/DuckDbEngine.js';
import { runEngineContract } from '../src/engine/SqlEngine.contract.js';
import { openStore } from '../src/storage/openStore.js';
import { createTestBucket, deleteTestBucket, useTestS3Env } from './support/s3.js';

let bucket = '';
beforeAll(async () => {
  useTestS3Env();
  bucket = await createTestBucket('fraudops-engine');
});
afterAll(async () => {
  if (bucket) await deleteTestBucket(bucket);
});

runEngineContract({
  name: 'duckdb, S3 store',
  newEngine: (workDir) => DuckDbEngine.create({ workDir, memoryLimit: '512MB' }),
  newStore: () => openStore(`s3://${bucket}/t-${randomBytes(4).toString('hex')}`),
  skip: [{ reason: 'DuckDB runs in this process: raw rows reach it through stageRows, nothing is shipped', tests: ['readTextLines > numbers the lines of a stored text object where it is, with CR, bytes and UTF-8 as they are'] }],
});
