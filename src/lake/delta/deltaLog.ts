/**
 * The lake as a Delta Lake table, so engines that know nothing of fraudops (Spark with delta-spark, delta-rs,
 * Trino, Databricks) read exactly the committed rows with atomic snapshots.
 *
 * Delta's protocol is the idea our commit log already follows: numbered JSON commits in `_delta_log/`, written
 * create-only, whose `add` actions name the Parquet files that make up the table. Each fraudops commit becomes one
 * Delta version (version = position in the commit log) holding:
 *   protocol + metaData   (version 0 only) reader 3 / writer 7 with the `timestampNtz` feature: the lake's
 *                         tx_datetime is a timestamp without time zone; partitioned by `day`
 *   add                   one per part, with its partition value, size and id-range statistics
 *   commitInfo            the usual fields plus `fraudops`: the raw file's ledger entry, the row account and
 *                         the quarantine file, so a Delta reader can audit a commit without our log
 * The table root is the lake root, so `_delta_log/` sits beside `_fraudops/` and outside `transactions/`
 * (the prefix prepare sweeps for uncommitted leftovers). Parts that no commit lists are not in any `add`, so a
 * Delta reader never sees the leftovers of a killed run.
 */
import { randomUUID } from 'node:crypto';
import { LakeError, isFraudopsError } from '../../errors.js';
import type { ObjectStore } from '../../storage/ObjectStore.js';

export const DELTA_LOG_PREFIX = '_delta_log/';

export function deltaVersionKey(version: number): string {
  return `${DELTA_LOG_PREFIX}${String(version).padStart(20, '0')}.json`;
}

/** What a Delta commit needs from a fraudops commit record (the record itself fits). */
export interface DeltaCommitSource {
  seq: number;
  committedAt: string;
  raw: object;
  parts: readonly { key: string; day: string; rows: number; minId: string | number; maxId: string | number }[];
  quarantine?: { key: string; rows: number };
  account: unknown;
}

/** The lake's columns as a Delta (Spark) schema; `day` is the partition column and is not stored in the files. */
export const LAKE_DELTA_SCHEMA = {
  type: 'struct',
  fields: (
    [
      ['transaction_id', 'long'],
      ['tx_datetime', 'timestamp_ntz'],
      ['customer_id', 'long'],
      ['terminal_id', 'long'],
      ['tx_amount', 'double'],
      ['tx_time_seconds', 'long'],
      ['tx_time_days', 'long'],
      ['tx_fraud', 'byte'],
      ['tx_fraud_scenario', 'byte'],
      ['terminal_id_missing', 'boolean'],
      ['source_file', 'string'],
      ['source_line', 'long'],
      ['day', 'date'],
    ] as const
  ).map(([name, type]) => ({ name, type, nullable: true, metadata: {} })),
};

export const DELTA_PROTOCOL = { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz'] };

export interface PartFile {
  size: number;
  modificationTime: number;
}

/**
 * The newline-delimited actions of one Delta version. `files` gives each part's size and modification time (Delta
 * readers need the size); `tableId` is the table's id, fixed at version 0.
 */
export function deltaCommitActions(version: number, c: DeltaCommitSource, files: ReadonlyMap<string, PartFile>, tableId: string, engineInfo: string): string {
  const committedMs = Date.parse(c.committedAt);
  const lines: string[] = [];
  if (version === 0) {
    lines.push(JSON.stringify({ protocol: DELTA_PROTOCOL }));
    lines.push(
      JSON.stringify({
        metaData: {
          id: tableId,
          name: 'transactions',
          format: { provider: 'parquet', options: {} },
          schemaString: JSON.stringify(LAKE_DELTA_SCHEMA),
          partitionColumns: ['day'],
          configuration: {},
          createdTime: committedMs,
        },
      }),
    );
  }
  for (const p of c.parts) {
    const f = files.get(p.key);
    if (!f) throw new LakeError('LAKE_CORRUPT', `part ${p.key} of commit ${c.seq} is missing from the lake`, { context: { key: p.key, seq: c.seq } });
    // Ids may exceed 2^53: written as JSON numbers from their decimal text, never through a double.
    const stats = `{"numRecords":${p.rows},"minValues":{"transaction_id":${decimal(p.minId)}},"maxValues":{"transaction_id":${decimal(p.maxId)}}}`;
    lines.push(
      JSON.stringify({
        add: { path: p.key, partitionValues: { day: p.day }, size: f.size, modificationTime: f.modificationTime, dataChange: true, stats },
      }),
    );
  }
  lines.push(
    JSON.stringify({
      commitInfo: {
        timestamp: committedMs,
        operation: 'WRITE',
        operationParameters: { mode: 'Append', partitionBy: '["day"]' },
        isBlindAppend: true,
        engineInfo,
        fraudops: { seq: c.seq, raw: c.raw, account: c.account, ...(c.quarantine ? { quarantine: c.quarantine } : {}) },
      },
    }),
  );
  return `${lines.join('\n')}\n`;
}

function decimal(v: string | number): string {
  const s = String(v);
  if (!/^-?\d+$/.test(s)) throw new LakeError('LAKE_CORRUPT', `transaction id bound ${s} is not an integer`, {});
  return s;
}

/** Versions already in `_delta_log/`, ascending. */
export async function deltaVersions(store: ObjectStore, signal?: AbortSignal): Promise<number[]> {
  return (await store.list(DELTA_LOG_PREFIX, signal))
    .map((o) => /^_delta_log\/(\d{20})\.json$/.exec(o.key))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** The fraudops seq recorded in a Delta version's commitInfo, and the table id from version 0. */
async function readVersion(store: ObjectStore, version: number, signal?: AbortSignal): Promise<{ seq?: number; tableId?: string }> {
  const text = (await store.readBytes(deltaVersionKey(version), signal)).toString('utf8');
  const out: { seq?: number; tableId?: string } = {};
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const action = JSON.parse(line) as { commitInfo?: { fraudops?: { seq?: number } }; metaData?: { id?: string } };
    if (action.commitInfo?.fraudops?.seq !== undefined) out.seq = action.commitInfo.fraudops.seq;
    if (action.metaData?.id) out.tableId = action.metaData.id;
  }
  return out;
}

export interface DeltaSyncResult {
  /** Versions written by this call. */
  written: number[];
  /** The table's latest version (-1 when the lake has no commits). */
  latest: number;
}

/**
 * Brings `_delta_log/` up to date with the commit log: writes, create-only and in order, the Delta version of
 * every commit that has none yet. Idempotent, so it is both the migration of an existing lake and the step after
 * each prepare commit; a version another writer published first is checked to be the same commit, never replaced.
 */
export async function syncDeltaLog(
  store: ObjectStore,
  commits: readonly DeltaCommitSource[],
  options: { engineInfo?: string; signal?: AbortSignal } = {},
): Promise<DeltaSyncResult> {
  const signal = options.signal;
  const ordered = [...commits].sort((a, b) => a.seq - b.seq);
  const existing = await deltaVersions(store, signal);
  existing.forEach((v, i) => {
    if (v !== i) throw new LakeError('LAKE_CORRUPT', `${store.uri}: Delta log has a gap before version ${v}`, { context: { uri: store.uri } });
  });
  if (existing.length > ordered.length) {
    throw new LakeError('LAKE_CORRUPT', `${store.uri}: the Delta log has ${existing.length} versions but the commit log only ${ordered.length} commits`, {
      context: { uri: store.uri },
    });
  }
  let tableId = existing.length > 0 ? (await readVersion(store, 0, signal)).tableId : undefined;
  // The last existing version must be the commit at that position (a cheap check that the two logs agree).
  if (existing.length > 0) {
    const last = existing.length - 1;
    const { seq } = await readVersion(store, last, signal);
    if (seq !== ordered[last].seq) {
      throw new LakeError('LAKE_CORRUPT', `${store.uri}: Delta version ${last} holds commit ${String(seq)}, the commit log has ${ordered[last].seq} there`, {
        context: { uri: store.uri },
      });
    }
  }
  tableId ??= randomUUID();
  const written: number[] = [];
  for (let version = existing.length; version < ordered.length; version++) {
    signal?.throwIfAborted();
    const c = ordered[version];
    const files = new Map<string, PartFile>();
    for (const p of c.parts) {
      const info = await store.head(p.key, signal);
      if (info) files.set(p.key, { size: info.size, modificationTime: info.lastModified.getTime() });
    }
    const body = deltaCommitActions(version, c, files, tableId, options.engineInfo ?? 'fraudops');
    try {
      await store.write(deltaVersionKey(version), body, { ifNoneMatch: true, contentType: 'application/json', signal });
      written.push(version);
    } catch (e) {
      if (!(isFraudopsError(e) && e.code === 'OBJECT_EXISTS')) throw e;
      const { seq } = await readVersion(store, version, signal);
      if (seq !== c.seq) {
        throw new LakeError('LAKE_CONFLICT', `another writer published Delta version ${version} for commit ${String(seq)}; rerun to continue`, {
          context: { key: deltaVersionKey(version) },
          retriable: true,
        });
      }
    }
  }
  return { written, latest: ordered.length - 1 };
}
