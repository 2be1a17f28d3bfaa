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

/** Classifies duplicates (against this file and the lake) and returns the file's account. */
export async function accountAndDedup(ctx: DedupInput, file: string, staged: StagedFile): Promise<FileAccount> {
  const { engine } = ctx;
  await createLakeIds(ctx);
  await engine.run(cleaning.duplicatesSql(engine.dialect));
  const [c] = await engine.query<Record<string, bigint>>(cleaning.accountSql(engine.dialect));
  const reasons = await engine.query<{ reason: QuarantineReason; n: bigint }>(cleaning.REASONS_SQL);
  const account = emptyAccount();
  account.rowsIn = staged.rows;
  account.kept = Number(c.kept);
  account.duplicates = Number(c.duplicates);
  account.duplicatesOfLake = Number(c.duplicates_of_lake);
  for (const rule of FIX_RULES) account.fixed[rule] = Number(c[rule]);
  for (const flag of FLAGS) account.flagged[flag] = Number(c[flag]);
  for (const { reason, n } of reasons) account.quarantined[reason] += Number(n);
  for (const [reason, n] of staged.structural.byReason) account.quarantined[reason] += n;
  account.quarantinedTotal = QUARANTINE_REASONS.reduce((s, r) => s + account.quarantined[r], 0);
  if (Number(c.forwarded) !== staged.forwarded) {
    throw new LakeError('ACCOUNT_MISMATCH', `${file}: engine read ${String(c.forwarded)} rows, ${staged.forwarded} were sent`, {
      context: { file },
    });
  }
  return account;
}

/**
 * The `lake_ids` table: ids of `staged`'s valid rows already in the lake, read only from the committed parts whose
 * id range can hold them.
 */
export async function createLakeIds(ctx: DedupInput): Promise<void> {
  const { engine } = ctx;
  const parts = ctx.log.parts();
  let lakeParts: string | undefined;
  if (parts.length > 0) {
    const values = parts.map((p) => `(${sqlString(p.key)}, ${idRangeSql(p)})`).join(', ');
    const keys = (await engine.query<{ key: string }>(cleaning.candidatePartsSql(values))).map((r) => r.key).sort();
    if (keys.length > 0) lakeParts = await engine.readParquet(ctx.lakeStore, keys, ctx.signal);
  }
  await engine.run(cleaning.lakeIdsSql(lakeParts));
}

/**
 * A part's id range as two BIGINT SQL values. Ranges are exact decimal strings; lakes written before that hold JS
 * numbers, exact only up to 2^53, so a range beyond that is unknown (NULL) and the part is always read.
 */
function idRangeSql(p: CommitPart): string {
  const bound = (v: string | number): string | undefined => {
    if (typeof v === 'string' && /^-?\d{1,19}$/.test(v)) return `CAST(${sqlString(v)} AS BIGINT)`;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return `CAST(${v} AS BIGINT)`;
    return undefined;
  };
  const lo = bound(p.minId);
  const hi = bound(p.maxId);
  return lo && hi ? `${lo}, ${hi}` : 'CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)';
}
