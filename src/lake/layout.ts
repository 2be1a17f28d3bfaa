/**
 * Where things live inside a lake. The lake is a set of immutable Parquet parts plus a log of commit records;
 * a part is live only if a commit lists it, so readers never see a half-written batch.
 *
 *   transactions/day=YYYY-MM-DD/part-<seq>-<stem>.parquet   cleaned rows, partitioned by transaction day
 *   quarantine/part-<seq>-<stem>.jsonl                      rejected lines with their reason code
 *   _fraudops/commits/<seq>.json                            one commit record per processed raw file
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

export function transactionsPartKey(day: string, seq: number, rawKey: string): string {
  return `${TRANSACTIONS_PREFIX}day=${day}/part-${seqName(seq)}-${rawStem(rawKey)}.parquet`;
}

export function quarantinePartKey(seq: number, rawKey: string): string {
  return `${QUARANTINE_PREFIX}part-${seqName(seq)}-${rawStem(rawKey)}.jsonl`;
}

export function commitKey(seq: number): string {
  return `${COMMITS_PREFIX}${seqName(seq)}.json`;
}

/** The last preparation run's record of what it saw (see LastRun). */
export const LAST_RUN_KEY = '_fraudops/last-run.json';
