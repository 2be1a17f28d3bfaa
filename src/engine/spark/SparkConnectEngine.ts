/**
 * Spark behind the SqlEngine interface, over Spark Connect (`sc://host:port`). Stages send the same portable SQL
 * they send DuckDB; this engine re-spells it for Spark (toSparkSql) and keeps the engine-level differences here:
 *
 *   temporary tables  `CREATE [OR REPLACE] TEMP TABLE` becomes a Parquet table in a database of its own
 *                     (`fraudops_<id>`, the session's current one), dropped with everything in it on close
 *   raw text          Spark reads raw files itself (readTextLines): `s3a://` or a path the server sees; line
 *                     numbers come from each split's start offset and row position, so they are exact without
 *                     reading a file in one task
 *   raw rows          (stageRows, where Spark cannot reach the raw files) sent inside the plan as Arrow batches
 *   lake reads        Spark reads the objects itself: `s3a://` for an S3 store, the path for a local store
 *                     (the server must see the same file system: true for a local server)
 *   writes            Spark writes into a staging prefix of the target store; each file is then stored under
 *                     the key the stage chose and the staging objects are deleted
 *
 * Sessions run in UTC with TIMESTAMP meaning TIMESTAMP_NTZ (DuckDB's TIMESTAMP) and zstd Parquet.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Table, Utf8, Vector, tableToIPC, vectorFromArray, type DataType } from 'apache-arrow';
import { FraudopsError, StorageError, isFraudopsError } from '../../errors.js';
import type { ObjectStore } from '../../storage/ObjectStore.js';
import { parquetZstdLevel, type ColumnTypes, type EngineOptions, type PartitionedWrite, type RowBatch, type SqlEngine, type SqlRow, type TextLines, type WriteTarget, type WrittenObject } from '../SqlEngine.js';
import { SparkConnectClient, type SparkConnectOptions } from './SparkConnectClient.js';
import { SparkConnectError } from './SparkConnectError.js';
import { createViewCommand, localRelation, readRelation, sqlRelation, writeCommand, type Relation } from './plans.js';
import { sparkDialect } from './sparkDialect.js';
import { parseTempTable, sparkTypes, splitStatements, toSparkSql } from './sparkSql.js';

/** Session settings every engine session gets; see the module comment. */
export const ENGINE_SESSION_CONF: Readonly<Record<string, string>> = {
  'spark.sql.session.timeZone': 'UTC',
  'spark.sql.timestampType': 'TIMESTAMP_NTZ',
  'spark.sql.legacy.timeParserPolicy': 'CORRECTED',
  'spark.sql.parquet.compression.codec': 'zstd',
};

/** Raw lines per Arrow batch sent inside one plan (gRPC messages are capped; ~100 bytes a line). */
const LINES_PER_BATCH = 100_000;

/** Where Spark writes before files get their final keys, inside the target store. */
const STAGING_PREFIX = '_engine-staging/';

export interface SparkEngineOptions extends Partial<EngineOptions> {
  client?: SparkConnectOptions;
}

export class SparkConnectEngine implements SqlEngine {
  readonly name = 'spark';
  readonly dialect = sparkDialect;
  private views = 0;

  private constructor(
    private readonly spark: SparkConnectClient,
    private readonly database: string,
  ) {}

  static async create(uri: string, options: SparkEngineOptions = {}): Promise<SparkConnectEngine> {
    const spark = await SparkConnectClient.connect(uri, { ...options.client, conf: { ...ENGINE_SESSION_CONF, ...options.client?.conf } });
    const database = `fraudops_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    try {
      await spark.runSql(`CREATE DATABASE ${database}`);
      await spark.runSql(`USE ${database}`);
    } catch (e) {
      await spark.close();
      throw e;
    }
    return new SparkConnectEngine(spark, database);
  }

  /** The Spark Connect address (without credentials). */
  get address(): string {
    return this.spark.address;
  }

  async run(sql: string): Promise<void> {
    for (const statement of splitStatements(sql)) {
      const ddl = parseTempTable(statement);
      if (!ddl) {
        await this.command(toSparkSql(statement), statement);
        continue;
      }
      if (ddl.replace) await this.command(`DROP TABLE IF EXISTS ${ddl.name}`, statement);
      if (ddl.query !== undefined) await this.command(`CREATE TABLE ${ddl.name} USING parquet AS ${toSparkSql(ddl.query)}`, statement);
      else await this.command(`CREATE TABLE ${ddl.name} ${toSparkSql(ddl.columns ?? '')} USING parquet`, statement);
    }
  }

  async query<T extends SqlRow = SqlRow>(sql: string): Promise<T[]> {
    const table = await this.collect(sqlRelation(toSparkSql(sql)), sql);
    const columns = table.schema.fields.map((f, i) => ({ name: f.name, type: f.type, vector: table.getChildAt(i)! }));
    const rows: T[] = [];
    for (let r = 0; r < table.numRows; r++) {
      const row: SqlRow = {};
      for (const c of columns) row[c.name] = jsValue(c.vector.get(r), c.type);
      rows.push(row as T);
    }
    return rows;
  }

  async queryColumns(sql: string): Promise<Record<string, unknown[]>> {
    const table = await this.collect(sqlRelation(toSparkSql(sql)), sql);
    const out: Record<string, unknown[]> = {};
    table.schema.fields.forEach((f, i) => {
      const v = table.getChildAt(i)!;
      const values = new Array<unknown>(v.length);
      for (let r = 0; r < v.length; r++) values[r] = jsValue(v.get(r), f.type);
      out[f.name] = values;
    });
    return out;
  }

  /**
   * The collected result's Arrow record batches one at a time: the JS copy is made a batch at a time, though the
   * Arrow result itself arrives whole (Spark Connect streams it, this client collects it).
   */
  async *queryColumnBatches(sql: string): AsyncIterable<Record<string, unknown[]>> {
    const table = await this.collect(sqlRelation(toSparkSql(sql)), sql);
    for (const batch of table.batches) {
      const out: Record<string, unknown[]> = {};
      batch.schema.fields.forEach((f, i) => {
        const v = batch.getChildAt(i)!;
        const values = new Array<unknown>(v.length);
        for (let r = 0; r < v.length; r++) values[r] = jsValue(v.get(r), f.type);
        out[f.name] = values;
      });
      if (batch.numRows > 0) yield out;
    }
  }

  async stageRows(batch: RowBatch, insert: (sourceSql: string) => string): Promise<void> {
    const names = Object.keys(batch.columns);
    const typed = names.map((n, i) => `CAST(c${i} AS ${sparkTypes(batch.columns[n])}) AS \`${n}\``).join(', ');
    const views: string[] = [];
    for (const chunk of rowChunks(batch, names.length)) {
      const view = this.viewName('rows');
      await this.command2(createViewCommand(localRelation(chunk), view), 'stage raw rows');
      views.push(view);
    }
    if (views.length === 0) {
      // No lines: an empty relation of the right columns.
      await this.run(insert(`SELECT ${names.map((n) => `CAST(NULL AS ${batch.columns[n]}) AS ${n}`).join(', ')} WHERE false`));
      return;
    }
    // One view over every chunk, so `insert` runs once, as on DuckDB.
    const all = this.viewName('rows');
    try {
      await this.command(`CREATE OR REPLACE TEMPORARY VIEW ${all} AS ${views.map((v) => `SELECT ${typed} FROM ${v}`).join(' UNION ALL ')}`, 'stage raw rows');
      await this.run(insert(`SELECT * FROM ${all}`));
    } finally {
      for (const v of [all, ...views]) await this.spark.runSql(`DROP VIEW IF EXISTS ${v}`).catch(() => undefined);
    }
  }

  async readParquet(store: ObjectStore, keys: readonly string[], signal?: AbortSignal): Promise<string> {
    return this.readView(store, keys, readRelation('parquet', keys.map((k) => sparkPath(store, k))), signal);
  }

  async readTextLines(store: ObjectStore, key: string, signal?: AbortSignal): Promise<TextLines | undefined> {
    let path: string;
    try {
      path = sparkPath(store, key);
    } catch {
      return undefined;
    }
    // One read of the stored bytes for their size, hash, gzip magic and last byte. A path the server does not
    // see (a local file on another machine) is not found there: the caller then sends the rows itself.
    const stored = this.viewName('bytes');
    let facts: { length: bigint; sha: string; magic: string; last: string } | undefined;
    try {
      await this.spark.command(createViewCommand(readRelation('binaryFile', [path]), stored), { signal });
      [facts] = await this.query<{ length: bigint; sha: string; magic: string; last: string }>(`SELECT length, sha2(content, 256) AS sha, hex(substr(content, 1, 2)) AS magic, hex(substr(content, -1, 1)) AS last FROM ${stored}`);
    } catch (e) {
      const cls = e instanceof SparkConnectError ? e.errorClass : e instanceof FraudopsError && e.cause instanceof SparkConnectError ? e.cause.errorClass : undefined;
      if (cls === 'PATH_NOT_FOUND') return undefined;
      throw engineError(e, `read ${path}`);
    } finally {
      await this.spark.runSql(`DROP VIEW IF EXISTS ${stored}`).catch(() => undefined);
    }
    if (!facts) return undefined;
    const gzip = /\.gz$/i.test(key);
    // Hadoop decompresses by name only: a gzip object under another name would be read as its compressed bytes.
    if (!gzip && facts.magic === '1F8B') return undefined;
    const lines = this.viewName('text');
    await this.command2(createViewCommand(readRelation('text', [path], { options: { lineSep: '\n' } }), lines), `read ${path}`, signal);
    let endsWithNewline = facts.last === '0A';
    if (gzip) {
      // Whether the decompressed text ends with a newline is not in the lines: read it whole once (one task).
      const whole = this.viewName('whole');
      try {
        await this.command2(createViewCommand(readRelation('text', [path], { options: { wholetext: 'true' } }), whole), `read ${path}`, signal);
        const [r] = await this.query<{ nl: boolean | null }>(`SELECT substr(value, -1, 1) = '\n' AS nl FROM ${whole}`);
        endsWithNewline = r?.nl === true;
      } finally {
        await this.spark.runSql(`DROP VIEW IF EXISTS ${whole}`).catch(() => undefined);
      }
    }
    const numbered = this.viewName('lines');
    // Each split of the file is read in order by one task: a line's number is the lines of the splits before its
    // own (by start offset) plus its position in its split (monotonically_increasing_id is consecutive there).
    // The splits' counts come from a second scan of the file, not from `src`: Spark materializes a CTE with
    // nondeterministic columns that is used twice through a shuffle of every line, which costs far more.
    await this.command(
      `CREATE OR REPLACE TEMPORARY VIEW ${numbered} AS
WITH src AS (SELECT value, input_file_block_start() AS blk, monotonically_increasing_id() AS mid FROM ${lines}),
blocks AS (
  SELECT blk, min(mid) AS first_mid, count(*) AS n
  FROM (SELECT input_file_block_start() AS blk, monotonically_increasing_id() AS mid FROM ${lines}) GROUP BY blk
),
offsets AS (SELECT blk, first_mid, sum(n) OVER (ORDER BY blk) - n AS before FROM blocks),
numbered AS (
  SELECT CAST(o.before + (s.mid - o.first_mid) + 1 AS BIGINT) AS line, endswith(s.value, '\r') AS cr, CAST(s.value AS BINARY) AS b
  FROM src s JOIN offsets o ON s.blk = o.blk
), stripped AS (
  SELECT line, cr, CASE WHEN cr THEN substr(b, 1, length(b) - 1) ELSE b END AS b FROM numbered
)
SELECT line, cr, CAST(b AS STRING) AS text, CAST(length(b) AS BIGINT) AS bytes, is_valid_utf8(CAST(b AS STRING)) AS utf8,
  -- Spark's base64 breaks lines at 76 characters (MIME) unless told otherwise: one line, as everywhere else.
  replace(replace(base64(b), '\r', ''), '\n', '') AS base64,
  make_valid_utf8(CAST(substr(b, 1, 1024) AS STRING)) AS head
FROM stripped`,
      `number the lines of ${path}`,
    );
    return { relation: numbered, size: Number(facts.length), sha256: facts.sha, gzip, endsWithNewline };
  }

  async readJsonLines(store: ObjectStore, keys: readonly string[], columns: ColumnTypes, signal?: AbortSignal): Promise<string> {
    const schema = Object.entries(columns)
      .map(([n, t]) => `\`${n}\` ${sparkTypes(t)}`)
      .join(', ');
    return this.readView(store, keys, readRelation('json', keys.map((k) => sparkPath(store, k)), { schema }), signal);
  }

  async writePartitionedParquet(sql: string, target: PartitionedWrite): Promise<WrittenObject[]> {
    parquetZstdLevel(target); // checked like every engine's; the writer keeps its own level
    // DISTRIBUTE BY puts each partition value in one task, so each partition is one file.
    const relation = sqlRelation(`SELECT * FROM (${toSparkSql(sql)}) DISTRIBUTE BY \`${target.partitionBy}\``);
    return this.writePartitioned(relation, sql, target, 'parquet', { compression: 'zstd' }, '.parquet');
  }

  async writePartitionedJsonLines(sql: string, target: PartitionedWrite & { orderBy: string; contentType?: string }): Promise<WrittenObject[]> {
    // Sorted by the partition column first, the writer keeps this order within each file.
    const p = `\`${target.partitionBy}\``;
    const relation = sqlRelation(`SELECT * FROM (${toSparkSql(sql)}) DISTRIBUTE BY ${p} SORT BY ${p}, ${target.orderBy}`);
    return this.writePartitioned(relation, sql, target, 'json', { ignoreNullFields: 'false' }, '.json', target.contentType ?? 'application/x-ndjson');
  }

  /** Writes into a staging prefix partitioned by `target.partitionBy`, then stores each file under its key. */
  private async writePartitioned(
    relation: Relation,
    sql: string,
    target: PartitionedWrite,
    format: string,
    options: Record<string, string>,
    extension: string,
    contentType?: string,
  ): Promise<WrittenObject[]> {
    const staging = `${STAGING_PREFIX}${randomUUID()}/`;
    try {
      await this.command2(
        writeCommand(relation, format, sparkPath(target.store, staging), { mode: 'error', partitionBy: [target.partitionBy], options }),
        sql,
        target.signal,
      );
      const prefix = `${staging}${target.partitionBy}=`;
      const files = (await target.store.list(staging, target.signal)).filter((o) => o.key.startsWith(prefix) && isDataFile(o.key, extension));
      const byValue = new Map<string, string[]>();
      for (const f of files) {
        const value = decodeURIComponent(f.key.slice(prefix.length, f.key.indexOf('/', prefix.length)));
        byValue.set(value, [...(byValue.get(value) ?? []), f.key]);
      }
      const written: WrittenObject[] = [];
      for (const value of [...byValue.keys()].sort()) {
        const staged = byValue.get(value)!.sort();
        for (let i = 0; i < staged.length; i++) {
          const key = target.keyFor(value, i);
          await moveObject(target.store, staged[i], key, target.signal, contentType);
          written.push({ key, partition: value });
          target.onObject?.({ key, partition: value });
        }
      }
      return written;
    } finally {
      await removePrefix(target.store, staging);
    }
  }

  async writeJsonLines(sql: string, key: string, target: WriteTarget & { contentType?: string }): Promise<WrittenObject> {
    const staging = `${STAGING_PREFIX}${randomUUID()}/`;
    try {
      // COALESCE keeps the query's order (no shuffle) and makes one file.
      const relation = sqlRelation(`SELECT /*+ COALESCE(1) */ * FROM (${toSparkSql(sql)})`);
      await this.command2(writeCommand(relation, 'json', sparkPath(target.store, staging), { mode: 'error', options: { ignoreNullFields: 'false' } }), sql, target.signal);
      const parts = (await target.store.list(staging, target.signal)).filter((o) => isDataFile(o.key, '.json')).map((o) => o.key).sort();
      if (parts.length === 0) {
        await target.store.write(key, '', { contentType: target.contentType ?? 'application/x-ndjson', signal: target.signal });
      } else {
        const bytes = Buffer.concat(await Promise.all(parts.map((p) => target.store.readBytes(p, target.signal))));
        await target.store.write(key, bytes, { contentType: target.contentType ?? 'application/x-ndjson', signal: target.signal });
      }
      return { key };
    } finally {
      await removePrefix(target.store, staging);
    }
  }

  async close(): Promise<void> {
    try {
      await this.spark.runSql(`DROP DATABASE IF EXISTS ${this.database} CASCADE`);
    } catch {
      // The session may be gone already (server restarted); its tables then stay in the warehouse.
    } finally {
      await this.spark.close();
    }
  }

  private async readView(store: ObjectStore, keys: readonly string[], relation: Relation, signal?: AbortSignal): Promise<string> {
    if (keys.length === 0) throw new FraudopsError('ENGINE_NO_INPUT', `no objects to read from ${store.uri}`, { context: { uri: store.uri } });
    const view = this.viewName('read');
    try {
      await this.spark.command(createViewCommand(relation, view), { signal });
    } catch (e) {
      if (e instanceof SparkConnectError && e.errorClass === 'PATH_NOT_FOUND') {
        throw new StorageError('OBJECT_NOT_FOUND', `an object to read is not in ${store.uri}: ${e.message}`, { cause: e, context: { uri: store.uri, key: keys[0] } });
      }
      throw engineError(e, `read ${keys.length} object(s) of ${store.uri}`);
    }
    return view;
  }

  private viewName(kind: string): string {
    return `__fraudops_${kind}_${++this.views}`;
  }

  private async collect(relation: Relation, sql: string): Promise<Table> {
    const started = performance.now();
    try {
      return await this.spark.collect(relation);
    } catch (e) {
      throw engineError(e, sql);
    } finally {
      profile(started, sql);
    }
  }

  private async command(statement: string, original: string): Promise<void> {
    const started = performance.now();
    try {
      await this.spark.runSql(statement);
    } catch (e) {
      throw engineError(e, original);
    } finally {
      profile(started, original);
    }
  }

  private async command2(plan: Parameters<SparkConnectClient['command']>[0], original: string, signal?: AbortSignal): Promise<void> {
    const started = performance.now();
    try {
      await this.spark.command(plan, { signal });
    } catch (e) {
      throw engineError(e, original);
    } finally {
      profile(started, original);
    }
  }
}

/**
 * With FRAUDOPS_SPARK_PROFILE set, each statement's wall time and its first words go to stderr: where a stage's
 * time goes on Spark, statement by statement (each is at least one Spark job).
 */
function profile(started: number, sql: string): void {
  if (!process.env.FRAUDOPS_SPARK_PROFILE) return;
  const text = sql.replace(/\s+/g, ' ').trim();
  process.stderr.write(`spark profile: ${((performance.now() - started) / 1000).toFixed(2).padStart(7)} s  ${text.length > 110 ? `${text.slice(0, 110)}…` : text}\n`);
}

/** A path Spark reads and writes for a key of a store: `s3a://` for S3, the file path for a local store. */
export function sparkPath(store: ObjectStore, key: string): string {
  const root = store.uri.replace(/\/+$/, '');
  if (root.startsWith('s3://')) return `s3a://${root.slice('s3://'.length)}/${key}`;
  if (root.startsWith('file:')) return `file://${fileURLToPath(root)}/${key}`;
  throw new FraudopsError('ENGINE_UNSUPPORTED_STORE', `Spark cannot reach ${store.uri}: use an s3:// or shared local lake`, { context: { uri: store.uri } });
}

/** Arrow IPC streams of the batch's lines as string columns c0..cN (an empty field is NULL, as DuckDB reads it). */
function* rowChunks(batch: RowBatch, width: number): Generator<Uint8Array> {
  let columns: (string | null)[][] = Array.from({ length: width }, () => []);
  const flush = () => {
    const table = new Table(Object.fromEntries(columns.map((values, i) => [`c${i}`, vectorFromArray(values, new Utf8())])));
    columns = Array.from({ length: width }, () => []);
    return tableToIPC(table, 'stream');
  };
  for (const file of batch.files) {
    const text = readFileSync(file, 'utf8');
    let lineNo = 0;
    for (const line of text.split('\n')) {
      lineNo++;
      if (line === '') continue;
      const fields = line.split(',');
      if (fields.length !== width) {
        throw new FraudopsError('ENGINE_FAILED', `${file}:${lineNo}: ${fields.length} fields, expected ${width}`, { context: { file, line: lineNo } });
      }
      for (let i = 0; i < width; i++) columns[i].push(fields[i] === '' ? null : fields[i]);
      if (columns[0].length >= LINES_PER_BATCH) yield flush();
    }
  }
  if (columns[0].length > 0) yield flush();
}

/** Arrow values as the DuckDB engine gives them: BIGINT as bigint, DATE as `YYYY-MM-DD`, TIMESTAMP as text. */
function jsValue(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  const id = type.typeId;
  // Arrow Type ids: Date = 8, Timestamp = 10.
  if (id === 8 && typeof value === 'number') return new Date(value).toISOString().slice(0, 10);
  if (id === 8 && value instanceof Date) return value.toISOString().slice(0, 10);
  if (id === 10 && (typeof value === 'number' || value instanceof Date)) return new Date(value).toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '');
  if (value instanceof Vector) return [...value];
  return value;
}

function isDataFile(key: string, extension: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.endsWith(extension) && !name.startsWith('.') && !name.startsWith('_');
}

/** Stores `from` under `to` and deletes `from`. The bytes pass through this process once: the store has no copy. */
async function moveObject(store: ObjectStore, from: string, to: string, signal?: AbortSignal, contentType?: string): Promise<void> {
  await store.write(to, await store.readBytes(from, signal), { signal, ...(contentType ? { contentType } : {}) });
  await store.delete([from], signal);
}

async function removePrefix(store: ObjectStore, prefix: string): Promise<void> {
  try {
    const keys = (await store.list(prefix)).map((o) => o.key);
    if (keys.length > 0) await store.delete(keys);
  } catch {
    // Staging leftovers are harmless (no commit names them); the next write uses a fresh prefix.
  }
}

function engineError(e: unknown, sql: string): FraudopsError {
  if (isFraudopsError(e) && e.code !== 'SPARK_QUERY_FAILED') return e;
  const message = e instanceof Error ? e.message : String(e);
  return new FraudopsError('ENGINE_FAILED', `spark: ${message.split('\n')[0]}`, {
    cause: e,
    context: { engine: 'spark', sql: sql.length > 400 ? `${sql.slice(0, 400)}…` : sql, ...(e instanceof SparkConnectError ? { errorClass: e.errorClass, sqlState: e.sqlState } : {}) },
  });
}
