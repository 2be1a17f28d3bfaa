/**
 * The lake's commit log. One record per processed raw file, written last and with create-only semantics, so a
 * batch becomes visible all at once or not at all. The log is also the ledger of processed raw files (key,
 * size, etag, content hash) and carries per-part id ranges that let deduplication read only the parts that can
 * hold a given id.
 */
import { LakeError, isFraudopsError } from '../errors.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { COMMITS_PREFIX, commitKey } from './layout.js';
import type { FileAccount } from '../quality.js';

export const COMMIT_FORMAT = 1;

export interface CommitPart {
  key: string;
  day: string;
  rows: number;
  /**
   * Smallest and largest transaction id in the part, as exact decimal strings (ids are 64-bit). Lakes written
   * before ids were exact hold JS numbers here, exact only up to 2^53.
   */
  minId: string | number;
  maxId: string | number;
}

export interface RawFileIdentity {
  /** Key relative to the raw root. */
  key: string;
  /** URI of the raw root it was read from. */
  rawUri: string;
  size: number;
  etag: string;
  /** sha256 of the raw bytes as stored (before decompression). */
  sha256: string;
}

export interface CommitRecord {
  format: typeof COMMIT_FORMAT;
  seq: number;
  committedAt: string;
  raw: RawFileIdentity;
  parts: CommitPart[];
  quarantine?: { key: string; rows: number };
  account: FileAccount;
  /** The lease epoch (fencing token) of the writer that made this commit; absent in lakes written before leases. */
  writer?: { epoch: number };
}

export class CommitLog {
  private constructor(
    private readonly store: ObjectStore,
    readonly commits: CommitRecord[],
  ) {}

  static async load(store: ObjectStore, signal?: AbortSignal): Promise<CommitLog> {
    const infos = await store.list(COMMITS_PREFIX, signal);
    const commits: CommitRecord[] = [];
    for (const info of infos) {
      if (!info.key.endsWith('.json')) continue;
      const bytes = await store.readBytes(info.key, signal);
      let rec: CommitRecord;
      try {
        rec = JSON.parse(bytes.toString('utf8')) as CommitRecord;
      } catch (cause) {
        throw new LakeError('LAKE_CORRUPT', `${store.uri}/${info.key}: commit record is not valid JSON`, { cause, context: { key: info.key } });
      }
      if (rec.format !== COMMIT_FORMAT) {
        throw new LakeError('LAKE_FORMAT', `${store.uri}/${info.key}: unknown commit format ${String(rec.format)}`, { context: { key: info.key } });
      }
      commits.push(rec);
    }
    commits.sort((a, b) => a.seq - b.seq);
    return new CommitLog(store, commits);
  }

  get nextSeq(): number {
    return this.commits.length === 0 ? 1 : this.commits[this.commits.length - 1].seq + 1;
  }

  /** The last commit of each raw key. */
  ledger(): Map<string, CommitRecord> {
    const m = new Map<string, CommitRecord>();
    for (const c of this.commits) m.set(c.raw.key, c);
    return m;
  }

  /** Every live Parquet part. */
  parts(): CommitPart[] {
    return this.commits.flatMap((c) => c.parts);
  }

  /** Every object key a commit references (parts and quarantine files). */
  referencedKeys(): Set<string> {
    const s = new Set<string>();
    for (const c of this.commits) {
      for (const p of c.parts) s.add(p.key);
      if (c.quarantine) s.add(c.quarantine.key);
    }
    return s;
  }

  /** Publishes a commit; fails with LAKE_CONFLICT if another writer took the same sequence number. */
  async append(record: CommitRecord, signal?: AbortSignal): Promise<void> {
    try {
      await this.store.write(commitKey(record.seq), `${JSON.stringify(record, null, 2)}\n`, {
        ifNoneMatch: true,
        contentType: 'application/json',
        signal,
      });
    } catch (e) {
      if (isFraudopsError(e) && e.code === 'OBJECT_EXISTS') {
        throw new LakeError('LAKE_CONFLICT', `another writer committed ${commitKey(record.seq)} first; rerun to continue`, {
          context: { key: commitKey(record.seq) },
          retriable: true,
        });
      }
      throw e;
    }
    this.commits.push(record);
  }
}
