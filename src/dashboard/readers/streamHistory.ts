/**
 * The scorers' throughput history, as `fraudops stream` logs it to the tracker (experiment `fraudops-stream`,
 * one run per scorer session, points of consumed_per_second and produced_per_second over time).
 */
import type { RunTracker } from '../../tracking/RunTracker.js';

export const STREAM_EXPERIMENT = 'fraudops-stream';

export interface ThroughputHistory {
  runs: { runId: string; runName: string; status: string; startTime: number; endTime?: number }[];
  /** Seconds since the epoch, ascending; null where a series has no point at that time. */
  x: number[];
  consumed: (number | null)[];
  produced: (number | null)[];
}

export async function readThroughputHistory(tracker: RunTracker, maxRuns = 5): Promise<ThroughputHistory> {
  const empty: ThroughputHistory = { runs: [], x: [], consumed: [], produced: [] };
  const exp = await tracker.getExperimentByName(STREAM_EXPERIMENT);
  if (!exp) return empty;
  const runs = await tracker.searchRuns({ experimentIds: [exp.experimentId], maxResults: maxRuns });
  const points = new Map<number, { consumed: number | null; produced: number | null }>();
  for (const run of runs) {
    const [c, p] = await Promise.all([tracker.getMetricHistory(run.info.runId, 'consumed_per_second'), tracker.getMetricHistory(run.info.runId, 'produced_per_second')]);
    for (const m of c) points.set(m.timestamp, { consumed: m.value, produced: points.get(m.timestamp)?.produced ?? null });
    for (const m of p) points.set(m.timestamp, { consumed: points.get(m.timestamp)?.consumed ?? null, produced: m.value });
  }
  const times = [...points.keys()].sort((a, b) => a - b);
  return {
    runs: runs.map((r) => ({ runId: r.info.runId, runName: r.info.runName, status: r.info.status, startTime: r.info.startTime, endTime: r.info.endTime })),
    x: times.map((t) => t / 1000),
    consumed: times.map((t) => points.get(t)!.consumed),
    produced: times.map((t) => points.get(t)!.produced),
  };
}
