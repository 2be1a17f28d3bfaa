/**
 * Runs a piece of work inside a tracked run and guarantees the run ends: FINISHED when `fn` resolves, FAILED
 * when it throws (KILLED when the signal was aborted), never left RUNNING. The original error is rethrown; a
 * failure to record the end is attached as the error's cause only when `fn` itself succeeded.
 */
import type { RunInfo, Tracker } from './Tracker.js';
import { invalid } from './TrackingError.js';

export interface WithRunOptions {
  /** Experiment by name (created if missing) ... */
  experimentName?: string;
  /** ... or by id. */
  experimentId?: string;
  runName?: string;
  tags?: Record<string, string>;
  signal?: AbortSignal;
}

/** Tag recording why a run failed (error code, else class name). */
export const FAILURE_TAG = 'fraudops.failure';

/**
 * @example
 * const auc = await withRun(tracker, { experimentName: 'fraud-gbm', runName: 'nightly' }, async (run) => {
 *   await tracker.logParams(run.runId, { depth: 6 });
 *   const auc = await train();
 *   await tracker.logMetric(run.runId, 'auc', auc);
 *   return auc;
 * });
 */
export async function withRun<T>(tracker: Tracker, options: WithRunOptions, fn: (run: RunInfo) => Promise<T>): Promise<T> {
  let experimentId = options.experimentId;
  if (experimentId === undefined) {
    if (options.experimentName === undefined) throw invalid('withRun needs experimentName or experimentId', { field: 'experiment' });
    experimentId = (await tracker.getOrCreateExperiment(options.experimentName)).experimentId;
  }
  const run = await tracker.createRun({ experimentId, runName: options.runName, tags: options.tags });
  let result: T;
  try {
    options.signal?.throwIfAborted();
    result = await fn(run);
  } catch (e) {
    const status = options.signal?.aborted ? 'KILLED' : 'FAILED';
    const reason = (e as { code?: unknown }).code ?? (e as Error)?.name ?? 'Error';
    // Best effort: the caller wants the original error, not a bookkeeping one.
    await tracker.setTag(run.runId, FAILURE_TAG, String(reason).slice(0, 250)).catch(() => undefined);
    await tracker.endRun(run.runId, status).catch(() => undefined);
    throw e;
  }
  await tracker.endRun(run.runId, 'FINISHED');
  return result;
}
