/**
 * Prepares a run's raw files inside an engine that reads raw text where it is stored (Spark reads `s3a://` or a
 * path it shares with us), with no raw byte passing through this process and one set of statements for all the
 * files instead of a dozen per file: on Spark every statement is a job, and their fixed cost, not the rows, was
 * most of a file's time.
 *
 *   read       each file where it is (`readTextLines`: size, hash, numbered lines), all of them in one relation
 *              with the file's index `f`
 *   classify   the LineNormalizer's structural rules in one statement (`raw_lines`, structuralSql.ts); the header
 *              lines alone come back here and go through the normalizer itself, so header errors are the same
 *   stage      the cleaning rules in one statement into `staged`, whose `line` keeps files apart (LINE_KEY)
 *   dedup      in run order, as if each file were committed before the next is read: the first line of an id
 *              wins, and a later file's copy of an id an earlier file of the run kept is a duplicate of the lake
 *   account    per file, from grouped queries; a file over the reject ratio is left out before dedup, exactly as
 *              when files are prepared one by one
 *   write      every file's Parquet parts in one write, every file's quarantine object in another, then the
 *              commits, one per file, in order
 *
 * Each file is still its own atomic commit, with the same parts, quarantine, account and report as when it is
 * prepared alone; a run killed between the writes and a commit leaves only unreferenced objects.
 */
import { InputError, LakeError, isFraudopsError, type FraudopsError } from '../errors.js';
import { QUARANTINE_REASONS, FIX_RULES, FLAGS, type QuarantineReason } from '../quality.js';
import { sqlString, type SqlEngine, type TextLines } from '../engine/SqlEngine.js';
import type { ObjectInfo, ObjectStore } from '../storage/ObjectStore.js';
import type { CommitLog, CommitPart, CommitRecord } from '../lake/CommitLog.js';
import { COMMIT_FORMAT } from '../lake/CommitLog.js';
import { quarantinePartKey, transactionsPartKey } from '../lake/layout.js';
import type { WriterLease } from '../lake/WriterLease.js';
import { failpoint } from '../util/failpoint.js';
import { LineNormalizer } from './LineNormalizer.js';
import { refuseIfChanging } from './rawFiles.js';
import * as cleaning from './cleaningSql.js';
import * as structural from './structuralSql.js';
import { createLakeIds } from './dedup.js';
import { commitFile } from './lakeWriter.js';
import { balances, emptyAccount, type FileAccount, type FileReport } from './report.js';
import type { StagedFile, StructuralCounts } from './stageRawFile.js';

/** `staged.line` = file index × LINE_KEY + line: a raw file on the engine stays under 2 GB, so under 2^32 lines. */
const LINE_KEY = 4294967296;

/** Files staged together at most (the plan grows with them). */
export const MAX_FILES_PER_RUN = 64;

export interface InEngineContext {
  rawStore: ObjectStore;
  lakeStore: ObjectStore;
  engine: SqlEngine;
  log: CommitLog;
  lease: WriterLease;
  maxRejectRatio: number;
  signal?: AbortSignal;
  /** Problems confined to one file: that file is reported and left out, the others go on. */
  isFileLevel(e: unknown): e is FraudopsError;
}

export type FileOutcome = { file: string; report: FileReport } | { file: string; error: FraudopsError };

/** One file of the run, as it goes through the phases. */
interface Slot {
  f: number;
  info: ObjectInfo;
  text: TextLines;
  staged?: StagedFile;
  lines?: number;
  account?: FileAccount;
  seq?: number;
  parts?: CommitPart[];
  quarantine?: { key: string; rows: number };
  error?: FraudopsError;
}

/**
 * Prepares `todo`'s files from the first on, in order, up to MAX_FILES_PER_RUN of them or up to the first one the
 * engine cannot read where it is (`unreachable`: the caller sends that one, `todo[outcomes.length]`, itself).
 */
export async function prepareFilesInEngine(
  ctx: InEngineContext,
  todo: readonly ObjectInfo[],
  progress: (index: number, bytesRead: number, rows: number) => void,
): Promise<{ outcomes: FileOutcome[]; unreachable: boolean }> {
  const { engine, signal } = ctx;
  const d = engine.dialect;
  const results: (Slot | { info: ObjectInfo; error: FraudopsError })[] = [];
  let unreachable = false;
  for (const info of todo.slice(0, MAX_FILES_PER_RUN)) {
    signal?.throwIfAborted();
    try {
      const text = await engine.readTextLines!(ctx.rawStore, info.key, signal);
      if (!text) {
        unreachable = true;
        break;
      }
      // The engine's read of the stored bytes must be the listed object: anything else is a file still being written.
      await refuseIfChanging(ctx.rawStore, info, text.size, signal);
      results.push({ f: results.length, info, text });
    } catch (e) {
      const error = fileError(e, info.key, /\.gz$/i.test(info.key));
      if (!ctx.isFileLevel(error)) throw error;
      results.push({ info, error });
    }
  }
  const slots = results.filter((r): r is Slot => 'text' in r);
  try {
    if (slots.length > 0) await stageAll(slots);
    const live = slots.filter((s) => !s.error);
    if (live.length > 0) await dedupAndWrite(live);
    for (const s of live) await commit(s);
  } finally {
    await engine.run('DROP TABLE IF EXISTS staged; DROP TABLE IF EXISTS lake_ids; DROP TABLE IF EXISTS dup_lines; DROP TABLE IF EXISTS raw_lines;').catch(() => undefined);
  }
  const outcomes = results.map((r): FileOutcome => {
    if (r.error) return { file: r.info.key, error: r.error };
    const s = r as Slot;
    const report: FileReport = {
      file: s.info.key,
      headerStyle: s.staged!.headerStyle,
      crlfLines: s.staged!.crlfLines,
      days: s.parts!.map((p) => p.day),
      commitSeq: s.seq!,
      ...s.account!,
    };
    return { file: s.info.key, report };
  });
  return { outcomes, unreachable };

  /** Reads, classifies and stages every file; sets each one's staged facts and account before dedup, or its error. */
  async function stageAll(slots: Slot[]): Promise<void> {
    const union = slots
      .map((s) => `SELECT ${s.f} AS f, line, cr, text, bytes, utf8, base64, head FROM ${s.text.relation}`)
      .join(' UNION ALL ');
    try {
      await engine.run(structural.rawLinesSql(d, `(${union}) AS t`, true));
    } catch (e) {
      // With one file the failure is that file's (a gzip stream the engine could not read, say).
      throw slots.length === 1 ? fileError(e, slots[0].info.key, slots[0].text.gzip) : e;
    }
    const groups = await engine.query<SummaryRow>(structural.RAW_LINES_SUMMARY_SQL);
    for (const s of slots) {
      try {
        Object.assign(s, stagedFacts(s, groups.filter((g) => Number(g.f) === s.f)));
      } catch (e) {
        if (!ctx.isFileLevel(e)) throw e;
        s.error = e;
      }
    }
    const ok = slots.filter((s) => !s.error);
    await engine.run(cleaning.CREATE_STAGED_SQL);
    if (ok.length === 0) return;
    const ruleSql = `CASE ${fileOf('line')} ${ok.map((s) => `WHEN ${s.f} THEN (${cleaning.implausibleDateSql(d, cleaning.fileDay(s.info.key))})`).join(' ')} END`;
    await engine.run(
      cleaning.insertStagedSql(
        d,
        structural.forwardedLinesSql(
          ok.map((s) => s.f),
          (f, line) => `${f} * ${LINE_KEY} + ${line}`,
        ),
        { ruleSql },
      ),
    );
    for (const s of ok) {
      progress(results.indexOf(s), s.text.size, s.staged!.rows);
      try {
        // Once more after the engine's last read: a file that changed meanwhile is skipped, as on the streaming path.
        await refuseIfChanging(ctx.rawStore, s.info, s.text.size, signal);
      } catch (e) {
        if (!ctx.isFileLevel(e)) throw e;
        s.error = e;
      }
    }
    const counts = await engine.query<{ f: bigint; reason: QuarantineReason | null; n: bigint }>(
      `SELECT ${fileOf('line')} AS f, reason, count(*) AS n FROM staged GROUP BY ${fileOf('line')}, reason`,
    );
    for (const s of ok) {
      if (s.error) continue;
      const account = emptyAccount();
      account.rowsIn = s.staged!.rows;
      let forwarded = 0;
      for (const c of counts) {
        if (Number(c.f) !== s.f) continue;
        forwarded += Number(c.n);
        if (c.reason !== null) account.quarantined[c.reason] += Number(c.n);
      }
      for (const [reason, n] of s.staged!.structural.byReason) account.quarantined[reason] += n;
      account.quarantinedTotal = QUARANTINE_REASONS.reduce((t, r) => t + account.quarantined[r], 0);
      if (forwarded !== s.staged!.forwarded) {
        throw new LakeError('ACCOUNT_MISMATCH', `${s.info.key}: engine read ${forwarded} rows, ${s.staged!.forwarded} were sent`, { context: { file: s.info.key } });
      }
      s.account = account;
      if (account.rowsIn > 0 && account.quarantinedTotal / account.rowsIn > ctx.maxRejectRatio) s.error = tooManyRejects(s.info.key, account, ctx.maxRejectRatio);
    }
  }

  /** Global dedup in run order over the files still in, their accounts, and one write of all their parts. */
  async function dedupAndWrite(live: Slot[]): Promise<void> {
    const liveSql = `${fileOf('s.line')} IN (${live.map((s) => s.f).join(', ')})`;
    await createLakeIds(ctx);
    await engine.run(`
CREATE OR REPLACE TEMP TABLE dup_lines AS
WITH live AS (SELECT s.line, s.tid FROM staged s WHERE s.reason IS NULL AND ${liveSql}),
firsts AS (SELECT tid, min(line) AS first_line FROM live GROUP BY tid HAVING count(*) > 1)
SELECT s.line, true AS of_lake FROM ${d.semiJoin('live s', 'lake_ids l', 's.tid = l.tid')}
UNION ALL
SELECT s.line, ${fileOf('s.line')} <> ${fileOf('d.first_line')} AS of_lake
FROM live s JOIN firsts d ON s.tid = d.tid AND s.line <> d.first_line
WHERE s.tid NOT IN (SELECT tid FROM lake_ids)`);
    const dups = await engine.query<{ f: bigint; duplicates: bigint; of_lake: bigint }>(
      `SELECT ${fileOf('line')} AS f, count(*) AS duplicates, ${d.countIf('of_lake')} AS of_lake FROM dup_lines GROUP BY ${fileOf('line')}`,
    );
    // The kept rows' counts by file and day: each (file, day) is one Parquet part, and a file's counts are their sum.
    const part = `concat(CAST(${fileOf('s.line')} AS VARCHAR), '_', CAST(CAST(s.ts AS DATE) AS VARCHAR))`;
    const stats = await engine.query<Record<string, bigint> & { part: string; f: bigint }>(`
SELECT part, f, ${cleaning.keptCountsSql(d)}, min(s.tid) AS min_id, max(s.tid) AS max_id
FROM (
  SELECT s.*, ${part} AS part, ${fileOf('s.line')} AS f
  FROM ${d.antiJoin('staged s', 'dup_lines d', 's.line = d.line')} WHERE s.reason IS NULL AND ${liveSql}
) s
GROUP BY part, f`);
    let seq = ctx.log.nextSeq;
    for (const s of live) {
      const a = s.account!;
      const dup = dups.find((r) => Number(r.f) === s.f);
      a.duplicates = Number(dup?.duplicates ?? 0);
      a.duplicatesOfLake = Number(dup?.of_lake ?? 0);
      for (const k of stats.filter((r) => Number(r.f) === s.f)) {
        a.kept += Number(k.kept);
        for (const rule of FIX_RULES) a.fixed[rule] += Number(k[rule]);
        for (const flag of FLAGS) a.flagged[flag] += Number(k[flag]);
      }
      if (!balances(a)) throw new LakeError('ACCOUNT_MISMATCH', `${s.info.key}: row account does not balance (${JSON.stringify(a)})`, { context: { file: s.info.key } });
      s.seq = seq++;
      s.parts = [];
    }
    const rows = cleaning.keptRowsSql(d, { sourceFile: fileNameOf(live, 's.line'), sourceLine: `s.line % ${LINE_KEY}`, where: `s.reason IS NULL AND ${liveSql}`, part });
    const byPart = new Map(stats.map((p) => [p.part, p]));
    const slotOf = (part: string) => {
      const [f, day] = part.split('_');
      const s = live.find((x) => x.f === Number(f));
      if (!s || !byPart.has(part)) throw new LakeError('ENGINE_OUTPUT', `the engine wrote partition ${part} that holds no kept rows`, { context: { part } });
      return { s, day };
    };
    const written = await engine.writePartitionedParquet(rows, {
      store: ctx.lakeStore,
      partitionBy: 'part',
      keyFor: (part, index) => {
        const { s, day } = slotOf(part);
        if (index > 0) throw new LakeError('ENGINE_OUTPUT', `${s.info.key}: expected one Parquet file for day ${day}, the engine wrote more`, { context: { file: s.info.key } });
        return transactionsPartKey(day, s.seq!, s.info.key, ctx.lease.epoch);
      },
      onObject: () => failpoint('prepare.after-part-upload'),
      signal,
    });
    for (const { key, partition } of written) {
      const { s, day } = slotOf(partition!);
      const p = byPart.get(partition!)!;
      s.parts!.push({ key, day, rows: Number(p.kept), minId: String(p.min_id), maxId: String(p.max_id) });
    }
    for (const s of live) s.parts!.sort((a, b) => a.day.localeCompare(b.day));
    failpoint('prepare.after-parts');
    await writeQuarantines(live, liveSql);
  }

  /** Every file's rejected lines, semantic and structural, in line order, one JSON-lines object per file. */
  async function writeQuarantines(live: Slot[], liveSql: string): Promise<void> {
    const withRejects = live.filter((s) => s.account!.quarantinedTotal > 0);
    if (withRejects.length === 0) return;
    const rejects = `
SELECT ${fileOf('s.line')} AS f, ${fileNameOf(live, 's.line')} AS file, s.line % ${LINE_KEY} AS line, s.reason, s.raw_line AS raw, CAST(NULL AS VARCHAR) AS raw_base64
FROM staged s WHERE s.reason IS NOT NULL AND ${liveSql}
UNION ALL
${structural.structuralRejectsSql(live.map((s) => ({ f: s.f, file: s.info.key, lastLine: s.lines!, endsWithNewline: s.text.endsWithNewline })))}`;
    const written = await engine.writePartitionedJsonLines!(rejects, {
      store: ctx.lakeStore,
      partitionBy: 'f',
      orderBy: 'line',
      contentType: 'application/x-ndjson',
      keyFor: (f, index) => {
        const s = withRejects.find((x) => x.f === Number(f));
        if (!s || index > 0) throw new LakeError('ENGINE_OUTPUT', `the engine wrote an unexpected quarantine file for file ${f}`, { context: { f } });
        return quarantinePartKey(s.seq!, s.info.key, ctx.lease.epoch);
      },
      signal,
    });
    for (const s of withRejects) {
      const key = quarantinePartKey(s.seq!, s.info.key, ctx.lease.epoch);
      if (!written.some((w) => w.key === key)) throw new LakeError('ENGINE_OUTPUT', `${s.info.key}: the engine wrote no quarantine file for its rejected lines`, { context: { file: s.info.key } });
      s.quarantine = { key, rows: s.account!.quarantinedTotal };
    }
  }

  /** The file's commit, once its parts and quarantine object are stored. */
  async function commit(s: Slot): Promise<void> {
    const file = s.info.key;
    const record: CommitRecord = {
      format: COMMIT_FORMAT,
      seq: s.seq!,
      committedAt: new Date().toISOString(),
      raw: { key: file, rawUri: ctx.rawStore.uri, size: s.info.size, etag: s.info.etag, sha256: s.staged!.sha256 },
      parts: s.parts!,
      ...(s.quarantine ? { quarantine: s.quarantine } : {}),
      account: s.account!,
      writer: { epoch: ctx.lease.epoch },
    };
    await commitFile(ctx, ctx.log, record);
  }

  /** The file index of a `staged.line`. */
  function fileOf(line: string): string {
    return d.intDiv(line, String(LINE_KEY));
  }

  /** The file name of a `staged.line`. */
  function fileNameOf(slots: Slot[], line: string): string {
    return `CASE ${fileOf(line)} ${slots.map((s) => `WHEN ${s.f} THEN ${sqlString(s.info.key)}`).join(' ')} END`;
  }
}

type SummaryRow = {
  f: number | bigint;
  reason: QuarantineReason | 'header' | null;
  n: bigint;
  last_line: bigint;
  crlf: bigint;
  header: string | null;
};

/** A file's staged facts from its `raw_lines` groups; the header goes through the normalizer (its errors, line 1). */
function stagedFacts(s: Slot, groups: SummaryRow[]): { staged: StagedFile; lines: number } {
  const file = s.info.key;
  const lines = groups.reduce((m, g) => Math.max(m, Number(g.last_line)), 0);
  const header = groups.find((g) => g.reason === 'header')?.header ?? '';
  const lastReason = groups.find((g) => Number(g.last_line) === lines)?.reason ?? null;
  const normalizer = new LineNormalizer(file, () => undefined);
  if (lines > 0) normalizer.push(Buffer.concat([Buffer.from(header, 'base64'), Buffer.from(lines > 1 || s.text.endsWithNewline ? '\n' : '')]));
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
  if (lines > 1 && !s.text.endsWithNewline && (lastReason === 'blank_line' || lastReason === 'column_count')) {
    counts.byReason.set(lastReason, counts.byReason.get(lastReason)! - 1);
    if (counts.byReason.get(lastReason) === 0) counts.byReason.delete(lastReason);
    counts.byReason.set('truncated_line', (counts.byReason.get('truncated_line') ?? 0) + 1);
  }
  return {
    lines,
    staged: {
      rows: Math.max(lines - 1, 0),
      forwarded,
      headerStyle: normalizer.headerStyle!,
      crlfLines: groups.reduce((n, g) => n + Number(g.crlf), 0),
      structural: counts,
      sha256: s.text.sha256,
    },
  };
}

/** A file over `--max-reject-ratio`: reported, not committed. */
export function tooManyRejects(file: string, account: FileAccount, maxRejectRatio: number): InputError {
  const top = Object.entries(account.quarantined).sort((a, b) => b[1] - a[1])[0];
  return new InputError(
    'TOO_MANY_REJECTS',
    `${file}: ${account.quarantinedTotal} of ${account.rowsIn} rows would be quarantined (${((100 * account.quarantinedTotal) / account.rowsIn).toFixed(1)}%, most as ${top[0]}), above --max-reject-ratio ${maxRejectRatio}; the file was not committed`,
    { context: { file, rejected: account.quarantinedTotal, rows: account.rowsIn, reason: top[0] } },
  );
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
