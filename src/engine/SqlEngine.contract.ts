/**
 * The behaviour every SQL engine must share, written once and run against each engine: DuckDB (embedded) with a
 * local store in unit tests and with the real S3 API server in integration tests; Spark Connect when it exists.
 * It covers the four operations stages rely on: staging raw rows, reading lake parts by day range from an object
 * store, writing partitioned Parquet to an object-store prefix, and querying, plus the dialect's functions.
 * An engine that cannot support a case lists it in `skip` with a reason.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFraudopsError } from '../errors.js';
import { committedParts } from '../lake/readLake.js';
import { CommitLog, COMMIT_FORMAT } from '../lake/CommitLog.js';
import { transactionsPartKey } from '../lake/layout.js';
import { emptyAccount } from '../quality.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import type { SqlEngine } from './SqlEngine.js';
import { sampleHash, sampleHashSql } from './sampleHash.js';

export interface EngineContractSkip {
  reason: string;
  /** Test titles as written below, e.g. "query > returns rows as objects". */
  tests: string[];
}

export interface EngineContractOptions {
  name: string;
  /** A fresh engine; the suite closes it. `workDir` is a scratch directory the suite removes afterwards. */
  newEngine: (workDir: string) => Promise<SqlEngine>;
  /** A fresh, empty store for each test (local directory or S3 prefix); the suite closes it. */
  newStore: () => Promise<ObjectStore>;
  skip?: EngineContractSkip[];
}

export function runEngineContract(o: EngineContractOptions): void {
  const skipped = new Map<string, string>();
  for (const s of o.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason);
  const scratch: string[] = [];
  afterAll(() => {
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  const test = (group: string, title: string, body: (engine: SqlEngine, store: ObjectStore, dir: string) => Promise<void>, timeout = 60_000) => {
    const full = `${group} > ${title}`;
    const reason = skipped.get(full);
    if (reason) {
      it.skip(`${title} (skipped: ${reason})`, () => undefined);
      return;
    }
    it(
      title,
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'fraudops-engine-contract-'));
        scratch.push(dir);
        const engine = await o.newEngine(join(dir, 'engine'));
        const store = await o.newStore();
        try {
          await body(engine, store, dir);
        } finally {
          await engine.close();
          await store.close();
        }
      },
      timeout,
    );
  };

  describe(`engine contract > ${o.name}`, () => {
    describe('query', () => {
      test('query', 'returns rows as objects and columns as arrays, BIGINT as bigint', async (engine) => {
        await engine.run('CREATE TEMP TABLE t AS SELECT * FROM (VALUES (1, \'a\'), (2, \'b\'), (3, NULL)) AS v(id, name)');
        const rows = await engine.query<{ id: unknown; name: string | null }>('SELECT CAST(id AS BIGINT) AS id, name FROM t ORDER BY id');
        expect(rows).toEqual([
          { id: 1n, name: 'a' },
          { id: 2n, name: 'b' },
          { id: 3n, name: null },
        ]);
        const cols = await engine.queryColumns('SELECT CAST(id AS DOUBLE) AS x FROM t ORDER BY id');
        expect(cols.x).toEqual([1, 2, 3]);
      });

      test('query', 'yields a large result as column batches, in the query\'s order, the same values as queryColumns', async (engine) => {
        const hundred = `(VALUES ${Array.from({ length: 100 }, (_, k) => `(${k})`).join(', ')})`;
        const sql = `SELECT CAST(i AS BIGINT) AS id, CAST(i AS DOUBLE) / 4 AS x, CASE WHEN i % 7 = 0 THEN NULL ELSE CAST(i AS DOUBLE) END AS maybe
          FROM (SELECT a.k * 100 + b.k AS i FROM ${hundred} AS a(k) CROSS JOIN ${hundred} AS b(k)) AS r ORDER BY i`;
        const whole = await engine.queryColumns(sql);
        const ids: unknown[] = [];
        const xs: unknown[] = [];
        const maybes: unknown[] = [];
        let batches = 0;
        for await (const batch of engine.queryColumnBatches(sql)) {
          batches++;
          expect(Object.keys(batch)).toEqual(['id', 'x', 'maybe']);
          ids.push(...batch.id);
          xs.push(...batch.x);
          maybes.push(...batch.maybe);
        }
        expect(batches).toBeGreaterThanOrEqual(1);
        expect(ids).toEqual(whole.id);
        expect(xs).toEqual(whole.x);
        expect(maybes).toEqual(whole.maybe);
        expect(ids[9999]).toBe(9999n);
      });

      test('query', 'computes sampleHashSql exactly as sampleHash does', async (engine) => {
        const ids = [0n, 1n, 2n, 3n, 1000n, 2147483646n, 2147483647n, 2147483648n, 4294967297n, 9007199254740993n, 9223372036854775807n];
        for (const seed of [1, 7, 123456]) {
          const rows = await engine.query<{ h: unknown }>(
            `SELECT ${sampleHashSql('id', seed)} AS h FROM (VALUES ${ids.map((id, k) => `(${k}, CAST(${id} AS BIGINT))`).join(', ')}) AS v(k, id) ORDER BY k`,
          );
          expect(rows.map((r) => Number(r.h))).toEqual(ids.map((id) => sampleHash(id, seed)));
        }
      });

      test('query', 'fails with ENGINE_FAILED and the statement in its context', async (engine) => {
        const e = await engine.query('SELECT * FROM no_such_table').catch((x: unknown) => x);
        expect(isFraudopsError(e) && e.code).toBe('ENGINE_FAILED');
        expect(isFraudopsError(e) && String(e.context.sql)).toContain('no_such_table');
      });
    });

    describe('dialect', () => {
      test('dialect', 'spells the functions engines disagree on', async (engine) => {
        const d = engine.dialect;
        const [r] = await engine.query<Record<string, unknown>>(`
          SELECT
            ${d.tryParseTimestamp("'2019-08-22 23:59:59'")} IS NOT NULL AS ok_ts,
            ${d.tryParseTimestamp("'2019-08-22 24:00:00'")} IS NULL AS bad_ts,
            ${d.regexpFullMatch("'-123'", '-[0-9]{1,18}')} AS full_match,
            ${d.regexpFullMatch("'x-123'", '-[0-9]{1,18}')} AS partial_match,
            CAST(${d.intDiv('172801', '86400')} AS BIGINT) AS days,
            ${d.epochSeconds("CAST('1970-01-02 00:00:01' AS TIMESTAMP)")} AS secs,
            ${d.formatDay("CAST('2019-08-22 13:00:00' AS TIMESTAMP)")} AS day,
            CAST(${d.daysBetween("DATE '2019-08-22'", "DATE '2019-09-01'")} AS BIGINT) AS span,
            CAST(${d.dayOfWeek("CAST('2019-08-25 10:00:00' AS TIMESTAMP)")} AS BIGINT) AS sunday,
            CAST(${d.dayOfWeek("DATE '2019-08-24'")} AS BIGINT) AS saturday`);
        expect(r).toEqual({ ok_ts: true, bad_ts: true, full_match: true, partial_match: false, days: 2n, secs: 86401n, day: '2019-08-22', span: 10n, sunday: 0n, saturday: 6n });
        // The edges where engines' own parsers disagree: every engine reads exactly TIMESTAMP_SHAPE.
        const edges = [' 2019-08-22 01:02:03', '2019-08-22 01:02:03 ', '2019-08-22  01:02:03', '19-08-22 01:02:03', '2019-008-22 01:02:03', '2019-08-22T01:02:03'];
        const [e] = await engine.query<Record<string, unknown>>(
          `SELECT ${edges.map((v, i) => `${d.tryParseTimestamp(`'${v}'`)} IS NULL AS e${i}`).join(', ')}, ${d.formatDay(d.tryParseTimestamp("'2019-8-2 1:2:3'"))} AS short`,
        );
        expect(e).toEqual({ ...Object.fromEntries(edges.map((_, i) => [`e${i}`, true])), short: '2019-08-02' });
        await engine.run('CREATE TEMP TABLE l AS SELECT * FROM (VALUES (1), (2), (3), (4)) AS v(k)');
        await engine.run('CREATE TEMP TABLE r AS SELECT * FROM (VALUES (2), (4), (4)) AS v(k)');
        const [c] = await engine.query<Record<string, bigint>>(
          `SELECT (SELECT ${d.countIf('a.k > 1')} FROM l a) AS gt1,
                  (SELECT count(*) FROM ${d.antiJoin('l a', 'r b', 'a.k = b.k')}) AS anti,
                  (SELECT count(*) FROM ${d.semiJoin('l a', 'r b', 'a.k = b.k')}) AS semi`,
        );
        expect(c).toEqual({ gt1: 3n, anti: 2n, semi: 2n });
      });
    });

    describe('stageRows', () => {
      test('stageRows', 'appends every batch of raw lines, typed, in order', async (engine, _store, dir) => {
        await engine.run('CREATE TEMP TABLE staged (line BIGINT, word VARCHAR)');
        const a = join(dir, 'a.csv');
        const b = join(dir, 'b.csv');
        writeFileSync(a, '1,alpha\n2,\n');
        writeFileSync(b, '3,"quoted"\n');
        const columns = { line: 'BIGINT', word: 'VARCHAR' };
        await engine.stageRows({ columns, files: [a] }, (src) => `INSERT INTO staged SELECT * FROM (${src})`);
        await engine.stageRows({ columns, files: [b] }, (src) => `INSERT INTO staged SELECT * FROM (${src})`);
        const rows = await engine.query<{ line: bigint; word: string | null }>('SELECT line, word FROM staged ORDER BY line');
        // No quoting: the quote characters are data, as raw course files have none.
        expect(rows).toEqual([
          { line: 1n, word: 'alpha' },
          { line: 2n, word: null },
          { line: 3n, word: '"quoted"' },
        ]);
      });
    });

    describe('typed rows', () => {
      test('typed rows', 'offers appendRows and queryTypedChunks together or not at all, and they round-trip typed columns in order', async (engine) => {
        if (engine.appendRows === undefined || engine.queryTypedChunks === undefined) {
          // An engine elsewhere takes neither; one that took only one would leave its callers half a path.
          expect([engine.appendRows, engine.queryTypedChunks]).toEqual([undefined, undefined]);
          return;
        }
        await engine.run('CREATE TEMP TABLE typed (id BIGINT, amount DOUBLE)');
        const sizes = [1000, 1000, 537];
        let next = 0;
        const chunks = sizes.map((n) => {
          const ids = new BigInt64Array(n);
          const amounts = new Float64Array(n);
          for (let i = 0; i < n; i++, next++) {
            ids[i] = BigInt(next) * 3n - 1000n;
            amounts[i] = next / 7 - 100;
          }
          return { rowCount: n, columns: [ids, amounts] };
        });
        await engine.appendRows('typed', chunks);
        const back = await engine.queryTypedChunks('SELECT id, amount FROM typed ORDER BY id');
        expect(back.reduce((sum, c) => sum + c.rowCount, 0)).toBe(next);
        let k = 0;
        for (const c of back) {
          const [ids, amounts] = c.columns as [BigInt64Array, Float64Array];
          expect(ids).toBeInstanceOf(BigInt64Array);
          expect(amounts).toBeInstanceOf(Float64Array);
          for (let i = 0; i < c.rowCount; i++, k++) {
            if (ids[i] !== BigInt(k) * 3n - 1000n || amounts[i] !== k / 7 - 100) {
              expect({ row: k, id: ids[i], amount: amounts[i] }).toEqual({ row: k, id: BigInt(k) * 3n - 1000n, amount: k / 7 - 100 });
            }
          }
        }
        expect(k).toBe(next);
        // What a typed read cannot carry fails the query instead of giving wrong values.
        for (const sql of ['SELECT CAST(NULL AS BIGINT) AS x FROM typed', "SELECT 'text' AS x FROM typed"]) {
          const e = await engine.queryTypedChunks(sql).then(() => undefined, (err: unknown) => err);
          expect(isFraudopsError(e) && e.code, sql).toBe('ENGINE_FAILED');
        }
      });
    });

    describe('readTextLines', () => {
      test('readTextLines', 'numbers the lines of a stored text object where it is, with CR, bytes and UTF-8 as they are', async (engine, store) => {
        expect(engine.readTextLines, 'an engine without readTextLines lists this test in skip').toBeDefined();
        const bytes = Buffer.concat([Buffer.from('head\r\nplain,1\n\n'), Buffer.from([0xff, 0x41, 0x0a]), Buffer.from('x'.repeat(1100)), Buffer.from('\nlast')]);
        await store.write('raw/2019-08-22.txt', bytes);
        const text = (await engine.readTextLines!(store, 'raw/2019-08-22.txt'))!;
        expect(text).toMatchObject({ size: bytes.length, gzip: false, endsWithNewline: false });
        expect(text.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
        const rows = await engine.query<{ line: bigint; cr: boolean; text: string; bytes: bigint; utf8: boolean; base64: string; head: string }>(
          `SELECT line, cr, text, bytes, utf8, base64, head FROM ${text.relation} ORDER BY line`,
        );
        expect(rows.map((r) => [r.line, r.cr, r.bytes, r.utf8, r.base64])).toEqual([
          [1n, true, 4n, true, Buffer.from('head').toString('base64')],
          [2n, false, 7n, true, Buffer.from('plain,1').toString('base64')],
          [3n, false, 0n, true, ''],
          [4n, false, 2n, false, Buffer.from([0xff, 0x41]).toString('base64')],
          [5n, false, 1100n, true, Buffer.from('x'.repeat(1100)).toString('base64')],
          [6n, false, 4n, true, Buffer.from('last').toString('base64')],
        ]);
        expect(rows[1].text).toBe('plain,1');
        expect(rows[4].head).toBe('x'.repeat(1024));
        await store.write('raw/2019-08-23.txt.gz', gzipSync('a\nb\n'));
        const gz = (await engine.readTextLines!(store, 'raw/2019-08-23.txt.gz'))!;
        expect(gz).toMatchObject({ gzip: true, endsWithNewline: true });
        expect(await engine.query(`SELECT line, text FROM ${gz.relation} ORDER BY line`)).toEqual([
          { line: 1n, text: 'a' },
          { line: 2n, text: 'b' },
        ]);
      });
    });

    describe('partitioned writes', () => {
      test('partitioned writes', 'writes one Parquet object per partition under the store, readable back', async (engine, store) => {
        const sql = `SELECT CAST(i AS BIGINT) AS transaction_id, CAST('2019-08-' || CAST(20 + i % 3 AS VARCHAR) AS DATE) AS day FROM range(30) t(i)`;
        const written = await engine.writePartitionedParquet(sql, { store, partitionBy: 'day', keyFor: (day, i) => `out/day=${day}/part-${i}.parquet` });
        expect(written.map((w) => w.key)).toEqual(['out/day=2019-08-20/part-0.parquet', 'out/day=2019-08-21/part-0.parquet', 'out/day=2019-08-22/part-0.parquet']);
        expect(written.map((w) => w.partition)).toEqual(['2019-08-20', '2019-08-21', '2019-08-22']);
        expect((await store.list('out/')).map((i) => i.key)).toEqual(written.map((w) => w.key));
        const rel = await engine.readParquet(store, [written[1].key]);
        const rows = await engine.query<{ n: bigint; lo: bigint }>(`SELECT count(*) AS n, min(transaction_id) AS lo FROM ${rel}`);
        expect(rows).toEqual([{ n: 10n, lo: 1n }]);
      });

      test('partitioned writes', 'writes the same object for rows of one partition whether told its value or not', async (engine, store) => {
        const sql = `SELECT CAST(i * 7 AS BIGINT) AS transaction_id, DATE '2019-08-21' AS day, CAST(i AS DOUBLE) / 3 AS amount, 'f' || CAST(i % 4 AS VARCHAR) AS source FROM range(5000) t(i)`;
        const plain = await engine.writePartitionedParquet(sql, { store, partitionBy: 'day', keyFor: (day, i) => `plain/${day}-${i}.parquet` });
        const told = await engine.writePartitionedParquet(sql, { store, partitionBy: 'day', onlyPartition: '2019-08-21', keyFor: (day, i) => `told/${day}-${i}.parquet` });
        expect(plain).toEqual([{ key: 'plain/2019-08-21-0.parquet', partition: '2019-08-21' }]);
        expect(told).toEqual([{ key: 'told/2019-08-21-0.parquet', partition: '2019-08-21' }]);
        const read = async (key: string) => engine.queryColumns(`SELECT * FROM ${await engine.readParquet(store, [key])}`);
        const a = await read(plain[0].key);
        const b = await read(told[0].key);
        expect(Object.keys(b)).toEqual(['transaction_id', 'amount', 'source']);
        expect(b).toEqual(a);
        const none = await engine.writePartitionedParquet(`${sql} WHERE false`, { store, partitionBy: 'day', onlyPartition: '2019-08-21', keyFor: (d) => `none/${d}.parquet` });
        expect(none).toEqual([]);
        expect(await store.list('none/')).toEqual([]);
      });

      test('partitioned writes', 'writes the same rows at any compression level, and refuses a level zstd has not', async (engine, store) => {
        const sql = `SELECT CAST(i AS BIGINT) AS transaction_id, DATE '2019-08-21' AS day, CAST(i AS DOUBLE) / 3 AS amount FROM range(3000) t(i)`;
        const read = async (key: string) => engine.queryColumns(`SELECT * FROM ${await engine.readParquet(store, [key])} ORDER BY transaction_id`);
        const [plain] = await engine.writePartitionedParquet(sql, { store, partitionBy: 'day', keyFor: (day) => `lv/plain-${day}.parquet` });
        const [fast] = await engine.writePartitionedParquet(sql, { store, partitionBy: 'day', compressionLevel: -1, keyFor: (day) => `lv/fast-${day}.parquet` });
        expect(await read(fast.key)).toEqual(await read(plain.key));
        await expect(engine.writePartitionedParquet(sql, { store, partitionBy: 'day', compressionLevel: 0.5, keyFor: (day) => `lv/bad-${day}.parquet` })).rejects.toThrow(/compression level/);
      });

      test('partitioned writes', 'writes nothing for an empty result', async (engine, store) => {
        const written = await engine.writePartitionedParquet('SELECT 1 AS x, DATE \'2019-08-20\' AS day WHERE false', { store, partitionBy: 'day', keyFor: (d) => `e/${d}.parquet` });
        expect(written).toEqual([]);
        expect(await store.list('e/')).toEqual([]);
      });

      test('partitioned writes', 'writes newline-delimited JSON as one object', async (engine, store) => {
        await engine.writeJsonLines("SELECT 2 AS line, 'b' AS reason UNION ALL SELECT 1, 'a' ORDER BY line", 'q/rejects.jsonl', { store });
        const text = (await store.readBytes('q/rejects.jsonl')).toString('utf8');
        expect(text.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
          { line: 1, reason: 'a' },
          { line: 2, reason: 'b' },
        ]);
        const rel = await engine.readJsonLines(store, ['q/rejects.jsonl'], { line: 'BIGINT', reason: 'VARCHAR' });
        expect(await engine.query(`SELECT reason FROM ${rel} ORDER BY line DESC`)).toEqual([{ reason: 'b' }, { reason: 'a' }]);
      });
    });

    describe('lake reads', () => {
      test('lake reads', 'reads exactly the committed parts of a day range', async (engine, store) => {
        // Three committed days plus one uncommitted leftover part: readers see only what a commit lists.
        const days = ['2019-08-20', '2019-08-21', '2019-08-22'];
        const sql = `SELECT CAST(i AS BIGINT) AS transaction_id, CAST(${"'2019-08-'"} || CAST(20 + i % 3 AS VARCHAR) AS DATE) AS day FROM range(30) t(i)`;
        const written = await engine.writePartitionedParquet(sql, { store, partitionBy: 'day', keyFor: (day) => transactionsPartKey(day, 0, '2019-08-20.txt', 1) });
        const leftover = await engine.writePartitionedParquet("SELECT 999 AS transaction_id, DATE '2019-08-21' AS day", {
          store,
          partitionBy: 'day',
          keyFor: (day) => transactionsPartKey(day, 1, 'killed.txt', 1),
        });
        expect(leftover).toHaveLength(1);
        const log = await CommitLog.load(store);
        await log.append({
          format: COMMIT_FORMAT,
          seq: 0,
          committedAt: new Date(0).toISOString(),
          raw: { key: '2019-08-20.txt', rawUri: 'file:///raw', size: 1, etag: 'e', sha256: 's' },
          parts: written.map((w, i) => ({ key: w.key, day: days[i], rows: 10, minId: i, maxId: 27 + i })),
          account: emptyAccount(),
        });
        const { parts } = await committedParts(store, { days: { from: '2019-08-21', to: '2019-08-22' } });
        expect(parts.map((p) => p.day)).toEqual(['2019-08-21', '2019-08-22']);
        const rel = await engine.readParquet(store, parts.map((p) => p.key));
        const [r] = await engine.query<{ n: bigint; hi: bigint }>(`SELECT count(*) AS n, max(transaction_id) AS hi FROM ${rel}`);
        expect(r).toEqual({ n: 20n, hi: 29n });
      });

      test('lake reads', 'refuses an empty list of parts with ENGINE_NO_INPUT', async (engine, store) => {
        const e = await engine.readParquet(store, []).catch((x: unknown) => x);
        expect(isFraudopsError(e) && e.code).toBe('ENGINE_NO_INPUT');
      });

      test('lake reads', 'fails with OBJECT_NOT_FOUND for a part that is not in the store', async (engine, store) => {
        const e = await engine.readParquet(store, ['transactions/day=2019-08-20/missing.parquet']).catch((x: unknown) => x);
        expect(isFraudopsError(e) && e.code).toBe('OBJECT_NOT_FOUND');
      });
    });
  });
}
