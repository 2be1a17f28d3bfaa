/**
 * The scheduler: fires a DAG at each tick of a cron expression (UTC), one run per interval and one active run at a
 * time. The run of an interval has the workflow id `pipeline:<dag>:<logical date>`, so several schedulers on one
 * database start each interval once: the first creates the run, the others find it and wait for it. Catch-up is
 * off by default — intervals missed while no scheduler ran are skipped; with `catchup` they run one by one, oldest
 * first, from `since` (or the latest recorded run).
 */
import { CronExpressionParser } from 'cron-parser';
import { ConfigError } from '../errors.js';
import type { PipelineSettings } from './daily.js';
import type { RunOutcome } from './executeDag.js';
import type { PipelineEngine } from './engine/PipelineEngine.js';

export interface SchedulerOptions {
  cron: string;
  dag: string;
  settings: PipelineSettings;
  catchup?: boolean;
  /** First interval considered by catch-up (a date or an ISO time); default: the latest recorded run. */
  since?: string;
  /** The latest logical date already run, for catch-up without `since`. */
  lastRun?: string;
  signal: AbortSignal;
  onEvent?: (e: SchedulerEvent) => void;
  /** Clock, for tests. */
  now?: () => number;
}

export type SchedulerEvent =
  | { event: 'resumed'; runIds: string[] }
  | { event: 'waiting'; next: string; logicalDate: string }
  | { event: 'started'; runId: string; logicalDate: string }
  | { event: 'finished'; runId: string; state: RunOutcome['state'] }
  | { event: 'error'; logicalDate: string; code: string; message: string };

export function parseCron(expression: string): void {
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
  } catch (e) {
    throw new ConfigError(`--cron "${expression}" is not a cron expression (${(e as Error).message}); e.g. '0 3 * * *' for 03:00 UTC daily`, { context: { field: 'cron' } });
  }
}

/**
 * The logical date of a tick: the day (`YYYY-MM-DD`) when the schedule fires at most once a day at a fixed time,
 * else the tick's UTC time to the second.
 */
export function logicalDateOf(cron: string, tick: Date): string {
  const fields = cron.trim().split(/\s+/);
  const [sec, min, hour] = fields.length === 6 ? fields : ['0', ...fields];
  const daily = [sec, min, hour].every((f) => /^\d+$/.test(f));
  return daily ? tick.toISOString().slice(0, 10) : `${tick.toISOString().slice(0, 19)}Z`;
}

/** Ticks in (from, to], oldest first. */
export function ticksBetween(cron: string, from: Date, to: Date): Date[] {
  const it = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: from, endDate: to });
  const out: Date[] = [];
  while (it.hasNext()) out.push(it.next().toDate());
  return out;
}

export async function runScheduler(engine: PipelineEngine, o: SchedulerOptions): Promise<void> {
  parseCron(o.cron);
  const now = o.now ?? Date.now;
  const runOne = async (tick: Date) => {
    const logicalDate = logicalDateOf(o.cron, tick);
    try {
      const run = await engine.start({ dag: o.dag, logicalDate, settings: o.settings });
      o.onEvent?.({ event: 'started', runId: run.runId, logicalDate });
      const outcome = await run.wait();
      o.onEvent?.({ event: 'finished', runId: run.runId, state: outcome.state });
    } catch (e) {
      if (o.signal.aborted) return;
      const err = e as { code?: string; message?: string };
      o.onEvent?.({ event: 'error', logicalDate, code: err.code ?? 'ERROR', message: err.message ?? String(e) });
    }
  };
  const resumed = await engine.waitForResumed();
  if (resumed.length > 0) o.onEvent?.({ event: 'resumed', runIds: resumed });
  let cursor = new Date(now());
  if (o.catchup) {
    const since = o.since ?? o.lastRun;
    if (since) {
      const from = new Date(Date.parse(since.length === 10 ? `${since}T00:00:00Z` : since) - 1);
      for (const tick of ticksBetween(o.cron, from, cursor)) {
        if (o.signal.aborted) return;
        await runOne(tick);
      }
    }
  }
  while (!o.signal.aborted) {
    const it = CronExpressionParser.parse(o.cron, { tz: 'UTC', currentDate: cursor });
    const tick = it.next().toDate();
    o.onEvent?.({ event: 'waiting', next: tick.toISOString(), logicalDate: logicalDateOf(o.cron, tick) });
    if (!(await sleepUntil(tick.getTime(), now, o.signal))) return;
    await runOne(tick);
    // One active run at a time: intervals that passed while it ran are skipped unless catching up.
    const after = new Date(now());
    if (o.catchup) {
      for (const missed of ticksBetween(o.cron, tick, after)) {
        if (o.signal.aborted) return;
        await runOne(missed);
      }
    }
    cursor = o.catchup ? after : new Date(Math.max(after.getTime(), tick.getTime()));
  }
}

async function sleepUntil(at: number, now: () => number, signal: AbortSignal): Promise<boolean> {
  while (!signal.aborted) {
    const left = at - now();
    if (left <= 0) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(left, 60_000));
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
  return false;
}
