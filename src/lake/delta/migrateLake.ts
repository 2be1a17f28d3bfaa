/**
 * Makes an existing lake a Delta table in place: writes the Delta version of every commit that has none (see
 * deltaLog.ts). Parts, quarantine and the commit log are untouched, so fraudops reads the lake exactly as before.
 */
import { LakeError } from '../../errors.js';
import type { ObjectStore } from '../../storage/ObjectStore.js';
import { openStore } from '../../storage/openStore.js';
import { CommitLog } from '../CommitLog.js';
import { syncDeltaLog, type DeltaSyncResult } from './deltaLog.js';

export interface MigrateLakeResult extends DeltaSyncResult {
  lake: string;
  commits: number;
}

export async function migrateLakeToDelta(o: { lake: string; lakeStore?: ObjectStore; signal?: AbortSignal }): Promise<MigrateLakeResult> {
  const store = o.lakeStore ?? (await openStore(o.lake));
  try {
    const log = await CommitLog.load(store, o.signal);
    if (log.commits.length === 0) {
      // Nothing to migrate is almost always a wrong --lake (a typo, or the raw directory), not an empty lake.
      throw new LakeError('LAKE_EMPTY', `${store.uri} holds no lake commits (_fraudops/commits/); check --lake`, { context: { uri: store.uri } });
    }
    const r = await syncDeltaLog(store, log.commits, { signal: o.signal, engineInfo: 'fraudops migrate-lake' });
    return { lake: store.uri, commits: log.commits.length, ...r };
  } finally {
    if (!o.lakeStore) await store.close();
  }
}
