/**
 * The Spark bench's client comparison runs the course's cleaning through our client
 * (bench/peers/ts_connect_prepare.ts) and through PySpark's (bench/peers/pyspark_prepare.py), and its ratio means
 * something only if the two do the same work. On a tiny input with every case the cleaning handles, against the
 * real Spark server: our job's output is exactly the cleaned rows, and PySpark's job writes the same rows.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCourseCleaning } from '../bench/peers/ts_connect_prepare.js';
import { pysparkRemote, pythonEnvDir } from '../bench/lib/pyspark.js';
import type { SparkConnectClient } from '../src/engine/spark/SparkConnectClient.js';
import { createViewCommand, readRelation, sqlRelation } from '../src/engine/spark/plans.js';
import { connectTestSpark, sparkTestUri } from './support/spark.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HEADER = '# tranaction_id | tx_datetime | customer_id | terminal_id | tx_amount | tx_time_seconds | tx_time_days | tx_fraud | tx_fraud_scenario';

const DAY_1 = [
  HEADER,
  '0,2019-08-22 00:00:01,129127,351627,62.90,1,0,0,0',
  '1,2019-08-22 00:00:02,-78739,Err,77.16,2,0,0,0', // negative customer, terminal `Err`
  '2,2019-08-22 24:00:03,5,6,1.00,3,0,0,0', // hour 24: no datetime, dropped
  '3,2019-08-22 23:59:59,7,,10.50,86399,5,1,2', // empty terminal, wrong tx_time_days
  '1,2019-08-22 00:00:02,-78739,Err,77.16,2,0,0,0', // duplicate within the file
];
const DAY_2 = [
  HEADER,
  '4,2019-08-23 00:00:00,8, 12 ,3.25,86400,1,0,0', // terminal with spaces
  '0,2019-08-22 00:00:01,129127,351627,62.90,1,0,0,0', // duplicate of an earlier file
  '5,2019-08-23 01:00:00,9,None,4.00,90000,1,0,0', // terminal `None`
  '6,2019-08-23', // too few fields: no datetime after the permissive read, dropped
  '7,2019-08-23 02:00:00,10,11,abc,93600,1,0,0', // amount not a number: null, kept
];

/** What the cleaning must write, in transaction-id order (datetimes and days rendered in the session's zone). */
const EXPECTED = [
  { transaction_id: 0n, tx_datetime: '2019-08-22 00:00:01', customer_id: 129127n, terminal_id: 351627n, tx_amount: 62.9, tx_time_seconds: 1n, tx_time_days: 0n, tx_fraud: 0, tx_fraud_scenario: 0, day: '2019-08-22' },
  { transaction_id: 1n, tx_datetime: '2019-08-22 00:00:02', customer_id: 78739n, terminal_id: 0n, tx_amount: 77.16, tx_time_seconds: 2n, tx_time_days: 0n, tx_fraud: 0, tx_fraud_scenario: 0, day: '2019-08-22' },
  { transaction_id: 3n, tx_datetime: '2019-08-22 23:59:59', customer_id: 7n, terminal_id: 0n, tx_amount: 10.5, tx_time_seconds: 86399n, tx_time_days: 0n, tx_fraud: 1, tx_fraud_scenario: 2, day: '2019-08-22' },
  { transaction_id: 4n, tx_datetime: '2019-08-23 00:00:00', customer_id: 8n, terminal_id: 12n, tx_amount: 3.25, tx_time_seconds: 86400n, tx_time_days: 1n, tx_fraud: 0, tx_fraud_scenario: 0, day: '2019-08-23' },
  { transaction_id: 5n, tx_datetime: '2019-08-23 01:00:00', customer_id: 9n, terminal_id: 0n, tx_amount: 4, tx_time_seconds: 90000n, tx_time_days: 1n, tx_fraud: 0, tx_fraud_scenario: 0, day: '2019-08-23' },
  { transaction_id: 7n, tx_datetime: '2019-08-23 02:00:00', customer_id: 10n, terminal_id: 11n, tx_amount: null, tx_time_seconds: 93600n, tx_time_days: 1n, tx_fraud: 0, tx_fraud_scenario: 0, day: '2019-08-23' },
];

/** PySpark's Connect client, where `bench/peers/setup.sh connect` installed it (the bench installs it on first use). */
const PYSPARK_PYTHON = join(pythonEnvDir(ROOT), '..', 'py-connect', 'bin', 'python');

describe('bench > spark > course cleaning through our client and PySpark’s', () => {
  let spark: SparkConnectClient;
  let dir: string;
  let files: string[];

  beforeAll(async () => {
    spark = await connectTestSpark();
    dir = mkdtempSync(join(tmpdir(), 'fraudops-course-cleaning-'));
    files = [join(dir, '2019-08-22.txt'), join(dir, '2019-08-23.txt')];
    writeFileSync(files[0], `${DAY_1.join('\n')}\n`);
    writeFileSync(files[1], `${DAY_2.join('\n')}\n`);
  });
  afterAll(async () => {
    await spark?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function readBack(out: string): Promise<Record<string, unknown>[]> {
    await spark.command(createViewCommand(readRelation('parquet', [out]), 'cleaned'));
    const t = await spark.collect(
      sqlRelation(
        "SELECT transaction_id, date_format(tx_datetime, 'yyyy-MM-dd HH:mm:ss') AS tx_datetime, customer_id, terminal_id, tx_amount, " +
          'tx_time_seconds, tx_time_days, tx_fraud, tx_fraud_scenario, CAST(day AS STRING) AS day FROM cleaned ORDER BY transaction_id',
      ),
    );
    return t.toArray().map((r) => r.toJSON() as Record<string, unknown>);
  }

  it('our client’s job writes exactly the cleaned rows, as zstd Parquet partitioned by day', async () => {
    const out = join(dir, 'ours');
    const times = await runCourseCleaning(sparkTestUri(), files, out);
    expect(times.spark_version).toMatch(/^4\./);
    expect(existsSync(join(out, 'day=2019-08-22'))).toBe(true);
    expect(existsSync(join(out, 'day=2019-08-23'))).toBe(true);
    const codecs = await spark.collect(sqlRelation(`SELECT DISTINCT input_file_name() AS f FROM parquet.\`${out}\``));
    expect(codecs.numRows).toBeGreaterThan(0);
    for (const f of codecs.getChild('f')!.toArray() as string[]) expect(f).toMatch(/\.zstd\.parquet$/);
    expect(await readBack(out)).toEqual(EXPECTED);
  });

  it.skipIf(!existsSync(PYSPARK_PYTHON))('PySpark’s client, running bench/peers/pyspark_prepare.py on the same server and files, writes the same rows', async () => {
    const out = join(dir, 'pyspark');
    execFileSync(PYSPARK_PYTHON, [join(ROOT, 'bench', 'peers', 'pyspark_prepare.py'), '--remote', pysparkRemote(sparkTestUri()), '--out', out, ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    expect(await readBack(out)).toEqual(EXPECTED);
  });
});
