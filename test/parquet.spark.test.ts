/**
 * Files of our Parquet writer (src/parquet/writeParquet.ts), which the feature files are, read by the real Spark
 * Connect server (`scripts/services.sh up spark`) from the real S3 API server: Spark's own Parquet reader, vectorized
 * (its default) and not, takes every encoding the writer uses (dictionary, delta, plain) and returns every value.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeParquet, type ParquetColumn } from '../src/parquet/writeParquet.js';
import { SparkConnectEngine } from '../src/engine/spark/SparkConnectEngine.js';
import { openStore } from '../src/storage/openStore.js';
import type { ObjectStore } from '../src/storage/ObjectStore.js';
import { createTestBucket, deleteTestBucket, useTestS3Env } from './support/s3.js';
import { sparkTestUri } from './support/spark.js';

let bucket = '';
let store: ObjectStore;
beforeAll(async () => {
  useTestS3Env();
  bucket = await createTestBucket('fraudops-parquet-spark');
  store = await openStore(`s3://${bucket}/p-${randomBytes(4).toString('hex')}`);
});
afterAll(async () => {
  await store?.close();
  if (bucket) await deleteTestBucket(bucket);
});

const N = 30_000;
/** Columns as the feature files hold them, with values each encoding meets (−0, runs, wide deltas, > 2^52). */
function columns(): ParquetColumn[] {
  const ints = (f: (i: number) => bigint) => BigInt64Array.from({ length: N }, (_, i) => f(i));
  const doubles = (f: (i: number) => number) => Float64Array.from({ length: N }, (_, i) => f(i));
  return [
    { name: 'transaction_id', type: 'INT64', annotation: 'INT_64', values: ints((i) => BigInt(1_000_000 + i * 3 - (i % 5))) },
    { name: 'tx_datetime', type: 'INT64', annotation: 'TIMESTAMP_MICROS', values: ints((i) => 1_567_296_000_000_000n + BigInt(i) * 2_000_000n) },
    { name: 'customer_id', type: 'INT64', annotation: 'INT_64', values: ints((i) => BigInt((i * 7919) % 25_000)) },
    { name: 'tx_fraud', type: 'INT32', annotation: 'INT_32', values: ints((i) => (i % 13 === 0 ? 1n : 0n)) },
    { name: 'tx_fraud_scenario', type: 'INT32', annotation: 'INT_8', values: ints((i) => (i % 13 === 0 ? BigInt(1 + (i % 3)) : 0n)) },
    { name: 'big', type: 'INT64', values: ints((i) => (i % 2 === 0 ? 2n ** 62n + BigInt(i) : -(2n ** 62n) - BigInt(i))) },
    { name: 'amount', type: 'DOUBLE', values: doubles((i) => ((i * 104_729) % 1_000_000) / 100) },
    { name: 'count', type: 'DOUBLE', values: doubles((i) => (i % 10 === 0 ? -0 : Math.floor(i / 50) % 40)) },
    { name: 'weekend', type: 'DOUBLE', values: doubles((i) => (i < N / 2 ? 0 : 1)) },
  ];
}

describe('parquet > writeParquet files read by Spark', () => {
  for (const vectorized of [true, false]) {
    it(`returns every value, with the types the file declares (vectorized reader ${vectorized ? 'on' : 'off'})`, async () => {
      const engine = await SparkConnectEngine.create(sparkTestUri(), {
        client: { connectTimeoutMs: 30_000, conf: { 'spark.sql.parquet.enableVectorizedReader': String(vectorized) } },
      });
      try {
        const cols = columns();
        // Several row groups, so Spark reads more than one.
        await store.write(`v${vectorized}.parquet`, writeParquet(cols, { rowGroupRows: 7_000 }));
        const source = await engine.readParquet(store, [`v${vectorized}.parquet`]);
        const types = await engine.query<{ col_name: string; data_type: string }>(`DESCRIBE SELECT * FROM ${source}`);
        expect(types.map((t) => `${t.col_name} ${t.data_type}`)).toEqual([
          'transaction_id bigint',
          'tx_datetime timestamp_ntz',
          'customer_id bigint',
          'tx_fraud int',
          'tx_fraud_scenario tinyint',
          'big bigint',
          'amount double',
          'count double',
          'weekend double',
        ]);
        // Every value, row by row (64-bit integers and times as text).
        const rows = await engine.query<Record<string, unknown>>(
          `SELECT CAST(transaction_id AS STRING) AS transaction_id, CAST(tx_datetime AS STRING) AS tx_datetime,
             CAST(customer_id AS STRING) AS customer_id, tx_fraud, CAST(tx_fraud_scenario AS INT) AS tx_fraud_scenario, CAST(big AS STRING) AS big,
             amount, count, weekend
           FROM ${source} ORDER BY transaction_id`,
        );
        expect(rows.length).toBe(N);
        const want = columns();
        const bad: string[] = [];
        rows.forEach((r, i) => {
          const w = (k: number) => want[k].values[i];
          const expected = {
            transaction_id: String(w(0)),
            tx_datetime: new Date(Number(w(1)) / 1000).toISOString().replace('T', ' ').replace('.000Z', ''),
            customer_id: String(w(2)),
            tx_fraud: Number(w(3)),
            tx_fraud_scenario: Number(w(4)),
            big: String(w(5)),
            amount: w(6),
            count: w(7),
            weekend: w(8),
          };
          // Object.is: −0 must come back as −0.
          for (const [k, v] of Object.entries(expected)) if (!Object.is(r[k], v)) bad.push(`row ${i} ${k}: ${String(r[k])} ≠ ${String(v)}`);
        });
        expect(bad.slice(0, 5)).toEqual([]);
      } finally {
        await engine.close();
      }
    }, 180_000);
  }
});
