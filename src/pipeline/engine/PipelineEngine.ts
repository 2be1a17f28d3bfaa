/**
 * Runs pipeline DAGs durably on DBOS Transact over PostgreSQL. One workflow per run, with id
 * `pipeline:<dag>:<logical date>`: starting a date twice — from two schedulers, or after a crash — is one run.
 * Each task is a checkpointed step, so a process killed mid-run resumes on restart (DBOS recovers the pending
 * workflows of this executor id and application version at launch) without rerunning finished tasks. The
 * application version is pinned (not derived from the code), so a restart of the same release recovers its runs;
 * several schedulers on one database need distinct executor ids (FRAUDOPS_EXECUTOR_ID).
 *
 * DBOS is one engine per process: `PipelineEngine.open` launches it once, `close` shuts it down.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { PipelineError } from '../../errors.js';
import { loadDag } from '../dag.js';
import { dagDefinition, type PipelineSettings } from '../daily.js';
import { executeDag, type RunHost, type RunInput, type RunOutcome, type TaskRecord } from '../executeDag.js';
import { PIPELINE_STAGES } from '../stages.js';
import { quoteIdent, RunStore } from './RunStore.js';

export const DEFAULT_SCHEMA = 'fraudops_pipeline';
const WORKFLOW_NAME = 'fraudops.pipeline';

export interface EngineOptions {
  /** PostgreSQL URL of the system database (FRAUDOPS_PIPELINE_DB). */
  databaseUrl: string;
  /** Schema holding the engine's tables; default `fraudops_pipeline`. */
  schema?: string;
  /** Default: FRAUDOPS_EXECUTOR_ID, else `fraudops-<hostname>`. */
  executorId?: string;
  /** Default: FRAUDOPS_APP_VERSION, else `fraudops-<package version>`. */
  applicationVersion?: string;
  /** Log lines of running tasks, as they happen (the CLI prints them as progress). */
  onLog?: (runId: string, task: string, message: string) => void;
  /** Each task record as it is stored (a task starting, finishing, skipped): a caller can report it at once. */
  onRecord?: (runId: string, record: TaskRecord) => void;
  /** Engine warnings (never info chatter). */
  onWarn?: (message: string) => void;
  /** Gives up waiting for another process's schema migration. */
  signal?: AbortSignal;
}

export interface RunRequest {
  dag: string;
  logicalDate: string;
  settings: PipelineSettings;
  /** Retry: reuse the successful tasks of this run. */
  retryOf?: string;
}

export interface StartedRun {
  runId: string;
  wait(): Promise<RunOutcome>;
}

interface WorkflowArgs {
  input: RunInput;
  settings: PipelineSettings;
}

export function runIdFor(dag: string, logicalDate: string): string {
  return `pipeline:${dag}:${logicalDate}`;
}

export function defaultExecutorId(env: NodeJS.ProcessEnv = process.env): string {
  return env.FRAUDOPS_EXECUTOR_ID || `fraudops-${hostname()}`;
}

export function defaultApplicationVersion(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FRAUDOPS_APP_VERSION) return env.FRAUDOPS_APP_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `fraudops-${pkg.version}`;
}

// DBOS keeps one registry per process; the workflow is registered once and reads the engine of this process.
let current: PipelineEngine | undefined;
let pipelineWorkflow: ((args: WorkflowArgs) => Promise<RunOutcome>) | undefined;

function registerWorkflow(): (args: WorkflowArgs) => Promise<RunOutcome> {
  pipelineWorkflow ??= DBOS.registerWorkflow(
    async (args: WorkflowArgs): Promise<RunOutcome> => {
      const engine = current;
      if (!engine) throw new PipelineError('PIPELINE_ENGINE', 'the pipeline engine is not open in this process');
      const dag = loadDag(dagDefinition(args.input.dag, args.settings), PIPELINE_STAGES);
      try {
        return await executeDag(dag, args.input, engine.host());
      } finally {
        await engine.store.flush();
      }
    },
    { name: WORKFLOW_NAME },
  );
  return pipelineWorkflow;
}

export class PipelineEngine {
  private constructor(
    readonly options: Required<Pick<EngineOptions, 'databaseUrl' | 'schema' | 'executorId' | 'applicationVersion'>> & EngineOptions,
    private readonly pool: pg.Pool,
    readonly store: RunStore,
  ) {}

  static async open(o: EngineOptions): Promise<PipelineEngine> {
    if (current) throw new PipelineError('PIPELINE_ENGINE', 'a pipeline engine is already open in this process');
    // DBOS's pool issues overlapping queries on one client, which pg 8 reports as a deprecation on every run.
    process.noDeprecation = true;
    const options = {
      ...o,
      schema: o.schema ?? DEFAULT_SCHEMA,
      executorId: o.executorId ?? defaultExecutorId(),
      applicationVersion: o.applicationVersion ?? defaultApplicationVersion(),
    };
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
    pool.on('error', () => {});
    const engine = new PipelineEngine(options, pool, await RunStore.open(pool, options.schema));
    current = engine;
    try {
      registerWorkflow();
      const warn = (m: unknown) => options.onWarn?.(typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m));
      DBOS.setConfig({
        name: 'fraudops',
        systemDatabaseUrl: options.databaseUrl,
        systemDatabaseSchemaName: options.schema,
        applicationVersion: options.applicationVersion,
        executorID: options.executorId,
        logger: { info: () => {}, debug: () => {}, warn, error: warn },
      });
      // Schema creation is serialized across processes: two schedulers launching at once would deadlock in DDL.
      await withSchemaLock(pool, options.schema, o.signal, async (client) => {
        await RunStore.migrate(client, options.schema);
        await DBOS.launch();
      });
      return engine;
    } catch (e) {
      current = undefined;
      await DBOS.shutdown().catch(() => {});
      await pool.end().catch(() => {});
      throw engineError(e, options.databaseUrl);
    }
  }

  /** Starts the run of `logicalDate`, or attaches to it when it already exists (same workflow id). */
  async start(request: RunRequest): Promise<StartedRun> {
    const logicalRunId = runIdFor(request.dag, request.logicalDate);
    const runId = request.retryOf ? await this.nextRetryId(logicalRunId) : logicalRunId;
    const input: RunInput = { runId, logicalRunId, dag: request.dag, logicalDate: request.logicalDate, ...(request.retryOf ? { retryOf: request.retryOf } : {}) };
    // Refuse a bad DAG here, before a workflow exists for it.
    loadDag(dagDefinition(request.dag, request.settings), PIPELINE_STAGES);
    const handle = await DBOS.startWorkflow(registerWorkflow(), { workflowID: runId })({ input, settings: request.settings });
    return {
      runId,
      wait: async () => {
        try {
          return await handle.getResult();
        } catch (e) {
          const status = await DBOS.getWorkflowStatus(runId);
          const tasks = await this.store.tasks(runId);
          if (status?.status === 'CANCELLED') return { runId, state: 'cancelled', tasks };
          if (tasks.some((t) => t.state === 'failed')) return { runId, state: 'failed', tasks };
          throw engineError(e, this.options.databaseUrl);
        }
      },
    };
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    return (await this.start(request)).wait();
  }

  /** Retries are new runs of the same logical date: `<run id>:retry-<n>`. */
  private async nextRetryId(logicalRunId: string): Promise<string> {
    const existing = await DBOS.listWorkflows({ workflow_id_prefix: `${logicalRunId}:retry-` });
    return `${logicalRunId}:retry-${existing.length + 1}`;
  }

  host(): RunHost {
    return {
      step: (name, fn) => DBOS.runStep(fn, { name }),
      record: async (runId, r) => {
        await this.store.record(runId, r);
        this.options.onRecord?.(runId, r);
      },
      log: (runId, task, message) => {
        this.store.log(runId, task, message);
        this.options.onLog?.(runId, task, message);
      },
      records: (runId) => this.store.tasks(runId),
      isCancelled: async (runId) => {
        const { rows } = await this.pool.query(`SELECT status FROM ${quoteIdent(this.options.schema)}.workflow_status WHERE workflow_uuid = $1`, [runId]);
        return rows[0]?.status === 'CANCELLED';
      },
    };
  }

  /**
   * Waits for the runs this executor resumed at launch (they run in the background), so a scheduler starts new
   * intervals only once they are done.
   */
  async waitForResumed(): Promise<string[]> {
    const pending = await DBOS.listWorkflows({ status: ['PENDING', 'ENQUEUED'], workflow_id_prefix: 'pipeline:', executorId: this.options.executorId } as never);
    for (const w of pending) await DBOS.retrieveWorkflow(w.workflowID).getResult().catch(() => undefined);
    return pending.map((w) => w.workflowID);
  }

  async tasks(runId: string): Promise<TaskRecord[]> {
    return this.store.tasks(runId);
  }

  async close(): Promise<void> {
    try {
      await this.store.flush();
      await DBOS.shutdown();
    } finally {
      current = undefined;
      await this.pool.end().catch(() => {});
    }
  }
}

async function withSchemaLock<T>(pool: pg.Pool, schema: string, signal: AbortSignal | undefined, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    // Polled, not blocking: a session blocked in pg_advisory_lock holds a snapshot, and the engine's
    // CREATE INDEX CONCURRENTLY in the lock holder would wait for it — a deadlock PostgreSQL cannot see.
    for (;;) {
      const { rows } = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`fraudops-pipeline-schema:${schema}`]);
      if (rows[0].ok) break;
      if (signal?.aborted) throw new PipelineError('PIPELINE_ENGINE', 'interrupted while waiting for another process to prepare the pipeline database');
      await new Promise((r) => setTimeout(r, 200));
    }
    try {
      return await fn(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`fraudops-pipeline-schema:${schema}`]).catch(() => {});
    }
  } finally {
    client.release();
  }
}

/** Connection problems name the database (without its password) and say what to check. */
export function engineError(e: unknown, url: string): Error {
  if (e instanceof PipelineError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new PipelineError('PIPELINE_ENGINE', `pipeline database ${redact(url)}: ${message}`, { cause: e, retriable: true, context: { db: redact(url) } });
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
