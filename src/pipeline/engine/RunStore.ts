/**
 * What `runs show` and `runs logs` read: one row per task of every run (state, attempts, times, error, output)
 * and the runs' log lines, in two tables beside the workflow engine's own, in the same PostgreSQL schema. The
 * run body writes them as it goes; writes are upserts keyed by (run, task), so a replayed run rewrites the same rows.
 */
import pg from 'pg';
import type { TaskRecord } from '../executeDag.js';

export interface LogLine {
  at: number;
  task: string;
  message: string;
}

export class RunStore {
  private pending: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  static async open(pool: pg.Pool, schema: string): Promise<RunStore> {
    const store = new RunStore(pool, schema);
    return store;
  }

  /** Creates the tables (idempotent); callers serialize it with the schema migration. */
  static async migrate(client: pg.ClientBase, schema: string): Promise<void> {
    const s = quoteIdent(schema);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.fraudops_tasks (
      run_id text NOT NULL, task text NOT NULL, idx integer NOT NULL, stage text NOT NULL, state text NOT NULL,
      attempts integer NOT NULL, started_at bigint, finished_at bigint, error jsonb, output jsonb, reason text,
      PRIMARY KEY (run_id, task))`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.fraudops_logs (
      id bigserial PRIMARY KEY, run_id text NOT NULL, task text NOT NULL, at bigint NOT NULL, message text NOT NULL)`);
    await client.query(`CREATE INDEX IF NOT EXISTS fraudops_logs_run ON ${s}.fraudops_logs (run_id, id)`);
  }

  async record(runId: string, r: TaskRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${quoteIdent(this.schema)}.fraudops_tasks (run_id, task, idx, stage, state, attempts, started_at, finished_at, error, output, reason)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
       ON CONFLICT (run_id, task) DO UPDATE SET idx = EXCLUDED.idx, stage = EXCLUDED.stage, state = EXCLUDED.state,
         attempts = EXCLUDED.attempts, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
         error = EXCLUDED.error, output = EXCLUDED.output, reason = EXCLUDED.reason`,
      [runId, r.task, r.index, r.stage, r.state, r.attempts, r.startedAt ?? null, r.finishedAt ?? null, r.error ? JSON.stringify(r.error) : null, r.output ? JSON.stringify(r.output) : null, r.reason ?? null],
    );
  }

  async tasks(runId: string): Promise<TaskRecord[]> {
    const { rows } = await this.pool.query(`SELECT * FROM ${quoteIdent(this.schema)}.fraudops_tasks WHERE run_id = $1 ORDER BY idx`, [runId]);
    return rows.map((row) => ({
      task: row.task,
      stage: row.stage,
      index: row.idx,
      state: row.state,
      attempts: row.attempts,
      ...(row.started_at !== null ? { startedAt: Number(row.started_at) } : {}),
      ...(row.finished_at !== null ? { finishedAt: Number(row.finished_at) } : {}),
      ...(row.error ? { error: row.error } : {}),
      ...(row.output ? { output: row.output } : {}),
      ...(row.reason !== null ? { reason: row.reason } : {}),
    }));
  }

  /** Queues a log line; `flush` waits for every queued line. Logging never fails a task. */
  log(runId: string, task: string, message: string): void {
    const at = Date.now();
    this.pending = this.pending
      .then(() => this.pool.query(`INSERT INTO ${quoteIdent(this.schema)}.fraudops_logs (run_id, task, at, message) VALUES ($1,$2,$3,$4)`, [runId, task, at, message]))
      .catch(() => {});
  }

  async flush(): Promise<void> {
    await this.pending;
  }

  async logs(runId: string, afterId = 0): Promise<(LogLine & { id: number })[]> {
    const { rows } = await this.pool.query(`SELECT id, task, at, message FROM ${quoteIdent(this.schema)}.fraudops_logs WHERE run_id = $1 AND id > $2 ORDER BY id`, [runId, afterId]);
    return rows.map((r) => ({ id: Number(r.id), task: r.task, at: Number(r.at), message: r.message }));
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
