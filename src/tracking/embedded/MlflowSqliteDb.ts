/**
 * The embedded store's database: a SQLite file in MLflow's own schema (generated from MLflow by
 * scripts/dev/mlflow-sqlite-schema.sh), so `mlflow ui --backend-store-uri sqlite:///<file>` and MLflow's Python
 * client open what fraudops writes, and `mlflow db upgrade` carries it to newer MLflow versions.
 * Opening checks what is there before writing anything: an empty or missing file gets the schema, an MLflow
 * database must be at our revision, anything else (a regular file, the 0.1 JSON layout) is a clear error.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { userInfo } from 'node:os';
import Database from 'better-sqlite3';
import { TrackingCodes, TrackingError } from '../TrackingError.js';
import { MLFLOW_SCHEMA, MLFLOW_SCHEMA_REVISION, MLFLOW_SCHEMA_VERSION } from './mlflowSchema.js';

export type Db = Database.Database;

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Opens (creating if needed) the MLflow SQLite database at `file`; `artifactRoot` seeds the Default experiment. */
export async function openMlflowSqlite(file: string, artifactRoot: string): Promise<Db> {
  const st = statOrUndefined(file);
  if (st && !st.isFile()) throw formatError(file, 'is not a regular file');
  if (st && st.size > 0 && readMagic(file) !== SQLITE_MAGIC) {
    throw formatError(file, 'is not an SQLite database; pass the directory of an embedded store, or sqlite:///path/to/mlflow.db');
  }
  await mkdir(dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file);
  } catch (e) {
    throw formatError(file, `cannot be opened (${(e as Error).message})`, e);
  }
  try {
    db.pragma('busy_timeout = 15000');
    db.pragma('journal_mode = WAL');
    ensureSchema(db, file, artifactRoot);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function ensureSchema(db: Db, file: string, artifactRoot: string): void {
  const create = db.transaction(() => {
    const tables = db.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[];
    if (tables.length === 0) {
      for (const ddl of MLFLOW_SCHEMA) db.exec(ddl);
      db.prepare('insert into alembic_version (version_num) values (?)').run(MLFLOW_SCHEMA_REVISION);
      db.prepare("insert into workspaces (name, description) values ('default', 'Default workspace for legacy resources')").run();
      const now = Date.now();
      db.prepare(
        "insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) values (0, 'Default', ?, 'active', ?, ?, 'default')",
      ).run(`${artifactRoot.replace(/\/+$/, '')}/0`, now, now);
      return;
    }
    if (!tables.includes('alembic_version') || !tables.includes('runs')) {
      throw formatError(file, 'is an SQLite database, but not an MLflow tracking store');
    }
    const revision = db.prepare('select version_num from alembic_version').pluck().get() as string | undefined;
    if (revision !== MLFLOW_SCHEMA_REVISION) {
      throw formatError(
        file,
        `has MLflow schema revision ${revision ?? 'none'}; this fraudops writes revision ${MLFLOW_SCHEMA_REVISION} (MLflow ${MLFLOW_SCHEMA_VERSION}). ` +
          'A store upgraded by a newer MLflow needs a newer fraudops; an older one: `mlflow db upgrade sqlite:///<file>`',
      );
    }
  });
  create.immediate();
}

/** The OS user, as MLflow records it in `runs.user_id` and the `mlflow.user` tag. */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function statOrUndefined(file: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function readMagic(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

export function formatError(file: string, why: string, cause?: unknown): TrackingError {
  return new TrackingError(TrackingCodes.STORE_FORMAT, `tracking store ${file} ${why}`, { context: { file }, cause });
}
