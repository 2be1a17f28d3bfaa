/**
 * Read access to a lake's committed state: the live Parquet parts (only those a commit lists) as local paths an
 * engine can scan. Later stages (features, training) read the lake through this, never by listing folders, so
 * leftovers of an interrupted run are invisible to them.
 */
import type { ObjectStore } from '../storage/ObjectStore.js';
import { CommitLog, type CommitPart } from './CommitLog.js';

export interface LiveParts {
  log: CommitLog;
  parts: CommitPart[];
  /** Local paths of the parts, in key order, for `read_parquet([...])`. */
  paths: string[];
}

export async function liveParts(store: ObjectStore, cacheDir: string, options: { days?: { from?: string; to?: string }; signal?: AbortSignal } = {}): Promise<LiveParts> {
  const log = await CommitLog.load(store, options.signal);
  const { from, to } = options.days ?? {};
  const parts = log
    .parts()
    .filter((p) => (from === undefined || p.day >= from) && (to === undefined || p.day <= to))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const paths: string[] = [];
  for (const p of parts) paths.push(await store.localPath(p.key, cacheDir, options.signal));
  return { log, parts, paths };
}
