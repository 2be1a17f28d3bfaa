/**
 * Loads one raw file into the engine's `staged` table through this process: the bytes are streamed through the
 * LineNormalizer (structure, line numbers) and handed to the engine in bounded spool batches, where the cleaning
 * rules type and classify every row. Structural rejects never reach SQL: they are written to a local JSON-lines
 * file the quarantine writer reads back.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { QuarantineReason } from '../quality.js';
import type { SqlEngine } from '../engine/SqlEngine.js';
import type { ObjectInfo, ObjectStore } from '../storage/ObjectStore.js';
import { LineNormalizer, type HeaderStyle, type StructuralReject } from './LineNormalizer.js';
import { BatchSpool } from './BatchSpool.js';
import { openDecoded, refuseIfChanging } from './rawFiles.js';
import * as cleaning from './cleaningSql.js';

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
  /** Content hash of the stored bytes. */
  sha256: string;
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
   * normalized ahead into at most `readAhead` spooled batches; a rejection cancels the staging.
   */
  engineReady?: Promise<void>;
  readAhead?: number;
  signal?: AbortSignal;
  progress(bytesRead: number, rows: number): void;
}

/** Streams the raw object through the normalizer into the engine's `staged` table, batch by batch. */
export async function stageRawFile(input: StageRawFileInput): Promise<StagedFile> {
  const { engine, info, signal, progress } = input;
  const file = info.key;
  const structural: StructuralCounts = { count: 0, byReason: new Map() };
  const rejects = createWriteStream(input.rejectsPath);
  const normalizer = new LineNormalizer(file, (r) => {
    structural.count++;
    structural.byReason.set(r.reason, (structural.byReason.get(r.reason) ?? 0) + 1);
    rejects.write(`${rejectJson(file, r)}\n`);
  });
  let created: Promise<void> | undefined;
  const createStaged = () =>
    (created ??= (async () => {
      await input.engineReady;
      await engine.run(cleaning.CREATE_STAGED_SQL);
    })());
  const spool = new BatchSpool(
    input.spoolDir,
    async (paths) => {
      await createStaged();
      await engine.stageRows({ columns: cleaning.FORWARDED_COLUMNS, files: paths }, (source) =>
        cleaning.insertStagedSql(engine.dialect, source, cleaning.fileDay(file)),
      );
    },
    undefined,
    undefined,
    input.readAhead,
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
    for await (const chunk of source.chunks) {
      for (const out of normalizer.push(chunk as Buffer)) await spool.write(out);
      // A file of garbage turns into as many rejects as lines: keep their buffer bounded too.
      if (rejects.writableNeedDrain) await once(rejects, 'drain');
      if (bytesRead - lastReport > 8 << 20) {
        lastReport = bytesRead;
        progress(bytesRead, normalizer.rows);
      }
    }
    for (const out of normalizer.finish()) await spool.write(out);
    progress(bytesRead, normalizer.rows);
    await refuseIfChanging(input.rawStore, info, bytesRead, signal);
    await spool.end();
    // A file without a forwarded line loads no batch: its (empty) table is created all the same.
    await createStaged();
  } finally {
    source?.close();
    await spool.discard();
    await closeStream(rejects);
  }
  return {
    rows: normalizer.rows,
    forwarded: normalizer.forwarded,
    headerStyle: normalizer.headerStyle!,
    crlfLines: normalizer.crlfLines,
    structural,
    sha256: hash.digest('hex'),
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
