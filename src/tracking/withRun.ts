/**
 * Runs a piece of work inside a tracked run and makes sure the run ends: FINISHED when `fn` resolves, FAILED when
 * it throws (KILLED when the signal was aborted). The original error is rethrown.
 *
 * A run can still be left RUNNING when the process dies or the tracking server goes away before the end is
 * recorded. So every run carries its host, pid and a heartbeat tag refreshed while it works, and starting a new
 * run first reconciles the experiment's stale ones (see `reconcileStaleRuns`): never RUNNING forever.
 */
import { hostname } from 'node:os';
import type { RunInfo, RunTracker } from './RunTracker.js';
import { invalid } from './TrackingError.js';

export interface WithRunOptions {
  /** Experiment by name (created if missing) ... */
  experimentName?: string;
  /** ... or by id. */
  experimentId?: string;
  runName?: string;
  tags?: Record<string, string>;
  signal?: AbortSignal;
  /** How often the heartbeat tag is refreshed; default 60 s. */
  heartbeatMs?: number;
  /** A RUNNING run whose heartbeat is older than this is stale; default 15 min. */
  staleAfterMs?: number;
}

/** Tag recording why a run failed (error code, else class name). */
export const FAILURE_TAG = 'fraudops.failure';
/** Liveness tags of a run in progress. */
export const HOST_TAG = 'fraudops.host';
export const PID_TAG = 'fraudops.pid';
export const HEARTBEAT_TAG = 'fraudops.heartbeat';
/** The failure code of a run that was found RUNNING after its process or server went away. */
export const STALE_RUN = 'STALE_RUN';

const DEFAULT_HEARTBEAT_MS = 60_000;
const DEFAULT_STALE_AFTER_MS = 15 * 60_000;

/**
 * @example
 * const auc = await withRun(runs, { experimentName: 'fraud-gbm', runName: 'nightly' }, async (run) => {
 *   await runs.logParams(run.runId, { depth: 6 });
 *   const auc = await train();
 *   await runs.logMetric(run.runId, 'auc', auc);
 *   return auc;
 * });
 */
export async function withRun<T>(runs: RunTracker, options: WithRunOptions, fn: (run: RunInfo) => Promise<T>): Promise<T> {
  let experimentId = options.experimentId;
  if (experimentId === undefined) {
    if (options.experimentName === undefined) throw invalid('withRun needs experimentName or experimentId', { field: 'experiment' });
    experimentId = (await runs.getOrCreateExperiment(options.experimentName)).experimentId;
  }
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  // Best effort: bookkeeping of old runs must not stop a new one.
  await reconcileStaleRuns(runs, experimentId, { staleAfterMs }).catch(() => undefined);
  const run = await runs.createRun({
    experimentId,
    runName: options.runName,
    tags: { ...options.tags, [HOST_TAG]: hostname(), [PID_TAG]: String(process.pid), [HEARTBEAT_TAG]: String(Date.now()) },
  });
  const beat = setInterval(() => {
    runs.setTag(run.runId, HEARTBEAT_TAG, String(Date.now())).catch(() => undefined);
  }, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  beat.unref();
  let result: T;
  try {
    options.signal?.throwIfAborted();
    result = await fn(run);
  } catch (e) {
    clearInterval(beat);
    const status = options.signal?.aborted ? 'KILLED' : 'FAILED';
    const reason = (e as { code?: unknown }).code ?? (e as Error)?.name ?? 'Error';
    // Best effort: the caller wants the original error, not a bookkeeping one. A run whose end cannot be
    // recorded now is reconciled by the next run in this experiment.
    await runs.setTag(run.runId, FAILURE_TAG, String(reason).slice(0, 250)).catch(() => undefined);
    await runs.endRun(run.runId, status).catch(() => undefined);
    throw e;
  }
  clearInterval(beat);
  await runs.endRun(run.runId, 'FINISHED');
  return result;
}

export interface ReconcileOptions {
  staleAfterMs?: number;
  now?: number;
  /** This machine's name; default os.hostname(). */
  host?: string;
}

/**
 * Ends the experiment's RUNNING runs whose process is gone: FAILED with `fraudops.failure=STALE_RUN`, ended at
 * their last heartbeat. A run is stale when it was started on this host by a process that no longer exists, or
 * when its heartbeat is older than `staleAfterMs` (another host, or a reused pid). Runs without our liveness tags
 * (started by other tools) are left alone. Returns the ids it ended.
 */
export async function reconcileStaleRuns(runs: RunTracker, experimentId: string, options: ReconcileOptions = {}): Promise<string[]> {
  const now = options.now ?? Date.now();
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const host = options.host ?? hostname();
  const running = await runs.searchRuns({ experimentIds: [experimentId], filter: "attributes.status = 'RUNNING'" });
  const ended: string[] = [];
  for (const run of running) {
    const tags = run.data.tags;
    const pid = Number(tags[PID_TAG]);
    const heartbeat = Number(tags[HEARTBEAT_TAG]);
    if (!Number.isInteger(pid) || !Number.isFinite(heartbeat)) continue;
    const deadHere = tags[HOST_TAG] === host && pid !== process.pid && !processAlive(pid);
    const silent = now - heartbeat > staleAfterMs;
    if (!deadHere && !silent) continue;
    await runs.setTag(run.info.runId, FAILURE_TAG, STALE_RUN);
    await runs.endRun(run.info.runId, 'FAILED', Math.max(run.info.startTime, Math.min(heartbeat, now)));
    ended.push(run.info.runId);
  }
  return ended;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
