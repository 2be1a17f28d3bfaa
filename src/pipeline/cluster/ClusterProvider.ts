/**
 * A compute cluster that lives for one pipeline run: `ensure` creates it (or adopts the one already created for
 * the same run, so a resumed run never creates a second) and `teardown` deletes it, tolerating a cluster that is
 * already gone. Providers are chosen by URI through `openCluster`: `none`, `spark-local`, `yandex-dataproc://…`.
 */

export interface ClusterInfo {
  provider: string;
  /** The cluster's name, derived from the run id. */
  name: string;
  /** Provider id of the cluster ('' for `none`). */
  id: string;
  /** True when an existing cluster of that name was adopted instead of created. */
  adopted: boolean;
  /** Where stages reach it, e.g. a Spark Connect URI; absent for `none`. */
  endpoint?: string;
}

export interface TeardownResult {
  provider: string;
  name: string;
  /** False when there was nothing to delete (never created, or already deleted). */
  deleted: boolean;
}

export interface ClusterProvider {
  readonly uri: string;
  ensure(runId: string, signal?: AbortSignal): Promise<ClusterInfo>;
  teardown(runId: string, signal?: AbortSignal): Promise<TeardownResult>;
  close?(): Promise<void>;
}

/** A cluster name from a run id: lowercase letters, digits and dashes, at most 63 characters, stable per run. */
export function clusterName(runId: string): string {
  const base = `fraudops-${runId.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')}`;
  return base.length <= 63 ? base : `${base.slice(0, 54)}-${hash8(runId)}`;
}

function hash8(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}
