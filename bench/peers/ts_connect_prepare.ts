/**
 * The course's cleaning driven through our TypeScript Spark Connect client: exactly the job
 * bench/peers/pyspark_prepare.py runs through PySpark's Connect client, as the same plan (a CSV read with the same
 * schema and options, dropDuplicates on transaction_id, the same column fixes, dropna, the same partitioned zstd
 * Parquet write), so that the Spark bench can time the two clients on the same work and the same server. It is
 * a bench peer, not a fraudops stage: fraudops' own prepare does far more (docs/spark.md).
 *
 * Prints one JSON line on stdout with the phase timings, like the Python peer.
 *
 *     tsx bench/peers/ts_connect_prepare.ts --remote 'sc://HOST:PORT/;token=T' --out LAKE_DIR [--compression zstd] FILE...
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { SparkConnectClient } from '../../src/engine/spark/SparkConnectClient.js';
import {
  deduplicateRelation,
  dropNaRelation,
  fillNaRelation,
  readRelation,
  sqlExpression,
  withColumnsRelation,
  writeCommand,
  type Plan,
} from '../../src/engine/spark/plans.js';

/** The raw files' columns as the Python peer declares them (its StructType, as DDL). */
export const COURSE_SCHEMA =
  'transaction_id BIGINT, tx_datetime STRING, customer_id BIGINT, terminal_id STRING, tx_amount DOUBLE, ' +
  'tx_time_seconds BIGINT, tx_time_days BIGINT, tx_fraud INT, tx_fraud_scenario INT';

/**
 * The session settings the Python peer sets: an unparseable datetime (hour 24) becomes null as in Spark 2, and a
 * bad cast yields null instead of raising (Spark 4 turns ANSI mode on by default).
 */
export const COURSE_SESSION_CONF: Readonly<Record<string, string>> = {
  'spark.sql.legacy.timeParserPolicy': 'CORRECTED',
  'spark.sql.ansi.enabled': 'false',
};

/** The whole job as one Spark Connect command: read, clean, write Parquet partitioned by day. */
export function courseCleaningPlan(files: readonly string[], out: string, compression = 'zstd'): Plan {
  // spark.read.csv(files, schema=..., comment="#", header=False, mode="PERMISSIVE")
  const raw = readRelation('csv', files, { schema: COURSE_SCHEMA, options: { comment: '#', header: 'false', mode: 'PERMISSIVE' } });
  let df = deduplicateRelation(raw, ['transaction_id']);
  // Read as text: `Err`, `None` and empty cast to null, and null becomes 0.
  df = withColumnsRelation(df, { terminal_id: sqlExpression('CAST(trim(terminal_id) AS BIGINT)') });
  df = fillNaRelation(df, { terminal_id: 0n });
  df = withColumnsRelation(df, { customer_id: sqlExpression('abs(customer_id)') });
  df = withColumnsRelation(df, { tx_datetime: sqlExpression("to_timestamp(tx_datetime, 'yyyy-MM-dd HH:mm:ss')") });
  df = dropNaRelation(df, ['tx_datetime']);
  df = withColumnsRelation(df, { tx_time_days: sqlExpression('CAST(floor(tx_time_seconds / 86400) AS BIGINT)') });
  df = withColumnsRelation(df, { day: sqlExpression('to_date(tx_datetime)') });
  return writeCommand(df, 'parquet', out, { mode: 'error', partitionBy: ['day'], options: { compression } });
}

export interface CourseCleaningTimes {
  spark_version: string;
  client: 'fraudops';
  compression: string;
  session_start_s: number;
  job_s: number;
}

/** Connects, sets the peer's session settings, runs the job and closes the session. */
export async function runCourseCleaning(uri: string, files: readonly string[], out: string, compression = 'zstd'): Promise<CourseCleaningTimes> {
  const t0 = performance.now();
  const spark = await SparkConnectClient.connect(uri, { conf: { ...COURSE_SESSION_CONF } });
  try {
    const tSession = performance.now();
    await spark.command(courseCleaningPlan(files, out, compression));
    const tJob = performance.now();
    return {
      spark_version: await spark.version(),
      client: 'fraudops',
      compression,
      session_start_s: round3((tSession - t0) / 1000),
      job_s: round3((tJob - tSession) / 1000),
    };
  } finally {
    await spark.close();
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { remote: { type: 'string' }, out: { type: 'string' }, compression: { type: 'string', default: 'zstd' } },
  });
  if (!values.remote || !values.out || positionals.length === 0) {
    process.stderr.write('usage: ts_connect_prepare.ts --remote sc://HOST:PORT[/;token=T] --out DIR [--compression zstd] FILE...\n');
    return 2;
  }
  const times = await runCourseCleaning(values.remote, positionals, values.out, values.compression);
  process.stdout.write(`${JSON.stringify(times)}\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
