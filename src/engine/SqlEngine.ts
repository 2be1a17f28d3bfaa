/**
 * The SQL engine seam. Stages speak SQL through this interface only, and every data movement is one of the
 * operations below, which an engine running elsewhere (Spark over Spark Connect) can also do: stage raw rows,
 * read lake parts from an object store, write partitioned Parquet to an object-store prefix, and query. Stages
 * never name a local path the engine reads or writes; where DuckDB needs one (a download cache, a Parquet
 * staging folder) it keeps it in its own scratch directory. SQL function differences live in `dialect`.
 */
import { FraudopsError } from '../errors.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import type { Dialect } from './Dialect.js';

export { sqlString, sqlStringList } from './sql.js';

export type SqlRow = Record<string, unknown>;

/** Column name → SQL type (`VARCHAR`, `BIGINT`, ...), in file order. */
export type ColumnTypes = Readonly<Record<string, string>>;

/** A batch of raw rows to stage: comma-separated lines, no header, no quoting, `\n` line ends. */
export interface RowBatch {
  columns: ColumnTypes;
  /** Local files holding the batch (the client's spool); a remote engine ships their bytes. */
  files: readonly string[];
}

export interface WriteTarget {
  store: ObjectStore;
  signal?: AbortSignal;
}

export interface PartitionedWrite extends WriteTarget {
  /** Column whose values split the output (e.g. `day`); it is not stored in the files. */
  partitionBy: string;
  /** Object key for the `index`-th file of the partition whose value is `value`. */
  keyFor(value: string, index: number): string;
  /**
   * The one value of `partitionBy` every row holds, when the caller knows it (prepare counts its rows by day
   * first): an engine may then write one object without splitting the rows, which costs less. Its objects are
   * those of the partitioned write.
   */
  onlyPartition?: string;
  /**
   * The zstd level of the files (default 1; `parquetZstdLevel` checks it). DuckDB writes at it; Spark checks it and
   * keeps its own writer's level. Negative levels are zstd's fast modes: less CPU for larger files.
   */
  compressionLevel?: number;
  /** Called after each object is stored (crash points, progress). */
  onObject?(written: WrittenObject): void;
}

/** The zstd level of a partitioned Parquet write: the target's, else 1. A level zstd has not (an integer −131072..22) fails. */
export function parquetZstdLevel(target: PartitionedWrite): number {
  const level = target.compressionLevel ?? 1;
  if (!Number.isInteger(level) || level < -131072 || level > 22) {
    throw new FraudopsError('BAD_OPTION', `zstd compression level must be an integer from -131072 to 22: ${level}`, { context: { level } });
  }
  return level;
}

export interface WrittenObject {
  key: string;
  /** Partition value for partitioned writes. */
  partition?: string;
}

/**
 * A text object the engine reads where it is stored (see `SqlEngine.readTextLines`). `relation` (usable after
 * FROM) has one row per line, split at `\n` only, a last line without `\n` included:
 *   line BIGINT      1-based line number in the (decompressed) text
 *   cr BOOLEAN       whether the line ended in `\r` (CRLF); that `\r` is not part of the columns below
 *   text VARCHAR     the line's bytes as they are (not checked as UTF-8)
 *   bytes BIGINT     its length in bytes
 *   utf8 BOOLEAN     whether those bytes are valid UTF-8
 *   base64 VARCHAR   the bytes in base64
 *   head VARCHAR     the first 1024 bytes as text (a cut character decoded as U+FFFD), for samples of long lines
 */
export interface TextLines {
  relation: string;
  /** Stored size in bytes, as the engine read it. */
  size: number;
  /** SHA-256 of the stored bytes, hex. */
  sha256: string;
  /** Whether the object was gzip (decompressed by the engine). */
  gzip: boolean;
  /** Whether the decompressed text ends with `\n` (its last line is terminated). */
  endsWithNewline: boolean;
}

/**
 * Rows as columns, for `appendRows`: column i holds `rowCount` little-endian values of the table's column i, in row
 * order (BIGINT as int64, TIMESTAMP as int64 microseconds, DOUBLE as float64, BOOLEAN as one byte 0 or 1), or is
 * null: NULL in every row, of any type.
 */
export interface ColumnChunk {
  rowCount: number;
  columns: readonly (ArrayBufferView | null)[];
}

export interface SqlEngine {
  readonly name: string;
  readonly dialect: Dialect;
  /** Runs a statement, discarding any result. */
  run(sql: string): Promise<void>;
  /** Runs a query and returns its rows as plain objects (BIGINT as bigint). */
  query<T extends SqlRow = SqlRow>(sql: string): Promise<T[]>;
  /** Runs a query and returns its columns (for large results that go into typed arrays). */
  queryColumns(sql: string): Promise<Record<string, unknown[]>>;
  /**
   * Runs a query and yields its columns a batch of rows at a time, in the query's order, with the values
   * `queryColumns` gives: a result too big to hold twice (the engine's copy and the caller's) is copied out as it
   * comes. Stopping the iteration early ends the query.
   */
  queryColumnBatches(sql: string): AsyncIterable<Record<string, unknown[]>>;
  /** Stages raw rows: runs `insert(source)`, where `source` is a SQL relation over the batch's rows. */
  stageRows(batch: RowBatch, insert: (sourceSql: string) => string): Promise<void>;
  /**
   * Optional, for engines in this process: appends rows already typed here to the temporary `table` (no text to
   * parse on the way in). Columns given as values must be BIGINT, TIMESTAMP, DOUBLE or BOOLEAN.
   */
  appendRows?(table: string, chunks: readonly ColumnChunk[]): Promise<void>;
  /**
   * Optional, for engines in this process: runs a query and returns its rows as typed columns, a chunk at a time, in
   * the query's order, each column as `appendRows` takes it (BIGINT and TIMESTAMP as BigInt64Array, DOUBLE as
   * Float64Array; other fixed-width types as their typed array). A NULL anywhere, or a column of a type without a
   * fixed width (VARCHAR), fails the query.
   */
  queryTypedChunks?(sql: string): Promise<ColumnChunk[]>;
  /**
   * A SQL relation (usable after FROM) over Parquet objects of `store`, e.g. the lake parts of a day range.
   * `keys` must be non-empty.
   */
  readParquet(store: ObjectStore, keys: readonly string[], signal?: AbortSignal): Promise<string>;
  /**
   * Optional, for engines that run elsewhere: reads a text object of `store` themselves, so its lines are never
   * sent through this process. Undefined when the engine cannot reach the object where it is (a local path on
   * another machine) or cannot read it the way `TextLines` says (a gzip object whose name does not end in .gz);
   * callers then stage the rows with `stageRows`.
   */
  readTextLines?(store: ObjectStore, key: string, signal?: AbortSignal): Promise<TextLines | undefined>;
  /** A SQL relation over newline-delimited JSON objects of `store` with the given columns. */
  readJsonLines(store: ObjectStore, keys: readonly string[], columns: ColumnTypes, signal?: AbortSignal): Promise<string>;
  /** Writes the rows of `sql` as zstd Parquet under `target.store`, one object per partition; returns them by key order. */
  writePartitionedParquet(sql: string, target: PartitionedWrite): Promise<WrittenObject[]>;
  /**
   * Optional, for engines where each write is a job: writes the rows of `sql` as newline-delimited JSON, one object
   * per value of `target.partitionBy` (a column not stored in the objects), each in the order of `orderBy`.
   * Engines that read raw text themselves (`readTextLines`) have it.
   */
  writePartitionedJsonLines?(sql: string, target: PartitionedWrite & { orderBy: string; contentType?: string }): Promise<WrittenObject[]>;
  /** Writes the rows of `sql` as one newline-delimited JSON object `key` of `target.store`. */
  writeJsonLines(sql: string, key: string, target: WriteTarget & { contentType?: string }): Promise<WrittenObject>;
  /**
   * Optional: another session on the same engine (the same data, memory cap and threads, its own temporary
   * tables) whose statements run alongside this one's, e.g. one file loading while the one before is written.
   * Closing it closes the session only; close it before the engine.
   */
  openSession?(): Promise<SqlEngine>;
  close(): Promise<void>;
}

/** How a stage asks for an engine: sizing and scratch space, never a concrete class. */
export interface EngineOptions {
  /** Scratch directory the engine owns (spill files, download cache, staging); created if missing. */
  workDir: string;
  /** e.g. `4GB`. */
  memoryLimit?: string;
  threads?: number;
  /** Interrupts the running statement once aborted (a stage's signal), so a long query does not outlive its stage. */
  signal?: AbortSignal;
}

export type EngineFactory = (options: EngineOptions) => Promise<SqlEngine>;

