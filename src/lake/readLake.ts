/**
 * Read access to a lake's committed state: the live Parquet parts (only those a commit lists). Later stages
 * (features, training) read the lake through this, never by listing folders, so leftovers of an interrupted
 * run are invisible to them. Stages hand the parts' keys to their engine (`engine.readParquet`); `liveParts`
 * also gives local copies, for tools that read Parquet with their own reader (tests, benchmarks).
 */
import type { ObjectStore } from '../storage/ObjectStore.js';
import { CommitLog, type CommitPart } from './CommitLog.js';

export interface DayRange {
  from?: string;
  to?: string;
}

export interface CommittedParts {
  log: CommitLog;
  /** Live parts within the day range, in key order. */
  parts: CommitPart[];
}

export interface LiveParts extends CommittedParts {
  /** Local paths of the parts, in key order, for `read_parquet([...])`. */
  paths: string[];
}

export async function committedParts(store: ObjectStore, options: { days?: DayRange; signal?: AbortSignal } = {}): Promise<CommittedParts> {
  const log = await CommitLog.load(store, options.signal);
  const { from, to } = options.days ?? {};
  const parts = log
    .parts()
    .filter((p) => (from === undefined || p.day >= from) && (to === undefined || p.day <= to))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { log, parts };
}

export async function liveParts(store: ObjectStore, cacheDir: string, options: { days?: DayRange; signal?: AbortSignal } = {}): Promise<LiveParts> {
  const { log, parts } = await committedParts(store, options);
  const paths: string[] = [];
  for (const p of parts) paths.push(await store.localPath(p.key, cacheDir, options.signal));
  return { log, parts, paths };
}
