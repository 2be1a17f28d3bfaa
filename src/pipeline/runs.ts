/**
 * What `fraudops pipeline run` and `fraudops runs …` do, callable from any process: open the system database
 * where runs are kept, run a DAG for a date, retry a finished run, cancel one, and read runs back. The CLI
 * commands and the dashboard's Retry and Cancel buttons call these same functions.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineError } from '../errors.js';
import { loadDag } from './dag.js';
import { dagDefinition } from './daily.js';
import type { PipelineDatabase } from './engine/embeddedDatabase.js';
import type { RunRequest } from './engine/PipelineEngine.js';
import type { RunDetail, RunsClient } from './engine/RunsClient.js';
import { PIPELINE_STAGES } from './stages.js';

/** The embedded pipeline database's folder when no database is named. */
export const DEFAULT_PIPELINE_DIR = '.fraudops/pipeline';

/** Where runs are kept: `--db`, `--schema`, and (for running) `--executor-id`. */
export interface RunsLocation {
  /** A PostgreSQL URL, or a folder (or file:// URL) of the embedded database; default DEFAULT_PIPELINE_DIR. */
  db?: string;
  schema: string;
  executorId?: string;
}

export interface RunHooks {
  /** Log lines of the running tasks, as they happen. */
  onLog?: (task: string, message: string) => void;
  /** Engine warnings worth showing (the embedded database's expected ones are dropped). */
  onWarn?: (message: string) => void;
  /** The run's id, once the engine has started (or attached to) it. */
  onStarted?: (runId: string) => void;
  /** Stops waiting: the engine closes, and the run resumes at the next start of this executor. */
  signal?: AbortSignal;
}

/**
 * The system database `db` names: a PostgreSQL server, or the embedded database in a folder (served while open).
 * In one process every opener of the same folder shares one handle, closed when the last of them closes it: a
 * second opener connecting to the first one's server would otherwise lose it when the first closes (the
 * dashboard reads runs while it retries one).
 */
export async function openPipelineDatabase(db: string | undefined): Promise<PipelineDatabase> {
  const folder = embeddedFolder(db);
  if (folder === undefined) return { url: db!, where: describeRunsLocation({ db, schema: '' }), close: async () => {} };
  return openShared(folder);
}

/** The folder of the embedded database `db` names, or undefined for a PostgreSQL server. */
function embeddedFolder(db: string | undefined): string | undefined {
  const where = db !== undefined && db !== '' ? db : DEFAULT_PIPELINE_DIR;
  if (/^postgres(ql)?:\/\//.test(where)) return undefined;
  return resolve(where.startsWith('file://') ? fileURLToPath(where) : where);
}

/** False when `db` is an embedded database folder that was never created (no run was ever kept there). */
export function pipelineDatabaseExists(db: string | undefined): boolean {
  const folder = embeddedFolder(db);
  return folder === undefined || existsSync(folder);
}

/** Where runs are kept, for people: the folder, or the server without its password. */
export function describeRunsLocation(where: RunsLocation): string {
  const folder = embeddedFolder(where.db);
  return folder ?? (where.db ?? '').replace(/\/\/[^@]*@/, '//***@');
}

const shared = new Map<string, { database: Promise<PipelineDatabase>; users: number }>();
const closing = new Map<string, Promise<void>>();

async function openShared(folder: string): Promise<PipelineDatabase> {
  let entry = shared.get(folder);
  if (!entry) {
    const before = closing.get(folder);
    const { openEmbeddedDatabase } = await import('./engine/embeddedDatabase.js');
    entry = shared.get(folder);
    if (!entry) {
      const database = (async () => {
        await before; // the last handle of this folder is still shutting its server down
        return openEmbeddedDatabase(folder);
      })();
      entry = { database, users: 0 };
      shared.set(folder, entry);
      const opened = entry;
      entry.database.catch(() => (shared.get(folder) === opened ? shared.delete(folder) : undefined));
    }
  }
  const held = entry;
  held.users++;
  let database: PipelineDatabase;
  try {
    database = await held.database;
  } catch (e) {
    held.users--;
    throw e;
  }
  let released = false;
  return {
    ...database,
    async close() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      if (shared.get(folder) === held) shared.delete(folder);
      const done = database.close();
      closing.set(folder, done);
      try {
        await done;
      } finally {
        if (closing.get(folder) === done) closing.delete(folder);
      }
    },
  };
}

/** Runs `fn` with a client of the runs kept at `where`, closing both the client and the database after. */
export async function withRunsClient<T>(where: RunsLocation, fn: (client: RunsClient) => Promise<T>): Promise<T> {
  const { RunsClient } = await import('./engine/RunsClient.js');
  const database = await openPipelineDatabase(where.db);
  try {
    const client = await RunsClient.open(database.url, where.schema);
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  } finally {
    await database.close();
  }
}

/** Runs (or attaches to) the DAG's run for a date until it ends; returns the run as `runs show` reads it. */
export async function runPipeline(where: RunsLocation, request: RunRequest, hooks: RunHooks = {}): Promise<RunDetail> {
  // A bad DAG is refused before the engine starts or a run exists.
  loadDag(dagDefinition(request.dag, request.settings), PIPELINE_STAGES);
  const database = await openPipelineDatabase(where.db);
  try {
    return await runOnDatabase(database, where, request, hooks);
  } finally {
    await database.close();
  }
}

async function runOnDatabase(database: PipelineDatabase, where: RunsLocation, request: RunRequest, hooks: RunHooks): Promise<RunDetail> {
  const { PipelineEngine } = await import('./engine/PipelineEngine.js');
  const { RunsClient } = await import('./engine/RunsClient.js');
  const engine = await PipelineEngine.open({
    databaseUrl: database.url,
    schema: where.schema,
    executorId: where.executorId,
    onLog: (_run, task, message) => hooks.onLog?.(task, message),
    onWarn: (m) => (database.expectedWarning?.test(m) ? undefined : hooks.onWarn?.(m)),
    signal: hooks.signal,
  });
  let runId: string;
  try {
    const run = await engine.start(request);
    runId = run.runId;
    hooks.onStarted?.(runId);
    const stop = () => void engine.close();
    hooks.signal?.addEventListener('abort', stop, { once: true });
    try {
      await run.wait();
    } finally {
      hooks.signal?.removeEventListener('abort', stop);
    }
  } finally {
    await engine.close();
  }
  const client = await RunsClient.open(database.url, where.schema);
  try {
    return await client.show(runId);
  } finally {
    await client.close();
  }
}

/**
 * Reruns what failed in a finished run: a new run `<run id>:retry-<n>` with the same settings and logical date,
 * which reuses the tasks that succeeded. Fails with RUN_ACTIVE while the run is still running or queued.
 */
export async function retryRun(where: RunsLocation, runId: string, hooks: RunHooks = {}): Promise<RunDetail> {
  const { input, settings, state } = await withRunsClient(where, async (c) => ({ ...(await c.settingsOf(runId)), state: (await c.show(runId)).state }));
  if (state === 'running' || state === 'queued') {
    throw new PipelineError('RUN_ACTIVE', `run ${runId} is still ${state}; cancel it first or wait for it`, { context: { runId } });
  }
  return runPipeline(where, { dag: input.dag, logicalDate: input.logicalDate, settings, retryOf: runId }, hooks);
}

/** Cancels a running run and waits up to `waitMs` for its teardown (running it here if no process does). */
export function cancelRun(where: RunsLocation, runId: string, waitMs: number, signal?: AbortSignal): Promise<RunDetail> {
  return withRunsClient(where, (c) => c.cancel(runId, waitMs, signal));
}
