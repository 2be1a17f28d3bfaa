/**
 * Where things live inside a lake. The lake is a set of immutable Parquet parts plus a log of commit records;
 * a part is live only if a commit lists it, so readers never see a half-written batch.
 *
 *   transactions/day=YYYY-MM-DD/part-<seq>-w<epoch>-<stem>.parquet   cleaned rows, partitioned by transaction day
 *   quarantine/part-<seq>-w<epoch>-<stem>.jsonl                      rejected lines with their reason code
 *   _fraudops/commits/<seq>.json                                     one commit record per processed raw file
 *   _fraudops/leases/<epoch>.json                                    the single-writer lease (WriterLease.ts)
 *   _fraudops/last-run.json                                          what the last prepare run saw (prepare/LastRun.ts)
 *
 * `<epoch>` is the writing process's lease epoch (its fencing token): two writers never write the same key, and a
 * writer that takes over knows which leftovers belong to writers that are gone (every earlier epoch).
 */

export const TRANSACTIONS_PREFIX = 'transactions/';
export const QUARANTINE_PREFIX = 'quarantine/';
export const COMMITS_PREFIX = '_fraudops/commits/';

export function seqName(seq: number): string {
  return String(seq).padStart(10, '0');
}

/** File-name-safe stem of a raw key: `2019-08-22.txt.gz` → `2019-08-22`. Keys in subfolders keep their path as `a~b`. */
export function rawStem(rawKey: string): string {
  return rawKey
    .replace(/\.(txt|csv)(\.gz)?$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '~');
}

export function transactionsPartKey(day: string, seq: number, rawKey: string, epoch: number): string {
  return `${TRANSACTIONS_PREFIX}day=${day}/part-${seqName(seq)}-w${epoch}-${rawStem(rawKey)}.parquet`;
}

export function quarantinePartKey(seq: number, rawKey: string, epoch: number): string {
  return `${QUARANTINE_PREFIX}part-${seqName(seq)}-w${epoch}-${rawStem(rawKey)}.jsonl`;
}

/** The writer epoch a part or quarantine key was written under; 0 for keys from before writer leases. */
export function writerEpochOf(key: string): number {
  const m = /\/part-\d+-w(\d+)-[^/]*$/.exec(key);
  return m ? Number(m[1]) : 0;
}

export function commitKey(seq: number): string {
  return `${COMMITS_PREFIX}${seqName(seq)}.json`;
}

/** The last preparation run's record of what it saw (see prepare/LastRun.ts). */
export const LAST_RUN_KEY = '_fraudops/last-run.json';
