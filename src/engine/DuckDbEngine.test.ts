import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFraudopsError } from '../errors.js';
import { LocalStore } from '../storage/LocalStore.js';
import { DuckDbEngine } from './DuckDbEngine.js';
import { runEngineContract } from './SqlEngine.contract.js';
import { checkEngineUri, engineFactory, openEngine } from './openEngine.js';

runEngineContract({
  name: 'duckdb, local store',
  newEngine: (workDir) => DuckDbEngine.create({ workDir, memoryLimit: '512MB' }),
  newStore: () => LocalStore.create(mkdtempSync(join(tmpdir(), 'fraudops-engine-store-'))),
  skip: [{ reason: 'DuckDB runs in this process: raw rows reach it through stageRows, nothing is shipped', tests: ['readTextLines > numbers the lines of a stored text object where it is, with CR, bytes and UTF-8 as they are'] }],
});

describe('engine > openEngine', () => {
  it('opens DuckDB for duckdb: and the bare name, the default', async () => {
    for (const uri of ['duckdb:', 'duckdb', undefined]) {
      const engine = await openEngine(uri, { workDir: mkdtempSync(join(tmpdir(), 'fraudops-open-engine-')) });
      try {
        expect(engine.name).toBe('duckdb');
        expect(await engine.query('SELECT 42 AS x')).toEqual([{ x: 42 }]);
      } finally {
        await engine.close();
      }
    }
  });

  it('refuses an unknown scheme up front with CONFIG_INVALID naming the accepted ones', () => {
    for (const uri of ['spark', 'postgres://db', 'duckdb:/some/file', '']) {
      let error: unknown;
      try {
        engineFactory(uri);
        checkEngineUri(uri);
      } catch (e) {
        error = e;
      }
      expect(isFraudopsError(error) && error.code, uri).toBe('CONFIG_INVALID');
      expect(String((error as Error).message)).toContain('duckdb:');
    }
  });
});

describe('engine > duckdb > signal', () => {
  it('interrupts the running statement when the stage is aborted, failing with the abort reason', async () => {
    const controller = new AbortController();
    const engine = await DuckDbEngine.create({ workDir: mkdtempSync(join(tmpdir(), 'fraudops-engine-abort-')), signal: controller.signal });
    try {
      const reason = new Error('stop');
      const started = Date.now();
      const running = engine.run('CREATE TEMP TABLE t AS SELECT sum(i * i) AS s FROM range(100000000000) AS r(i)');
      setTimeout(() => controller.abort(reason), 300);
      await expect(running).rejects.toBe(reason);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await engine.close();
    }
  });
});

describe('engine > duckdb > one-partition writes', () => {
  it('fails, writing nothing, when a row is outside the partition it was told of', async () => {
    const engine = await DuckDbEngine.create({ workDir: mkdtempSync(join(tmpdir(), 'fraudops-one-partition-')) });
    const store = await LocalStore.create(mkdtempSync(join(tmpdir(), 'fraudops-one-partition-store-')));
    try {
      const sql = "SELECT 1 AS x, DATE '2019-08-21' AS day UNION ALL SELECT 2, DATE '2019-08-22'";
      let error: unknown;
      try {
        await engine.writePartitionedParquet(sql, { store, partitionBy: 'day', onlyPartition: '2019-08-21', keyFor: (d) => `p/${d}.parquet` });
      } catch (e) {
        error = e;
      }
      expect(isFraudopsError(error) && error.code).toBe('ENGINE_FAILED');
      expect(await store.list('p/')).toEqual([]);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});

describe('engine > duckdb > sessions', () => {
  it('opens a second session on the same data with its own temp tables, running alongside, closed on its own', async () => {
    const engine = await DuckDbEngine.create({ workDir: mkdtempSync(join(tmpdir(), 'fraudops-sessions-')) });
    try {
      await engine.run('CREATE TABLE shared AS SELECT 7 AS x');
      const session = await engine.openSession();
      await engine.run('CREATE TEMP TABLE staged AS SELECT 1 AS x');
      await session.run('CREATE TEMP TABLE staged AS SELECT 2 AS x');
      const [a, b] = await Promise.all([
        engine.query('SELECT x, (SELECT x FROM shared) AS s, (SELECT count(*) FROM range(3000000)) AS n FROM staged'),
        session.query('SELECT x, (SELECT x FROM shared) AS s, (SELECT count(*) FROM range(3000000)) AS n FROM staged'),
      ]);
      expect(a).toEqual([{ x: 1, s: 7, n: 3000000n }]);
      expect(b).toEqual([{ x: 2, s: 7, n: 3000000n }]);
      await session.close();
      expect(await engine.query('SELECT x FROM staged')).toEqual([{ x: 1 }]);
    } finally {
      await engine.close();
    }
  });
});

describe('engine > duckdb > appendRows', () => {
  it('appends typed columns as they are, NULL columns of any type, and refuses a column it cannot copy', async () => {
    const engine = await DuckDbEngine.create({ workDir: mkdtempSync(join(tmpdir(), 'fraudops-append-')) });
    try {
      await engine.run('CREATE TEMP TABLE t (a BIGINT, note VARCHAR, ts TIMESTAMP, x DOUBLE, ok BOOLEAN)');
      const ints = new BigInt64Array([-1n, 9007199254740993n, 0n]);
      const micros = new BigInt64Array([0n, 1566432000000000n, -86400000000n]);
      const doubles = new Float64Array([0.1, 216.22, -0]);
      const bools = new Uint8Array([1, 0, 1]);
      await engine.appendRows('t', [{ rowCount: 3, columns: [ints, null, micros, doubles, bools] }, { rowCount: 1, columns: [ints.subarray(1), null, micros, doubles, bools] }]);
      const rows = await engine.query('SELECT a, note, CAST(ts AS VARCHAR) AS ts, x, ok FROM t');
      expect(rows).toEqual([
        { a: -1n, note: null, ts: '1970-01-01 00:00:00', x: 0.1, ok: true },
        { a: 9007199254740993n, note: null, ts: '2019-08-22 00:00:00', x: 216.22, ok: false },
        { a: 0n, note: null, ts: '1969-12-31 00:00:00', x: -0, ok: true },
        { a: 9007199254740993n, note: null, ts: '1970-01-01 00:00:00', x: 0.1, ok: true },
      ]);
      await engine.run('CREATE TEMP TABLE v (a BIGINT, note VARCHAR)');
      await expect(engine.appendRows('v', [{ rowCount: 1, columns: [ints, ints] }])).rejects.toMatchObject({ code: 'ENGINE_FAILED' });
      await expect(engine.appendRows('v', [{ rowCount: 1, columns: [ints] }])).rejects.toMatchObject({ code: 'ENGINE_FAILED' });
      expect(await engine.query('SELECT count(*) AS n FROM v')).toEqual([{ n: 0n }]);
    } finally {
      await engine.close();
    }
  });

  it('keeps each chunk its own when chunks of one call differ in row count and in which columns are NULL', async () => {
    const engine = await DuckDbEngine.create({ workDir: mkdtempSync(join(tmpdir(), 'fraudops-append-')) });
    try {
      await engine.run('CREATE TEMP TABLE t (i BIGINT, a BIGINT, ok BOOLEAN)');
      const ids = (from: number, n: number) => new BigInt64Array(Array.from({ length: n }, (_, k) => BigInt(from + k)));
      const bools = new Uint8Array(4).fill(1);
      await engine.appendRows('t', [
        { rowCount: 2, columns: [ids(0, 2), ids(10, 2), bools] },
        { rowCount: 2, columns: [ids(2, 2), null, null] },
        { rowCount: 2, columns: [ids(4, 2), ids(14, 2), bools] },
        { rowCount: 1, columns: [ids(6, 1), null, bools] },
        { rowCount: 2, columns: [ids(7, 2), null, bools] },
        { rowCount: 2, columns: [ids(9, 2), ids(19, 2), null] },
      ]);
      const rows = await engine.query<{ i: bigint; a: bigint | null; ok: boolean | null }>('SELECT i, a, ok FROM t ORDER BY i');
      const expected = [
        [10n, true], [11n, true], [null, null], [null, null], [14n, true], [15n, true], [null, true], [null, true], [null, true], [19n, null], [20n, null],
      ].map(([a, ok], i) => ({ i: BigInt(i), a, ok }));
      expect(rows).toEqual(expected);
    } finally {
      await engine.close();
    }
  });
});
