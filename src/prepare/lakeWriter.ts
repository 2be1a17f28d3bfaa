/**
 * The lake side of preparation: a file's kept rows become day-partitioned Parquet parts, its rejects one
 * quarantine object, and then one commit record, published create-only while the writer lease is held and
 * mirrored as a Delta version. Objects are always written before the commit that names them, so a run killed at
 * any point leaves only unreferenced objects, which `removeUncommitted` deletes when the next writer starts.
 */
import { basename, dirname } from 'node:path';
import { LakeError } from '../errors.js';
import { sqlString, type SqlEngine } from '../engine/SqlEngine.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { openStore } from '../storage/openStore.js';
import { syncDeltaLog } from '../lake/delta/deltaLog.js';
import type { CommitLog, CommitPart, CommitRecord } from '../lake/CommitLog.js';
import { QUARANTINE_PREFIX, TRANSACTIONS_PREFIX, quarantinePartKey, transactionsPartKey, writerEpochOf } from '../lake/layout.js';
import type { WriterLease } from '../lake/WriterLease.js';
import { failpoint } from '../util/failpoint.js';
import * as cleaning from './cleaningSql.js';
import type { KeptDay } from './dedup.js';

export interface LakeWriteInput {
  engine: SqlEngine;
  lakeStore: ObjectStore;
  lease: WriterLease;
  signal?: AbortSignal;
}

/**
 * Deletes parts and quarantine files that no commit references and that earlier writers wrote: leftovers of runs
 * that died (or were fenced) before committing. Every earlier epoch's writer is gone: this one holds the lease.
 */
export async function removeUncommitted(lake: ObjectStore, log: CommitLog, epoch: number, signal?: AbortSignal): Promise<void> {
  const referenced = log.referencedKeys();
  const stale: string[] = [];
  for (const prefix of [TRANSACTIONS_PREFIX, QUARANTINE_PREFIX]) {
    for (const o of await lake.list(prefix, signal)) if (!referenced.has(o.key) && writerEpochOf(o.key) < epoch) stale.push(o.key);
  }
  if (stale.length > 0) await lake.delete(stale, signal);
}

/** Writes the kept rows as zstd Parquet partitioned by day into the lake; returns the commit's parts. `days`: the kept rows by day (accountAndDedup). */
export async function writeParts(ctx: LakeWriteInput, file: string, seq: number, days: readonly KeptDay[]): Promise<CommitPart[]> {
  const { engine } = ctx;
  const written = await engine.writePartitionedParquet(cleaning.keptSelectSql(engine.dialect, file), {
    store: ctx.lakeStore,
    partitionBy: 'day',
    // Most raw files hold one day: then the engine need not split the rows.
    ...(days.length === 1 ? { onlyPartition: days[0].day } : {}),
    keyFor: (day, index) => {
      if (index > 0) throw new LakeError('ENGINE_OUTPUT', `${file}: expected one Parquet file for day ${day}, the engine wrote more`, { context: { file } });
      return transactionsPartKey(day, seq, file, ctx.lease.epoch);
    },
    onObject: () => failpoint('prepare.after-part-upload'),
    signal: ctx.signal,
  });
  const byDay = new Map(days.map((s) => [s.day, s]));
  return written.map(({ key, partition }) => {
    const s = byDay.get(partition!);
    if (!s) throw new LakeError('ENGINE_OUTPUT', `${file}: the engine wrote day ${partition} that holds no kept rows`, { context: { file } });
    return { key, day: partition!, rows: s.rows, minId: s.minId, maxId: s.maxId };
  });
}

/**
 * Writes all rejected lines of the file, in line order, as one JSON-lines object in the lake: the semantic rejects
 * of `staged` and the structural ones, from a local JSON-lines file this process wrote.
 */
export async function writeQuarantine(
  ctx: LakeWriteInput,
  file: string,
  seq: number,
  structural: { path: string; count: number },
  total: number,
): Promise<{ key: string; rows: number } | undefined> {
  if (total === 0) return undefined;
  const semantic = `SELECT ${sqlString(file)} AS file, line, reason, raw_line AS raw, CAST(NULL AS VARCHAR) AS raw_base64 FROM staged WHERE reason IS NOT NULL`;
  let union = semantic;
  if (structural.count > 0) {
    // The structural rejects were written by this process; the engine reads them like any stored object.
    const scratch = await openStore(dirname(structural.path));
    const columns = { file: 'VARCHAR', line: 'BIGINT', reason: 'VARCHAR', raw: 'VARCHAR', raw_base64: 'VARCHAR' };
    const relation = await ctx.engine.readJsonLines(scratch, [basename(structural.path)], columns, ctx.signal);
    union = `${semantic} UNION ALL SELECT file, line, reason, raw, raw_base64 FROM ${relation}`;
  }
  const key = quarantinePartKey(seq, file, ctx.lease.epoch);
  await ctx.engine.writeJsonLines(`SELECT * FROM (${union}) ORDER BY line`, key, { store: ctx.lakeStore, contentType: 'application/x-ndjson', signal: ctx.signal });
  return { key, rows: total };
}

/** Publishes the commit record (create-only, only while the lease is held) and mirrors it as a Delta version. */
export async function commitFile(ctx: Omit<LakeWriteInput, 'engine'>, log: CommitLog, record: CommitRecord): Promise<void> {
  ctx.signal?.throwIfAborted();
  failpoint('prepare.before-commit');
  await ctx.lease.assertHeld(ctx.signal);
  await log.append(record, ctx.signal);
  failpoint('prepare.after-commit-before-delta');
  await syncDeltaLog(ctx.lakeStore, log.commits, { signal: ctx.signal });
  failpoint('prepare.after-commit');
}
