/**
 * The body of one pipeline run, independent of the engine that makes it durable. Tasks run in topological order;
 * each runs inside `host.step`, which the engine checkpoints, so a resumed run returns finished tasks' recorded
 * results instead of running them again. A task's retries happen inside its step, and its outcome (success or
 * failure, attempts, times) is the step's result. A branch with `proceed: false` skips what follows it; a failed
 * task marks what follows it `upstream-failed`; tasks with trigger `always` (teardown) run last in every case —
 * and when the engine refuses more steps because the run was cancelled, they run directly (they are idempotent).
 */
import { ConfigError, FraudopsError, isFraudopsError, PipelineError } from '../errors.js';
import type { LoadedDag, LoadedTask } from './dag.js';
import type { JsonValue, TaskContext, TaskOutput } from './stage.js';

export type TaskState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'upstream-failed' | 'reused' | 'cancelled';

export interface TaskError {
  code: string;
  message: string;
}

export interface TaskRecord {
  task: string;
  stage: string;
  /** Position in the DAG's order. */
  index: number;
  state: TaskState;
  attempts: number;
  startedAt?: number;
  finishedAt?: number;
  error?: TaskError;
  output?: TaskOutput;
  /** Why it was skipped or reused. */
  reason?: string;
}

export interface RunInput {
  runId: string;
  /** The first run of this logical date (retries share it): cluster names and announcements use it. */
  logicalRunId: string;
  dag: string;
  logicalDate: string;
  /** The run whose successful tasks a retry reuses. */
  retryOf?: string;
}

export interface RunOutcome {
  runId: string;
  state: 'succeeded' | 'failed' | 'cancelled';
  tasks: TaskRecord[];
}

/** What an engine provides to run the body durably. */
export interface RunHost {
  /** Runs `fn` once per run: on replay, returns its recorded result. Throws when the run was cancelled. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  record(runId: string, record: TaskRecord): Promise<void>;
  log(runId: string, task: string, message: string): void;
  /** The task records of an earlier run (for retries). */
  records(runId: string): Promise<TaskRecord[]>;
  /** True once someone cancelled the run. */
  isCancelled(runId: string): Promise<boolean>;
}

interface StepResult {
  ok: boolean;
  output?: TaskOutput;
  error?: TaskError;
  attempts: number;
  startedAt: number;
  finishedAt: number;
  cancelled?: boolean;
}

const CANCEL_POLL_MS = 1000;

export async function executeDag(dag: LoadedDag, input: RunInput, host: RunHost): Promise<RunOutcome> {
  const records = new Map<string, TaskRecord>();
  const outputs = new Map<string, TaskOutput>();
  const blockedBranches = new Set<string>();
  const index = new Map(dag.tasks.map((t, i) => [t.name, i]));
  const save = async (r: TaskRecord) => {
    records.set(r.task, r);
    await host.record(input.runId, r);
  };
  const base = (t: LoadedTask): TaskRecord => ({ task: t.name, stage: t.stage.name, index: index.get(t.name)!, state: 'pending', attempts: 0 });
  for (const t of dag.tasks) await save(base(t));

  const prior = input.retryOf
    ? new Map((await host.step('load-retried-run', () => host.records(input.retryOf!))).map((r) => [r.task, r]))
    : new Map<string, TaskRecord>();

  let cancelled = false;
  let engineError: unknown;
  try {
    for (const t of dag.tasks) {
      if (t.trigger === 'always') continue;
      const blocker = blockingUpstream(t, records, blockedBranches);
      if (blocker) {
        await save({ ...base(t), ...blocker });
        if (blocker.state === 'skipped') blockedBranches.add(t.name);
        continue;
      }
      const earlier = prior.get(t.name);
      if (earlier && (earlier.state === 'succeeded' || earlier.state === 'reused') && !t.stage.rerunOnRetry && earlier.output) {
        outputs.set(t.name, earlier.output);
        await save({ ...earlier, index: index.get(t.name)!, state: 'reused', reason: `succeeded in ${input.retryOf}` });
        if (t.stage.branch && earlier.output.proceed === false) blockedBranches.add(t.name);
        continue;
      }
      await save({ ...base(t), state: 'running', startedAt: Date.now() });
      const result = await runTaskStep(t, dag, input, outputs, host);
      await save(fromResult(t, base(t), result));
      if (result.cancelled) {
        cancelled = true;
        break;
      }
      if (result.ok && result.output) {
        outputs.set(t.name, result.output);
        if (t.stage.branch && result.output.proceed === false) blockedBranches.add(t.name);
      }
    }
  } catch (e) {
    // The engine refused to go on: the run was cancelled (or its database went away). Teardown still runs.
    engineError = e;
    cancelled = await host.isCancelled(input.runId).catch(() => false);
    for (const r of records.values()) {
      if (r.state === 'running') await save({ ...r, state: cancelled ? 'cancelled' : 'failed', finishedAt: Date.now(), error: describeError(e) }).catch(() => {});
    }
  } finally {
    for (const t of dag.tasks.filter((x) => x.trigger === 'always')) {
      await save({ ...base(t), state: 'running', startedAt: Date.now() }).catch(() => {});
      let result: StepResult;
      try {
        if (cancelled || engineError !== undefined) throw new Error('the engine takes no more steps for this run');
        result = await runTaskStep(t, dag, input, outputs, host, { ignoreCancel: true });
      } catch {
        // Cancelled runs get no more checkpoints; teardown is idempotent, so it runs directly.
        result = await runTask(t, dag, input, outputs, host, new AbortController().signal);
      }
      await save(fromResult(t, base(t), result)).catch(() => {});
    }
  }
  for (const r of records.values()) {
    if (r.state === 'pending') await save({ ...r, state: cancelled ? 'cancelled' : 'skipped', reason: cancelled ? 'the run was cancelled' : r.reason }).catch(() => {});
  }
  const tasks = [...records.values()].sort((a, b) => a.index - b.index);
  const failed = tasks.filter((r) => r.state === 'failed');
  if (cancelled) return { runId: input.runId, state: 'cancelled', tasks };
  if (engineError !== undefined) throw engineError;
  if (failed.length > 0) {
    throw new PipelineError('PIPELINE_FAILED', `run ${input.runId} failed: ${failed.map((r) => `${r.task} (${r.error?.code}: ${r.error?.message})`).join('; ')}`, {
      context: { runId: input.runId, task: failed[0].task },
    });
  }
  return { runId: input.runId, state: 'succeeded', tasks };
}

function blockingUpstream(t: LoadedTask, records: Map<string, TaskRecord>, blockedBranches: Set<string>): Partial<TaskRecord> | undefined {
  for (const dep of t.after) {
    const r = records.get(dep);
    if (!r) continue;
    if (r.state === 'failed' || r.state === 'upstream-failed' || r.state === 'cancelled') return { state: 'upstream-failed', reason: `${dep} ${r.state}` };
    if (blockedBranches.has(dep)) return { state: 'skipped', reason: r.output?.reason ? `${dep}: ${String(r.output.reason)}` : r.reason ?? `${dep} skipped` };
  }
  return undefined;
}

function fromResult(t: LoadedTask, base: TaskRecord, r: StepResult): TaskRecord {
  return {
    ...base,
    state: r.cancelled ? 'cancelled' : r.ok ? 'succeeded' : 'failed',
    attempts: r.attempts,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    ...(r.output ? { output: r.output } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(t.stage.branch && r.output?.proceed === false ? { reason: String(r.output.reason ?? '') } : {}),
  };
}

/** One checkpointed step per task, watching for cancellation while it runs. */
async function runTaskStep(t: LoadedTask, dag: LoadedDag, input: RunInput, outputs: Map<string, TaskOutput>, host: RunHost, opts: { ignoreCancel?: boolean } = {}): Promise<StepResult> {
  return host.step(`task:${t.name}`, async () => {
    const controller = new AbortController();
    const timer = opts.ignoreCancel
      ? undefined
      : setInterval(() => {
          host.isCancelled(input.runId).then(
            (yes) => yes && controller.abort(new PipelineError('RUN_CANCELLED', `run ${input.runId} was cancelled`)),
            () => {},
          );
        }, CANCEL_POLL_MS);
    try {
      return await runTask(t, dag, input, outputs, host, controller.signal);
    } finally {
      if (timer) clearInterval(timer);
    }
  });
}

async function runTask(t: LoadedTask, dag: LoadedDag, input: RunInput, outputs: Map<string, TaskOutput>, host: RunHost, signal: AbortSignal): Promise<StepResult> {
  const startedAt = Date.now();
  const ctx: TaskContext = {
    runId: input.runId,
    logicalRunId: input.logicalRunId,
    dag: dag.name,
    logicalDate: input.logicalDate,
    specHash: dag.specHash,
    signal,
    log: (m) => host.log(input.runId, t.name, m),
    upstream: (stage) => nearestUpstream(t, dag, outputs, stage),
  };
  let delay = t.retry.intervalSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      const output = await t.stage.run(t.options, ctx);
      return { ok: true, output: toJson(output) as TaskOutput, attempts: attempt, startedAt, finishedAt: Date.now() };
    } catch (e) {
      if (signal.aborted) return { ok: false, cancelled: true, error: describeError(signal.reason ?? e), attempts: attempt, startedAt, finishedAt: Date.now() };
      const final = attempt >= t.retry.maxAttempts || e instanceof ConfigError || (isFraudopsError(e) && e.code === 'DAG_INVALID');
      ctx.log(`attempt ${attempt} failed: ${describeError(e).message}${final ? '' : `; retrying in ${Math.round(delay / 1000)}s`}`);
      if (final) return { ok: false, error: describeError(e), attempts: attempt, startedAt, finishedAt: Date.now() };
      await new Promise((r) => setTimeout(r, delay));
      delay *= t.retry.backoffRate;
    }
  }
}

/**
 * The output of the nearest task running `stage` among the tasks `t` comes after (its dependencies, then theirs),
 * so a DAG with two train → validate chains hands each validate its own candidate. A task outside that chain
 * (teardown after everything) finds the nearest one the same way, breadth first.
 */
export function nearestUpstream(t: LoadedTask, dag: LoadedDag, outputs: Map<string, TaskOutput>, stage: string): TaskOutput | undefined {
  const byName = new Map(dag.tasks.map((x) => [x.name, x]));
  const seen = new Set<string>();
  let level = t.after;
  while (level.length > 0) {
    const next: string[] = [];
    for (const name of level) {
      if (seen.has(name)) continue;
      seen.add(name);
      const u = byName.get(name);
      if (!u) continue;
      if (u.stage.name === stage && outputs.has(u.name)) return outputs.get(u.name);
      next.push(...u.after);
    }
    level = next;
  }
  return undefined;
}

export function describeError(e: unknown): TaskError {
  if (e instanceof FraudopsError) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: (e as { code?: unknown }).code ? String((e as { code?: unknown }).code) : e.name, message: e.message };
  return { code: 'ERROR', message: String(e) };
}

/** Outputs are stored as JSON: drop undefined, turn non-finite numbers into null. */
function toJson(v: unknown): JsonValue {
  return JSON.parse(JSON.stringify(v ?? {}, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x))) as JsonValue;
}

/**
 * Runs the `always` tasks (teardown) of a run directly, outside any checkpoint, and records them: for a run that
 * was cancelled while no process was executing it. Teardown is idempotent, so running it again is harmless.
 */
export async function runTeardownDirectly(dag: LoadedDag, input: RunInput, host: RunHost, upstream: TaskRecord[] = []): Promise<TaskRecord[]> {
  const outputs = new Map(upstream.filter((r) => r.output).map((r) => [r.task, r.output!]));
  const index = new Map(dag.tasks.map((t, i) => [t.name, i]));
  const done: TaskRecord[] = [];
  for (const t of dag.tasks.filter((x) => x.trigger === 'always')) {
    const base: TaskRecord = { task: t.name, stage: t.stage.name, index: index.get(t.name)!, state: 'running', attempts: 0, startedAt: Date.now() };
    await host.record(input.runId, base);
    const r = fromResult(t, base, await runTask(t, dag, input, outputs, host, new AbortController().signal));
    await host.record(input.runId, r);
    done.push(r);
  }
  return done;
}
