/**
 * Carries a fraudops 0.1 embedded store (JSON files: experiments/, runs/<id>/run.json + metrics.jsonl, models/)
 * into MLflow's SQLite schema in the same directory, keeping every id, name, param, tag, metric point, version,
 * alias and timestamp. Artifacts stay where they are: runs keep their `file://.../runs/<id>/artifacts` URIs and
 * versions their sources, so nothing is copied and nothing old is deleted. One transaction: a failure leaves no
 * database behind, and the directory opens as before (refused, 0.1 layout).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TrackingCodes, TrackingError } from '../TrackingError.js';
import { currentUser, openMlflowSqlite } from './MlflowSqliteDb.js';

interface LegacyExperiment { experimentId: string; name: string; artifactLocation: string; lifecycleStage: string; tags?: Record<string, string> }
interface LegacyRun {
  info: { runId: string; experimentId: string; runName: string; status: string; startTime: number; endTime?: number; artifactUri: string; lifecycleStage: string };
  params: Record<string, string>;
  tags: Record<string, string>;
}
interface LegacyModel { name: string; description?: string; tags?: Record<string, string>; aliases?: Record<string, string>; creationTimestamp: number; lastUpdatedTimestamp: number }
interface LegacyVersion { name: string; version: string; source: string; runId?: string; status?: string; description?: string; tags?: Record<string, string>; creationTimestamp: number }

export interface MigrationReport {
  dir: string;
  database: string;
  experiments: number;
  runs: number;
  metricPoints: number;
  registeredModels: number;
  versions: number;
  aliases: number;
}

const json = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const list = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

/** Migrates the 0.1 store in `dir`; fails with TRACKING_STORE_FORMAT when `dir` is not one or is already migrated. */
export async function migrateLegacyStore(dir: string): Promise<MigrationReport> {
  const database = join(dir, 'mlflow.db');
  if (existsSync(database)) throw new TrackingError(TrackingCodes.STORE_FORMAT, `${dir} already has ${database}; nothing to migrate`, { context: { file: database } });
  if (!list(join(dir, 'experiments')).some((f) => f.endsWith('.json'))) {
    throw new TrackingError(TrackingCodes.STORE_FORMAT, `${dir} holds no fraudops 0.1 store (no experiments/*.json)`, { context: { file: dir } });
  }
  const db = await openMlflowSqlite(database, pathToFileURL(join(dir, 'artifacts')).href);
  const report: MigrationReport = { dir, database, experiments: 0, runs: 0, metricPoints: 0, registeredModels: 0, versions: 0, aliases: 0 };
  try {
    db.transaction(() => {
      for (const f of list(join(dir, 'experiments')).filter((x) => x.endsWith('.json'))) {
        const e = json<LegacyExperiment>(join(dir, 'experiments', f));
        const now = Date.now();
        db.prepare("insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) values (?, ?, ?, ?, ?, ?, 'default')").run(
          Number(e.experimentId),
          e.lifecycleStage === 'deleted' ? `${e.name} (deleted ${e.experimentId})` : e.name,
          e.artifactLocation,
          e.lifecycleStage === 'deleted' ? 'deleted' : 'active',
          now,
          now,
        );
        for (const [k, v] of Object.entries(e.tags ?? {})) db.prepare('insert into experiment_tags ("key", value, experiment_id) values (?, ?, ?)').run(k, v, Number(e.experimentId));
        report.experiments++;
      }
      for (const id of list(join(dir, 'runs'))) {
        const file = join(dir, 'runs', id, 'run.json');
        if (!existsSync(file)) continue;
        const r = json<LegacyRun>(file);
        const i = r.info;
        db.prepare(
          "insert into runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) values (?, ?, 'UNKNOWN', '', '', ?, ?, ?, ?, '', ?, ?, ?)",
        ).run(i.runId, i.runName, currentUser(), i.status, i.startTime, i.endTime ?? null, i.lifecycleStage === 'deleted' ? 'deleted' : 'active', i.artifactUri, Number(i.experimentId));
        for (const [k, v] of Object.entries(r.params)) db.prepare('insert into params ("key", value, run_uuid) values (?, ?, ?)').run(k, v, i.runId);
        for (const [k, v] of Object.entries(r.tags)) db.prepare('insert or replace into tags ("key", value, run_uuid) values (?, ?, ?)').run(k, v, i.runId);
        const metricsFile = join(dir, 'runs', id, 'metrics.jsonl');
        const latest = new Map<string, { value: number; timestamp: number; step: number; nan: boolean }>();
        for (const line of existsSync(metricsFile) ? readFileSync(metricsFile, 'utf8').split('\n') : []) {
          if (line.trim() === '') continue;
          const m = JSON.parse(line) as { key: string; value: number | 'NaN'; timestamp: number; step: number };
          const nan = m.value === 'NaN';
          const value = nan ? 0 : (m.value as number);
          db.prepare('insert or ignore into metrics ("key", value, timestamp, run_uuid, step, is_nan) values (?, ?, ?, ?, ?, ?)').run(m.key, value, m.timestamp, i.runId, m.step, nan ? 1 : 0);
          const cur = latest.get(m.key);
          if (!cur || m.step > cur.step || (m.step === cur.step && m.timestamp >= cur.timestamp)) latest.set(m.key, { value, timestamp: m.timestamp, step: m.step, nan });
          report.metricPoints++;
        }
        for (const [k, m] of latest) {
          db.prepare('insert into latest_metrics ("key", value, timestamp, step, is_nan, run_uuid) values (?, ?, ?, ?, ?, ?)').run(k, m.value, m.timestamp, m.step, m.nan ? 1 : 0, i.runId);
        }
        report.runs++;
      }
      for (const enc of list(join(dir, 'models'))) {
        const file = join(dir, 'models', enc, 'model.json');
        if (!existsSync(file)) continue;
        const m = json<LegacyModel>(file);
        db.prepare("insert into registered_models (name, creation_time, last_updated_time, description, workspace) values (?, ?, ?, ?, 'default')").run(m.name, m.creationTimestamp, m.lastUpdatedTimestamp, m.description ?? '');
        for (const [k, v] of Object.entries(m.tags ?? {})) db.prepare("insert into registered_model_tags (\"key\", value, name, workspace) values (?, ?, ?, 'default')").run(k, v, m.name);
        report.registeredModels++;
        for (const vf of list(join(dir, 'models', enc, 'versions')).filter((x) => /^\d+\.json$/.test(x))) {
          const v = json<LegacyVersion>(join(dir, 'models', enc, 'versions', vf));
          db.prepare(
            "insert into model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link, storage_location, workspace) values (?, ?, ?, ?, ?, ?, 'None', ?, ?, ?, null, null, ?, 'default')",
          ).run(m.name, Number(v.version), v.creationTimestamp, v.creationTimestamp, v.description ?? '', currentUser(), v.source, v.runId ?? null, v.status ?? 'READY', v.source);
          for (const [k, t] of Object.entries(v.tags ?? {})) db.prepare("insert into model_version_tags (\"key\", value, name, version, workspace) values (?, ?, ?, ?, 'default')").run(k, t, m.name, Number(v.version));
          report.versions++;
        }
        for (const [alias, version] of Object.entries(m.aliases ?? {})) {
          db.prepare("insert into registered_model_aliases (alias, version, name, workspace) values (?, ?, ?, 'default')").run(alias, Number(version), m.name);
          report.aliases++;
        }
      }
    }).immediate();
  } catch (e) {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });
    throw new TrackingError(TrackingCodes.STORE_FORMAT, `${dir}: the 0.1 store could not be migrated (${(e as Error).message}); nothing was changed`, { context: { file: dir }, cause: e });
  }
  db.close();
  return report;
}
