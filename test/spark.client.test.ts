/**
 * The Spark Connect client against the real local Spark 4 server (scripts/services.sh up spark), including s3a
 * against the real S3 API server. Kept lean: Spark is slow, so every test shares the one server and small data.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkConnectClient } from '../src/engine/spark/SparkConnectClient.js';
import {
  deduplicateRelation,
  dropNaRelation,
  fillNaRelation,
  readRelation,
  sqlExpression,
  sqlRelation,
  withColumnsRelation,
} from '../src/engine/spark/plans.js';
import type { SparkConnectError } from '../src/engine/spark/SparkConnectError.js';
import { connectTestSpark, sparkTestUri, withToken } from './support/spark.js';
import { startDropProxy } from './support/dropProxy.js';
import { createTestBucket, deleteTestBucket } from './support/s3.js';

/**
 * A query that would keep local[2] busy for hours, in many short tasks: an interrupt stops it between tasks
 * (a task in one tight loop is not interruptible), so every test that starts it can stop it. It has no shuffle on
 * purpose: Spark 4.0 can miss the interrupt of an adaptive (shuffle) plan whose first stage is still being
 * submitted, and the orphaned job would then slow every later test (docs/spark.md, "Not supported").
 */
const ENDLESS_SQL = 'SELECT id FROM range(0, 100000000000, 1, 200000) WHERE id % 1000000007 = -1';
/** A result of several Arrow batches (~12 MB): the relay cuts the connection in the middle of it. */
const WIDE_ROWS = 60_000;
const WIDE_SQL = `SELECT id, repeat('x', 200) AS pad FROM range(0, ${WIDE_ROWS}, 1, 4)`;

async function failure(p: Promise<unknown>): Promise<SparkConnectError> {
  try {
    await p;
  } catch (e) {
    return e as SparkConnectError;
  }
  throw new Error('expected a failure');
}

describe('engine > spark > client', () => {
  let spark: SparkConnectClient;
  let dir: string;

  beforeAll(async () => {
    spark = await connectTestSpark();
    dir = mkdtempSync(join(tmpdir(), 'fraudops-spark-client-'));
  });
  afterAll(async () => {
    await spark?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs SQL and decodes Arrow batches, BIGINT as bigint', async () => {
    expect(await spark.version()).toMatch(/^4\./);
    const t = await spark.collect(sqlRelation("SELECT CAST(id AS BIGINT) AS id, concat('r', id) AS name, id / 4 AS q FROM range(3)"));
    expect(t.toArray().map((r) => r.toJSON())).toEqual([
      { id: 0n, name: 'r0', q: 0 },
      { id: 1n, name: 'r1', q: 0.25 },
      { id: 2n, name: 'r2', q: 0.5 },
    ]);
    const empty = await spark.collect(sqlRelation('SELECT id FROM range(0)'));
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields.map((f) => f.name)).toEqual(['id']);
  });

  it('sets and reads session config', async () => {
    await spark.setConf({ 'spark.sql.shuffle.partitions': '3' });
    expect(await spark.getConf(['spark.sql.shuffle.partitions'])).toEqual({ 'spark.sql.shuffle.partitions': '3' });
  });

  it('analyzes a schema without running the query', async () => {
    expect(await spark.schema(sqlRelation("SELECT 1 AS a, 'x' AS b, CAST(NULL AS DOUBLE) AS c, array(1L) AS d"))).toEqual([
      { name: 'a', type: 'int', nullable: false },
      { name: 'b', type: 'string', nullable: false },
      { name: 'c', type: 'double', nullable: true },
      { name: 'd', type: 'array<bigint>', nullable: false },
    ]);
  });

  it('writes and reads partitioned Parquet and text on a shared path', async () => {
    const pq = join(dir, 'pq');
    await spark.write(sqlRelation('SELECT id, id % 2 AS k FROM range(10)'), 'parquet', pq, { mode: 'overwrite', partitionBy: ['k'] });
    expect(readdirSync(pq).filter((d) => d.startsWith('k=')).sort()).toEqual(['k=0', 'k=1']);
    const back = await spark.collect(readRelation('parquet', [pq]));
    expect(back.numRows).toBe(10);
    const txt = join(dir, 'txt');
    await spark.write(sqlRelation("SELECT concat('line ', id) AS value FROM range(4)"), 'text', txt, { mode: 'overwrite' });
    const lines = await spark.collect(readRelation('text', [txt]));
    expect(lines.getChild('value')!.toArray().sort()).toEqual(['line 0', 'line 1', 'line 2', 'line 3']);
  });

  it('runs DataFrame relations: dropDuplicates, withColumns, fillna and dropna', async () => {
    const input = sqlRelation(
      "SELECT * FROM VALUES (1L, ' 7 ', 'a'), (1L, ' 7 ', 'a'), (2L, 'Err', 'b'), (3L, '9', NULL), (4L, NULL, 'd') AS t(id, term, tag)",
    );
    let df = deduplicateRelation(input, ['id']);
    df = withColumnsRelation(df, { term: sqlExpression('try_cast(trim(term) AS BIGINT)'), twice: sqlExpression('id * 2') });
    df = fillNaRelation(df, { term: 0n });
    df = dropNaRelation(df, ['tag']);
    expect(await spark.schema(df)).toEqual([
      { name: 'id', type: 'bigint', nullable: false },
      { name: 'term', type: 'bigint', nullable: false },
      { name: 'tag', type: 'string', nullable: true },
      { name: 'twice', type: 'bigint', nullable: false },
    ]);
    const rows = (await spark.collect(df)).toArray().map((r) => r.toJSON());
    expect(rows.sort((a, b) => Number(a.id) - Number(b.id))).toEqual([
      { id: 1n, term: 7n, tag: 'a', twice: 2n },
      { id: 2n, term: 0n, tag: 'b', twice: 4n },
      { id: 4n, term: 0n, tag: 'd', twice: 8n },
    ]);
  });

  it('writes and reads Parquet on S3 through s3a', async () => {
    const bucket = await createTestBucket('spark-client');
    try {
      const uri = `s3a://${bucket}/t`;
      await spark.write(sqlRelation('SELECT id FROM range(5)'), 'parquet', uri, { mode: 'overwrite' });
      const t = await spark.collect(sqlRelation(`SELECT sum(id) AS s FROM parquet.\`${uri}\``));
      expect(t.get(0)!.toJSON()).toEqual({ s: 10n });
    } finally {
      await deleteTestBucket(bucket);
    }
  });

  it('fails a bad query with SPARK_QUERY_FAILED, Spark error class and SQLSTATE, and no stack trace', async () => {
    const e = await failure(spark.collect(sqlRelation('SELECT * FROM no_such_table')));
    expect(e.code).toBe('SPARK_QUERY_FAILED');
    expect(e.errorClass).toBe('TABLE_OR_VIEW_NOT_FOUND');
    expect(e.sqlState).toBe('42P01');
    expect(e.message).not.toMatch(/\n\s*at /);
    // The session survives a failed query.
    expect((await spark.collect(sqlRelation('SELECT 1 AS x'))).numRows).toBe(1);
  });

  it('interrupts a running query from an abort signal, and by tag from elsewhere', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    expect((await failure(spark.collect(sqlRelation(ENDLESS_SQL), { signal: controller.signal }))).code).toBe('SPARK_INTERRUPTED');
    const running = failure(spark.collect(sqlRelation(ENDLESS_SQL), { tags: ['nightly'] }));
    await new Promise((r) => setTimeout(r, 800));
    expect(await spark.interrupt({ tag: 'nightly' })).toHaveLength(1);
    expect((await running).code).toBe('SPARK_INTERRUPTED');
  });

  it('stops a query at its deadline with SPARK_DEADLINE', async () => {
    const e = await failure(spark.collect(sqlRelation(ENDLESS_SQL), { timeoutMs: 300 }));
    expect(e.code).toBe('SPARK_DEADLINE');
  });

  it('reattaches to a running query after its connection drops, with the full result', async () => {
    const target = new URL(sparkTestUri().replace('sc://', 'http://'));
    const proxy = await startDropProxy(target.hostname, Number(target.port), { dropAfterBytes: 4 * 1024 * 1024 });
    const viaProxy = await SparkConnectClient.connect(sparkTestUri().replace(`:${target.port}`, `:${proxy.port}`));
    try {
      const table = await viaProxy.collect(sqlRelation(WIDE_SQL));
      expect(proxy.downstreamBytes).toBeGreaterThan(10 * 1024 * 1024); // the stream went on after the cut
      const ids = table.getChild('id')!.toArray() as BigInt64Array;
      expect(ids.length).toBe(WIDE_ROWS);
      expect(new Set(ids).size).toBe(WIDE_ROWS); // nothing twice, nothing lost
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  }, 300_000);

  it('reports a session released mid-query as SPARK_SESSION_LOST', async () => {
    const victim = await connectTestSpark();
    const other = await SparkConnectClient.connect(sparkTestUri().replace('/;', `/;session_id=${victim.sessionId};`));
    const responses = victim.execute({ root: sqlRelation(ENDLESS_SQL) });
    await responses.next(); // the server reports progress once the query runs
    await other.close(); // releases the shared session on the server
    const lost = await failure((async () => {
      for await (const _ of responses) {
        // drain until the stream fails
      }
    })());
    expect(lost.code).toBe('SPARK_SESSION_LOST');
    expect((await failure(victim.version())).code).toBe('SPARK_SESSION_LOST');
    await victim.close();
  });

  it('refuses a wrong token with SPARK_AUTH_FAILED', async () => {
    const e = await failure(SparkConnectClient.connect(withToken(sparkTestUri(), 'not-the-token')));
    expect(e.code).toBe('SPARK_AUTH_FAILED');
    expect(e.message).not.toContain('not-the-token');
  });

  it('reports an address where nothing listens as SPARK_UNREACHABLE (retriable)', async () => {
    const e = await failure(SparkConnectClient.connect('sc://127.0.0.1:9', { connectTimeoutMs: 1000 }));
    expect(e.code).toBe('SPARK_UNREACHABLE');
    expect(e.retriable).toBe(true);
  });
});
