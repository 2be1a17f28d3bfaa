/**
 * The embedded ModelRegistry: registered models, versions, aliases and version tags as rows of MLflow's SQLite
 * schema (workspace `default`), next to the runs in the same file. Version numbers are claimed inside an
 * immediate transaction, so concurrent registrations from several processes never share a number.
 */
import type { KeyValue } from '../BaseRunTracker.js';
import { BaseModelRegistry, type NormalizedCreateVersion } from '../BaseModelRegistry.js';
import type { ModelVersion, ModelVersionStatus, RegisteredModel } from '../ModelRegistry.js';
import { TrackingCodes, TrackingError, notFound } from '../TrackingError.js';
import { currentUser, type Db } from './MlflowSqliteDb.js';

interface ModelRow { name: string; creation_time: number; last_updated_time: number; description: string | null }
interface VersionRow {
  name: string; version: number; creation_time: number; description: string | null; source: string | null;
  run_id: string | null; status: ModelVersionStatus | null;
}

const WS = 'default';

export class EmbeddedModelRegistry extends BaseModelRegistry {
  constructor(readonly uri: string, private readonly db: Db) {
    super();
  }

  /** The database belongs to the Tracking that opened it; closing is its job. */
  async close(): Promise<void> {}

  private modelRow(name: string): ModelRow {
    const row = this.db.prepare('select * from registered_models where workspace = ? and name = ?').get(WS, name) as ModelRow | undefined;
    if (!row) throw notFound(`registered model '${name}'`, { model: name });
    return row;
  }

  private aliases(name: string): Record<string, string> {
    const rows = this.db.prepare('select alias, version from registered_model_aliases where workspace = ? and name = ? order by alias').all(WS, name) as { alias: string; version: number }[];
    return Object.fromEntries(rows.map((r) => [r.alias, String(r.version)]));
  }

  private model(row: ModelRow): RegisteredModel {
    const tags = this.db.prepare('select "key" as key, value from registered_model_tags where workspace = ? and name = ?').all(WS, row.name) as KeyValue[];
    return {
      name: row.name,
      description: row.description ?? '',
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
      aliases: this.aliases(row.name),
      creationTimestamp: row.creation_time,
      lastUpdatedTimestamp: row.last_updated_time,
    };
  }

  private version(row: VersionRow): ModelVersion {
    const tags = this.db
      .prepare('select "key" as key, value from model_version_tags where workspace = ? and name = ? and version = ?')
      .all(WS, row.name, row.version) as KeyValue[];
    const aliases = Object.entries(this.aliases(row.name)).filter(([, v]) => v === String(row.version)).map(([a]) => a).sort();
    return {
      name: row.name,
      version: String(row.version),
      source: row.source ?? '',
      ...(row.run_id ? { runId: row.run_id } : {}),
      status: row.status ?? 'READY',
      description: row.description ?? '',
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
      aliases,
      creationTimestamp: row.creation_time,
    };
  }

  private versionRow(name: string, version: string): VersionRow {
    this.modelRow(name);
    const row = this.db.prepare('select * from model_versions where workspace = ? and name = ? and version = ?').get(WS, name, Number(version)) as VersionRow | undefined;
    if (!row) throw notFound(`model version ${name}/${version}`, { model: name, version });
    return row;
  }

  private touch(name: string): void {
    this.db.prepare('update registered_models set last_updated_time = ? where workspace = ? and name = ?').run(Date.now(), WS, name);
  }

  protected async doCreateRegisteredModel(name: string, description: string, tags: KeyValue[]): Promise<RegisteredModel> {
    const create = this.db.transaction(() => {
      if (this.db.prepare('select 1 from registered_models where workspace = ? and name = ?').get(WS, name)) {
        throw new TrackingError(TrackingCodes.ALREADY_EXISTS, `registered model '${name}' already exists`, { context: { model: name } });
      }
      const now = Date.now();
      this.db.prepare('insert into registered_models (name, creation_time, last_updated_time, description, workspace) values (?, ?, ?, ?, ?)').run(name, now, now, description, WS);
      const tag = this.db.prepare('insert into registered_model_tags ("key", value, name, workspace) values (?, ?, ?, ?)');
      for (const t of tags) tag.run(t.key, t.value, name, WS);
    });
    create.immediate();
    return this.model(this.modelRow(name));
  }

  protected async doGetRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.model(this.modelRow(name));
  }

  protected async doCreateModelVersion(o: NormalizedCreateVersion): Promise<ModelVersion> {
    if (o.runId && !this.db.prepare('select 1 from runs where run_uuid = ?').get(o.runId)) throw notFound(`run ${o.runId}`, { runId: o.runId });
    const create = this.db.transaction(() => {
      this.modelRow(o.name);
      const n = this.db.prepare('select coalesce(max(version), 0) + 1 from model_versions where workspace = ? and name = ?').pluck().get(WS, o.name) as number;
      const now = Date.now();
      this.db
        .prepare(
          "insert into model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link, storage_location, workspace) values (?, ?, ?, ?, ?, ?, 'None', ?, ?, 'READY', null, null, ?, ?)",
        )
        .run(o.name, n, now, now, o.description, currentUser(), o.source, o.runId ?? null, o.source, WS);
      const tag = this.db.prepare('insert into model_version_tags ("key", value, name, version, workspace) values (?, ?, ?, ?, ?)');
      for (const t of o.tags) tag.run(t.key, t.value, o.name, n, WS);
      this.touch(o.name);
      return n;
    });
    const n = create.immediate();
    return this.version(this.versionRow(o.name, String(n)));
  }

  protected async doGetModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.version(this.versionRow(name, version));
  }

  protected async doSearchModelVersions(name: string): Promise<ModelVersion[]> {
    this.modelRow(name);
    const rows = this.db.prepare('select * from model_versions where workspace = ? and name = ?').all(WS, name) as VersionRow[];
    return rows.map((r) => this.version(r));
  }

  protected async doSetModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void> {
    const set = this.db.transaction(() => {
      this.versionRow(name, version);
      this.db
        .prepare('insert or replace into model_version_tags ("key", value, name, version, workspace) values (?, ?, ?, ?, ?)')
        .run(tag.key, tag.value, name, Number(version), WS);
    });
    set.immediate();
  }

  protected async doSetAlias(name: string, alias: string, version: string): Promise<void> {
    const set = this.db.transaction(() => {
      this.versionRow(name, version);
      this.db.prepare('insert or replace into registered_model_aliases (alias, version, name, workspace) values (?, ?, ?, ?)').run(alias, Number(version), name, WS);
      this.touch(name);
    });
    set.immediate();
  }

  protected async doDeleteAlias(name: string, alias: string): Promise<void> {
    const del = this.db.transaction(() => {
      this.modelRow(name);
      this.db.prepare('delete from registered_model_aliases where workspace = ? and name = ? and alias = ?').run(WS, name, alias);
      this.touch(name);
    });
    del.immediate();
  }

  protected async doGetModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    this.modelRow(name);
    const version = this.aliases(name)[alias];
    if (version === undefined) throw notFound(`alias '${alias}' of model '${name}'`, { model: name, alias });
    return this.version(this.versionRow(name, version));
  }
}
