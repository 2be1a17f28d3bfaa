/**
 * Loads one raw file into the engine's `staged` table without its bytes passing through this process, for
 * engines that read raw text where it is stored (Spark reads `s3a://` or a path it shares with us). The engine
 * numbers and classifies the lines (structuralSql.ts: the LineNormalizer's rules), the header line alone comes
 * back here to be checked by the normalizer itself, and the cleaning rules run on the forwarded lines as they do
 * after the normalizer. The result is the same `StagedFile` as `stageRawFile`'s, so the account, the quarantine
 * and the commit cannot tell the two apart.
 */
import { InputError, isFraudopsError } from '../errors.js';
import type { QuarantineReason } from '../quality.js';
import type { SqlEngine } from '../engine/SqlEngine.js';
import type { ObjectInfo, ObjectStore } from '../storage/ObjectStore.js';
import { LineNormalizer } from './LineNormalizer.js';
import { refuseIfChanging } from './rawFiles.js';
import * as cleaning from './cleaningSql.js';
import * as structural from './structuralSql.js';
import type { StagedFile, StructuralCounts } from './stageRawFile.js';

export interface StageInEngineInput {
  rawStore: ObjectStore;
  engine: SqlEngine;
  info: ObjectInfo;
  signal?: AbortSignal;
  progress(bytesRead: number, rows: number): void;
}

/** A staged file, plus the quarantine rows of its structural rejects as a SQL relation. */
export interface StagedInEngine extends StagedFile {
  structuralSql: string;
}

/** Stages the file in the engine; undefined when the engine cannot read it where it is (the caller sends it). */
export async function stageRawFileInEngine(input: StageInEngineInput): Promise<StagedInEngine | undefined> {
  const { engine, info, signal } = input;
  const file = info.key;
  if (!engine.readTextLines) return undefined;
  let text;
  try {
    text = await engine.readTextLines(input.rawStore, file, signal);
  } catch (e) {
    throw fileError(e, file, /\.gz$/i.test(file));
  }
  if (!text) return undefined;
  // The engine's read of the stored bytes must be the listed object: anything else is a file still being written.
  await refuseIfChanging(input.rawStore, info, text.size, signal);
  try {
    await engine.run(structural.rawLinesSql(engine.dialect, text.relation));
  } catch (e) {
    throw fileError(e, file, text.gzip);
  }
  const groups = await engine.query<{ reason: QuarantineReason | 'header' | null; n: bigint; last_line: bigint; crlf: bigint; header: string | null }>(
    structural.RAW_LINES_SUMMARY_SQL,
  );
  const lines = groups.reduce((m, g) => Math.max(m, Number(g.last_line)), 0);
  const header = groups.find((g) => g.reason === 'header')?.header ?? '';
  const lastReason = groups.find((g) => Number(g.last_line) === lines)?.reason ?? null;
  // The header goes through the normalizer itself: the same styles, the same errors, line 1.
  const normalizer = new LineNormalizer(file, () => undefined);
  if (lines > 0) normalizer.push(Buffer.concat([Buffer.from(header, 'base64'), Buffer.from(lines > 1 || text.endsWithNewline ? '\n' : '')]));
  normalizer.finish();
  const counts: StructuralCounts = { count: 0, byReason: new Map() };
  let forwarded = 0;
  for (const g of groups) {
    if (g.reason === null) forwarded = Number(g.n);
    else if (g.reason !== 'header') {
      counts.byReason.set(g.reason, Number(g.n));
      counts.count += Number(g.n);
    }
  }
  if (lines > 1 && !text.endsWithNewline && (lastReason === 'blank_line' || lastReason === 'column_count')) {
    counts.byReason.set(lastReason, counts.byReason.get(lastReason)! - 1);
    if (counts.byReason.get(lastReason) === 0) counts.byReason.delete(lastReason);
    counts.byReason.set('truncated_line', (counts.byReason.get('truncated_line') ?? 0) + 1);
  }
  const rows = Math.max(lines - 1, 0);
  await engine.run(cleaning.CREATE_STAGED_SQL);
  await engine.run(cleaning.insertStagedSql(engine.dialect, structural.FORWARDED_LINES_SQL, cleaning.fileDay(file)));
  input.progress(text.size, rows);
  // Once more after the engine's last read: a file that changed meanwhile is skipped, as on the streaming path.
  await refuseIfChanging(input.rawStore, info, text.size, signal);
  return {
    rows,
    forwarded,
    headerStyle: normalizer.headerStyle!,
    crlfLines: groups.reduce((n, g) => n + Number(g.crlf), 0),
    structural: counts,
    sha256: text.sha256,
    structuralSql: structural.structuralRejectsSql(file, lines, text.endsWithNewline),
  };
}

/** A gzip object the engine could not decompress is the file's problem (INPUT_BAD_GZIP), as on the streaming path. */
function fileError(e: unknown, file: string, gzip: boolean): unknown {
  if (!gzip || !isFraudopsError(e)) return e;
  const message = e.message.split('\n')[0];
  const errorClass = typeof e.context.errorClass === 'string' ? e.context.errorClass : '';
  if (errorClass.startsWith('FAILED_READ_FILE') || /gzip|zlib|Unexpected end of input|incorrect header check/i.test(message)) {
    return new InputError('INPUT_BAD_GZIP', `${file}: not a valid gzip stream (${message})`, { context: { file }, cause: e });
  }
  return e;
}
