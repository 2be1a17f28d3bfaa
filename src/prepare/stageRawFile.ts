/**
 * Loads one raw file into the engine's `staged` table through this process: the bytes are streamed through the
 * LineNormalizer (structure, line numbers) and handed to the engine in bounded spool batches, where the cleaning
 * rules type and classify every row. Structural rejects never reach SQL: they are written to a local JSON-lines
 * file the quarantine writer reads back. On an engine in this process (`appendRows`), typed rows skip text
 * altogether: the normalizer reads their fields into column chunks, which are appended to `staged` as they are, and
 * one statement at the end applies the rules to them (only the rows a rule rejects are written again).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { QuarantineReason } from '../quality.js';
import type { ColumnChunk, SqlEngine } from '../engine/SqlEngine.js';
import type { ObjectInfo, ObjectStore } from '../storage/ObjectStore.js';
import { ROW_CHUNK_COLUMNS, ROW_CHUNK_ROWS, type HeaderStyle, type StructuralReject } from './LineNormalizer.js';
import { inlineNormalizer, type ChunkNormalizer, type NormalizedPart, type NormalizerThread } from './normalizerThread.js';
import { BATCH_BYTES, BatchSpool } from './BatchSpool.js';
import { openDecoded, refuseIfChanging } from './rawFiles.js';
import * as cleaning from './cleaningSql.js';
import { LakeError } from '../errors.js';

export interface StructuralCounts {
  count: number;
  byReason: Map<QuarantineReason, number>;
}

/** What loading a raw file found out besides the staged rows. */
export interface StagedFile {
  /** Data lines (header excluded): the file's `rowsIn`. */
  rows: number;
  /** Lines handed to SQL (the rest are structural rejects). */
  forwarded: number;
  headerStyle: HeaderStyle;
  crlfLines: number;
  structural: StructuralCounts;
  /** Of `forwarded`, the lines that went to the engine as text rows (the rest as typed rows), when known. */
  textRows?: number;
  /** Content hash of the stored bytes. */
  sha256: string;
  /** Every id that may be on more than one forwarded line (LineNormalizer's `suspectIds`), when known. */
  suspectIds?: string[];
}

export interface StageRawFileInput {
  rawStore: ObjectStore;
  engine: SqlEngine;
  info: ObjectInfo;
  /** Local JSON-lines file that receives the structural rejects. */
  rejectsPath: string;
  /** Local scratch directory for the spool batches (memory-backed where possible). */
  spoolDir: string;
  /**
   * Resolves when the engine is free for this file (default: at once). Until then the file is read and
   * normalized ahead into at most `readAhead` × BATCH_BYTES of spooled batches; a rejection cancels the staging.
   */
  engineReady?: Promise<void>;
  readAhead?: number;
  /**
   * Whether lines that read as typed columns go to the engine as typed rows (LineNormalizer's `typed`); their
   * placeholders are replaced in place at the end, which DuckDB's tables allow. Default: on DuckDB.
   */
  typedRows?: boolean;
  /**
   * A worker thread on which the lines are normalized, beside the engine's work in this one (normalizerThread.ts).
   * Without it they are normalized here.
   */
  normalizerThread?: NormalizerThread;
  signal?: AbortSignal;
  progress(bytesRead: number, rows: number): void;
}

/** Streams the raw object through the normalizer into the engine's `staged` table, batch by batch. */
export async function stageRawFile(input: StageRawFileInput): Promise<StagedFile> {
  const { engine, info, signal, progress } = input;
  const file = info.key;
  const structural: StructuralCounts = { count: 0, byReason: new Map() };
  const rejects = createWriteStream(input.rejectsPath);
  const typed = input.typedRows ?? engine.name === 'duckdb';
  // An engine in this process takes typed rows as column chunks: nothing of them is written out or parsed as text.
  const columns = typed && engine.appendRows !== undefined;
  const day = cleaning.fileDay(file);
  const onReject = (r: StructuralReject) => {
    structural.count++;
    structural.byReason.set(r.reason, (structural.byReason.get(r.reason) ?? 0) + 1);
    rejects.write(`${rejectJson(file, r)}\n`);
  };
  const thread = input.normalizerThread;
  const normalizer: ChunkNormalizer = thread ? thread.open(file, { typed, columns }) : inlineNormalizer(file, onReject, { typed, columns });
  let created: Promise<void> | undefined;
  const createStaged = () =>
    (created ??= (async () => {
      await input.engineReady;
      await engine.run(columns ? cleaning.CREATE_CHUNK_STAGED_SQL : cleaning.CREATE_STAGED_SQL);
      if (typed) await engine.run(cleaning.createStagedSql(cleaning.STAGED_TEXT));
    })());
  const batchBytes = columns ? COLUMN_BATCH_BYTES : BATCH_BYTES;
  const spool = new BatchSpool(
    input.spoolDir,
    async (paths, textPaths, chunks) => {
      await createStaged();
      if (chunks.length > 0) await engine.appendRows!('staged', chunks.map(stagedChunk));
      if (paths.length > 0) {
        await engine.stageRows({ columns: typed ? cleaning.TYPED_COLUMNS : cleaning.FORWARDED_COLUMNS, files: paths }, (source) =>
          typed ? cleaning.insertTypedSql(engine.dialect, source, day) : cleaning.insertStagedSql(engine.dialect, source, day),
        );
      }
      if (textPaths.length > 0) {
        await engine.stageRows({ columns: cleaning.FORWARDED_COLUMNS, files: textPaths }, (source) =>
          cleaning.insertStagedSql(engine.dialect, source, day, cleaning.STAGED_TEXT),
        );
      }
    },
    undefined,
    batchBytes,
    Math.max(1, Math.round(((input.readAhead ?? 1) * BATCH_BYTES) / batchBytes)),
  );
  const hash = createHash('sha256');
  let bytesRead = 0;
  let source: Awaited<ReturnType<typeof openDecoded>> | undefined;
  try {
    source = await openDecoded(
      input.rawStore,
      info,
      (chunk) => {
        hash.update(chunk);
        bytesRead += chunk.length;
      },
      signal,
    );
    let lastReport = 0;
    const consume = async (part: NormalizedPart) => {
      for (const r of part.rejects) onReject(r);
      for (const out of part.main) await spool.write(out);
      for (const rows of part.columns) await spool.writeColumns(rows);
      for (const out of part.text) await spool.writeSide(out);
      // A file of garbage turns into as many rejects as lines: keep their buffer bounded too.
      if (rejects.writableNeedDrain) await once(rejects, 'drain');
      if (bytesRead - lastReport > 8 << 20) {
        lastReport = bytesRead;
        progress(bytesRead, part.rows);
      }
    };
    // Parts come back in chunk order; at most `depth` chunks are posted and not yet consumed.
    const inFlight: Promise<NormalizedPart>[] = [];
    for await (const chunk of source.chunks) {
      inFlight.push(normalizer.push(chunk as Buffer));
      if (inFlight.length >= normalizer.depth) await consume(await inFlight.shift()!);
    }
    inFlight.push(normalizer.finish());
    while (inFlight.length > 0) await consume(await inFlight.shift()!);
    progress(bytesRead, normalizer.summary().rows);
    await refuseIfChanging(input.rawStore, info, bytesRead, signal);
    await spool.end();
    // A file without a forwarded line loads no batch: its (empty) table is created all the same.
    await createStaged();
    if (columns) await engine.run(cleaning.classifyChunkRowsSql(engine.dialect, day));
    const counts = normalizer.summary();
    if (typed && counts.textRows > 0) {
      const [done] = await engine.query(cleaning.UPDATE_STAGED_SQL);
      const replaced = Number(Object.values(done ?? {})[0]);
      if (replaced !== counts.textRows) {
        throw new LakeError('ACCOUNT_MISMATCH', `${file}: ${replaced} of ${counts.textRows} text rows took their place among the staged rows`, { context: { file } });
      }
    }
  } finally {
    source?.close();
    await normalizer.close();
    await spool.discard();
    await closeStream(rejects);
  }
  const counts = normalizer.summary();
  return {
    rows: counts.rows,
    forwarded: counts.forwarded,
    textRows: counts.textRows,
    headerStyle: counts.headerStyle!,
    crlfLines: counts.crlfLines,
    structural,
    sha256: hash.digest('hex'),
    suspectIds: counts.suspectIds,
  };
}

/**
 * Bytes of column chunks per spool batch, that is per `appendRows` call: 245,760 rows of ROW_CHUNK_COLUMNS (8 bytes a
 * value), two of DuckDB's row groups. DuckDB moves an append of at least a row group into the table as it is at
 * commit, but copies a smaller one into it a second time, statistics and all: on 4M rows, 86k-row appends took about
 * a fifth more CPU than these.
 */
const COLUMN_BATCH_BYTES = 2 * 122_880 * ROW_CHUNK_COLUMNS.length * 8;

/** Falses for the chunk rows' `term_missing` (a typed row's terminal id is a number), one byte a row. */
const FALSES = new Uint8Array(ROW_CHUNK_ROWS);

/** A normalizer chunk as the columns of the chunk-staged table (cleaning.CHUNK_STAGED_SOURCES). */
function stagedChunk(chunk: ColumnChunk): ColumnChunk {
  return {
    rowCount: chunk.rowCount,
    columns: cleaning.CHUNK_STAGED_SOURCES.map((c) => (c === 'null' ? null : c === 'false' ? FALSES : chunk.columns[ROW_CHUNK_COLUMNS.indexOf(c)])),
  };
}

function rejectJson(file: string, r: StructuralReject): string {
  const text = r.reason === 'not_text' ? null : r.raw.toString('utf8');
  return JSON.stringify({ file, line: r.line, reason: r.reason, raw: text, raw_base64: text === null ? r.raw.toString('base64') : null });
}

async function closeStream(s: WriteStream): Promise<void> {
  if (s.closed) return;
  s.end();
  await once(s, 'close').catch(() => undefined);
}
