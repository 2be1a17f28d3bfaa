/**
 * Reads and steers pipeline runs from any process, without running them: list, show (per task: state, attempts,
 * duration, error, output), logs, and cancel. Cancelling marks the workflow cancelled (the process running it
 * aborts the current task and runs teardown); when no process finishes the teardown within the wait, this client
 * runs it itself, so a cluster never outlives a cancelled run.
 */
import { DBOSClient } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { PipelineError } from '../../errors.js';
import { loadDag } from '../dag.js';
import { dagDefinition, type PipelineSettings } from '../daily.js';
import { runTeardownDirectly, type RunInput, type TaskRecord } from '../executeDag.js';
import { PIPELINE_STAGES } from '../stages.js';
import { DEFAULT_SCHEMA, engineError } from './PipelineEngine.js';
import { RunStore, type LogLine } from './RunStore.js';

export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'queued';

export interface RunSummary {
  runId: string;
  dag: string;
  logicalDate: string;
  retryOf?: string;
  state: RunState;
  /** The DBOS workflow status. */
  status: string;
  executorId?: string;
  applicationVersion?: string;
  createdAt: number;
  updatedAt?: number;
  error?: string;
}

export interface RunDetail extends RunSummary {
  tasks: (TaskRecord & { durationMs?: number })[];
}

const STATES: Record<string, RunState> = { PENDING: 'running', SUCCESS: 'succeeded', ERROR: 'failed', CANCELLED: 'cancelled', ENQUEUED: 'queued', MAX_RECOVERY_ATTEMPTS_EXCEEDED: 'failed' };

export class RunsClient {
  private constructor(
    private readonly client: DBOSClient,
    private readonly pool: pg.Pool,
    readonly store: RunStore,
    private readonly url: string,
  ) {}

  static async open(databaseUrl: string, schema = DEFAULT_SCHEMA): Promise<RunsClient> {
    process.noDeprecation = true; // see PipelineEngine.open
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    pool.on('error', () => {});
    try {
      const c = await pool.connect();
      try {
        await RunStore.migrate(c, schema);
      } finally {
        c.release();
      }
      const client = await DBOSClient.create({ systemDatabaseUrl: databaseUrl, systemDatabaseSchemaName: schema, logger: { info() {}, debug() {}, warn() {}, error() {} } });
      return new RunsClient(client, pool, await RunStore.open(pool, schema), databaseUrl);
    } catch (e) {
      await pool.end().catch(() => {});
      throw engineError(e, databaseUrl);
    }
  }

  async list(o: { dag?: string; limit?: number } = {}): Promise<RunSummary[]> {
    const rows = await this.workflows({ workflow_id_prefix: o.dag ? `pipeline:${o.dag}:` : 'pipeline:', sortDesc: true, limit: o.limit ?? 20, loadInput: true });
    return rows.map((w) => summary(w));
  }

  /** The engine's workflows; none on a database where no engine has started yet (its tables do not exist). */
  private async workflows(query: Parameters<DBOSClient['listWorkflows']>[0]): Promise<Awaited<ReturnType<DBOSClient['listWorkflows']>>> {
    try {
      return await this.client.listWorkflows(query);
    } catch (e) {
      if (isMissingTable(e)) return [];
      throw e;
    }
  }

  async show(runId: string): Promise<RunDetail> {
    const [w] = await this.workflows({ workflowIDs: [runId], loadInput: true });
    if (!w) throw new PipelineError('RUN_NOT_FOUND', `no pipeline run "${runId}"; \`fraudops runs list\` shows the runs`, { context: { runId } });
    const tasks = (await this.store.tasks(runId)).map((t) => ({ ...t, ...(t.startedAt && t.finishedAt ? { durationMs: t.finishedAt - t.startedAt } : {}) }));
    return { ...summary(w), tasks };
  }

  async logs(runId: string, afterId = 0): Promise<(LogLine & { id: number })[]> {
    await this.show(runId);
    return this.store.logs(runId, afterId);
  }

  /** The settings a run was started with (its recorded input). */
  async settingsOf(runId: string): Promise<{ input: RunInput; settings: PipelineSettings }> {
    const [w] = await this.workflows({ workflowIDs: [runId], loadInput: true });
    if (!w) throw new PipelineError('RUN_NOT_FOUND', `no pipeline run "${runId}"`, { context: { runId } });
    return (w.input as [{ input: RunInput; settings: PipelineSettings }])[0];
  }

  /**
   * Cancels a run and waits up to `waitMs` for its teardown to finish; runs the teardown here when the run's own
   * process did not (it is not running anywhere, or it died).
   */
  async cancel(runId: string, waitMs = 60_000, signal?: AbortSignal): Promise<RunDetail> {
    const before = await this.show(runId);
    if (before.state !== 'running' && before.state !== 'queued') {
      throw new PipelineError('RUN_NOT_ACTIVE', `run ${runId} is already ${before.state}; nothing to cancel`, { context: { runId, state: before.state } });
    }
    await this.client.cancelWorkflow(runId);
    const { input, settings } = await this.settingsOf(runId);
    const dag = loadDag(dagDefinition(input.dag, settings), PIPELINE_STAGES);
    const teardown = dag.tasks.filter((t) => t.trigger === 'always').map((t) => t.name);
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && !signal?.aborted) {
      const tasks = await this.store.tasks(runId);
      if (teardown.every((name) => ['succeeded', 'failed'].includes(tasks.find((t) => t.task === name)?.state ?? ''))) return this.show(runId);
      await new Promise((r) => setTimeout(r, 500));
    }
    const tasks = await this.store.tasks(runId);
    await runTeardownDirectly(dag, input, {
      step: (_name, fn) => fn(),
      record: (id, r) => this.store.record(id, r),
      log: (id, task, message) => this.store.log(id, task, message),
      records: (id) => this.store.tasks(id),
      isCancelled: async () => true,
    }, tasks);
    for (const t of tasks) if (t.state === 'running' || t.state === 'pending') await this.store.record(runId, { ...t, state: 'cancelled', finishedAt: Date.now(), reason: 'the run was cancelled' });
    await this.store.flush();
    return this.show(runId);
  }

  async close(): Promise<void> {
    await this.client.destroy().catch(() => {});
    await this.pool.end().catch(() => {});
  }

  get databaseUrl(): string {
    return this.url;
  }
}

function summary(w: { workflowID: string; status: string; input?: unknown[]; executorId?: string; applicationVersion?: string; createdAt: number; updatedAt?: number; error?: unknown }): RunSummary {
  const arg = (w.input?.[0] ?? {}) as { input?: RunInput };
  const input = arg.input;
  const [, dag = '', ...rest] = w.workflowID.split(':');
  return {
    runId: w.workflowID,
    dag: input?.dag ?? dag,
    logicalDate: input?.logicalDate ?? rest.join(':'),
    ...(input?.retryOf ? { retryOf: input.retryOf } : {}),
    state: STATES[w.status] ?? 'running',
    status: w.status,
    executorId: w.executorId,
    applicationVersion: w.applicationVersion,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    ...(w.error ? { error: w.error instanceof Error ? w.error.message : typeof w.error === 'object' && w.error && 'message' in w.error ? String((w.error as { message: unknown }).message) : String(w.error) } : {}),
  };
}

/** PostgreSQL's undefined_table, however deep the engine wrapped it. */
function isMissingTable(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 5) return false;
  const err = e as { code?: unknown; message?: unknown; cause?: unknown };
  if (err.code === '42P01' || (typeof err.message === 'string' && /relation "[^"]+" does not exist/.test(err.message))) return true;
  return isMissingTable(err.cause, depth + 1);
}
