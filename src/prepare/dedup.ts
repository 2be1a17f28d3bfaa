/**
 * Global deduplication and the file's row account, once its rows are staged: ids of this file already in the lake
 * (read only from the committed parts whose id range can hold them) and ids repeated inside the file.
 */
import { FIX_RULES, FLAGS, QUARANTINE_REASONS, type QuarantineReason } from '../quality.js';
import { LakeError } from '../errors.js';
import { sqlString, type SqlEngine } from '../engine/SqlEngine.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import type { CommitLog, CommitPart } from '../lake/CommitLog.js';
import * as cleaning from './cleaningSql.js';
import { emptyAccount, type FileAccount } from './report.js';
import type { StagedFile } from './stageRawFile.js';

export interface DedupInput {
  engine: SqlEngine;
  lakeStore: ObjectStore;
  log: CommitLog;
  signal?: AbortSignal;
}

/** The kept rows of one day: the file's Parquet part for that day. */
export interface KeptDay {
  day: string;
  rows: number;
  minId: string;
  maxId: string;
}

/** Classifies duplicates (against this file and the lake); returns the file's account and its kept rows by day. */
export async function accountAndDedup(ctx: DedupInput, file: string, staged: StagedFile): Promise<{ account: FileAccount; days: KeptDay[] }> {
  const { engine } = ctx;
  await createLakeIds(ctx);
  await engine.run(cleaning.duplicatesSql(engine.dialect, staged.suspectIds));
  const [c] = await engine.query<Record<string, bigint>>(cleaning.ACCOUNT_SQL);
  const byDay = await engine.query<Record<string, bigint> & { day: string; min_id: bigint; max_id: bigint }>(cleaning.keptDaysSql(engine.dialect));
  const reasons = await engine.query<{ reason: QuarantineReason; n: bigint }>(cleaning.REASONS_SQL);
  const account = emptyAccount();
  account.rowsIn = staged.rows;
  account.duplicates = Number(c.duplicates);
  account.duplicatesOfLake = Number(c.duplicates_of_lake);
  for (const k of byDay) {
    account.kept += Number(k.kept);
    for (const rule of FIX_RULES) account.fixed[rule] += Number(k[rule]);
    for (const flag of FLAGS) account.flagged[flag] += Number(k[flag]);
  }
  for (const { reason, n } of reasons) account.quarantined[reason] += Number(n);
  for (const [reason, n] of staged.structural.byReason) account.quarantined[reason] += n;
  account.quarantinedTotal = QUARANTINE_REASONS.reduce((s, r) => s + account.quarantined[r], 0);
  if (Number(c.forwarded) !== staged.forwarded) {
    throw new LakeError('ACCOUNT_MISMATCH', `${file}: engine read ${String(c.forwarded)} rows, ${staged.forwarded} were sent`, {
      context: { file },
    });
  }
  const days = byDay.map((k) => ({ day: String(k.day), rows: Number(k.kept), minId: String(k.min_id), maxId: String(k.max_id) }));
  return { account, days };
}

/**
 * The `lake_ids` table: ids of `staged`'s valid rows already in the lake, read only from the committed parts whose
 * id range can hold them (`candidateParts`).
 */
export async function createLakeIds(ctx: DedupInput): Promise<void> {
  const keys = await candidateParts(ctx.engine, ctx.log.parts());
  const lakeParts = keys.length > 0 ? await ctx.engine.readParquet(ctx.lakeStore, keys, ctx.signal) : undefined;
  await ctx.engine.run(cleaning.lakeIdsSql(lakeParts));
}

/**
 * The committed parts (sorted keys) whose id range holds an id of `staged`'s valid rows, or whose range is unknown.
 * The lake grows with every file, so the work must not: the staged ids' overall range is one aggregate, only
 * parts overlapping it are looked at here (in this process, one comparison per part), and only those go into
 * the engine's range join, which then has no OR in its condition (an engine can run it as a range join rather
 * than comparing every part with every row). A new file's ids mostly lie above every committed part's, and then
 * no join runs at all.
 */
export async function candidateParts(engine: SqlEngine, parts: readonly CommitPart[]): Promise<string[]> {
  if (parts.length === 0) return [];
  const [range] = await engine.query<{ lo: bigint | number | null; hi: bigint | number | null }>(cleaning.STAGED_ID_RANGE_SQL);
  if (range === undefined || range.lo === null || range.hi === null) return [];
  const lo = BigInt(range.lo);
  const hi = BigInt(range.hi);
  const keys: string[] = [];
  const overlapping: string[] = [];
  for (const p of parts) {
    const r = idRange(p);
    if (r === undefined) keys.push(p.key);
    else if (r.min <= hi && r.max >= lo) overlapping.push(`(${sqlString(p.key)}, CAST(${sqlString(String(r.min))} AS BIGINT), CAST(${sqlString(String(r.max))} AS BIGINT))`);
  }
  if (overlapping.length > 0) {
    for (const { key } of await engine.query<{ key: string }>(cleaning.candidatePartsSql(overlapping.join(', ')))) keys.push(key);
  }
  return [...new Set(keys)].sort();
}

/**
 * A part's id range. Ranges are exact decimal strings; lakes written before that hold JS numbers, exact only up
 * to 2^53, so a range beyond that (or outside int64) is unknown and the part is always read.
 */
function idRange(p: CommitPart): { min: bigint; max: bigint } | undefined {
  const bound = (v: string | number): bigint | undefined => {
    let b: bigint | undefined;
    if (typeof v === 'string' && /^-?\d{1,19}$/.test(v)) b = BigInt(v);
    else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
    return b !== undefined && b >= INT64_MIN && b <= INT64_MAX ? b : undefined;
  };
  const min = bound(p.minId);
  const max = bound(p.maxId);
  return min !== undefined && max !== undefined ? { min, max } : undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
