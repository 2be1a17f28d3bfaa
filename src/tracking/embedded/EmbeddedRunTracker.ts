/**
 * The embedded RunTracker: experiments, runs, params, metrics, tags, dataset inputs and logged models as rows of
 * MLflow's own SQLite schema, written the way MLflow's SQL store writes them (latest_metrics kept in step, NaN as
 * is_nan, run names mirrored in the `mlflow.runName` tag), so MLflow's UI and client show them as their own.
 * Every write is one transaction; SQLite's file locks make concurrent processes safe.
 */
import { randomUUID } from 'node:crypto';
import type { KeyValue, NormalizedCreateRun, NormalizedLoggedModel } from '../BaseRunTracker.js';
import { BaseRunTracker } from '../BaseRunTracker.js';
import type { DatasetInput, Experiment, LoggedModel, LoggedModelStatus, Metric, Run, RunInfo, RunStatus, SearchRunsOptions } from '../RunTracker.js';
import { TrackingCodes, TrackingError, invalid, notFound } from '../TrackingError.js';
import { compareRuns, compileRunFilter } from '../runFilter.js';
import { currentUser, type Db } from './MlflowSqliteDb.js';

interface RunRow {
  run_uuid: string; name: string | null; status: RunStatus; start_time: number | null; end_time: number | null;
  lifecycle_stage: string; artifact_uri: string; experiment_id: number;
}
interface ExperimentRow { experiment_id: number; name: string; artifact_location: string; lifecycle_stage: string }
interface MetricRow { key: string; value: number; timestamp: number; step: number; is_nan: number }
interface LoggedModelRow {
  model_id: string; experiment_id: number; name: string; artifact_location: string; creation_timestamp_ms: number;
  status: number; model_type: string | null; source_run_id: string | null;
}

const hex = (): string => randomUUID().replace(/-/g, '');
const LOGGED_STATUS: Record<number, LoggedModelStatus> = { 1: 'PENDING', 2: 'READY', 3: 'FAILED' };

export class EmbeddedRunTracker extends BaseRunTracker {
  /** `artifactRoot`: where new experiments keep artifacts (`file:///...`, `s3://...`), as MLflow's default artifact root. */
  constructor(readonly uri: string, private readonly db: Db, private readonly artifactRoot: string) {
    super();
  }

  /** The database belongs to the Tracking that opened it; closing is its job. */
  async close(): Promise<void> {}

  // ---- experiments

  private experiment(row: ExperimentRow): Experiment {
    const tags = this.db.prepare('select "key" as key, value from experiment_tags where experiment_id = ?').all(row.experiment_id) as KeyValue[];
    return {
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: row.artifact_location,
      lifecycleStage: row.lifecycle_stage,
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
    };
  }

  protected async doGetExperimentByName(name: string): Promise<Experiment | undefined> {
    const row = this.db.prepare("select * from experiments where name = ? and workspace = 'default'").get(name) as ExperimentRow | undefined;
    return row && this.experiment(row);
  }

  protected async doCreateExperiment(name: string, tags: KeyValue[]): Promise<Experiment> {
    const create = this.db.transaction(() => {
      if (this.db.prepare("select 1 from experiments where name = ? and workspace = 'default'").get(name)) {
        throw new TrackingError(TrackingCodes.ALREADY_EXISTS, `experiment '${name}' already exists`, { context: { name } });
      }
      const id = (this.db.prepare('select coalesce(max(experiment_id), 0) + 1 from experiments').pluck().get() as number);
      const root = this.artifactRoot.replace(/\/+$/, '');
      const now = Date.now();
      this.db
        .prepare("insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) values (?, ?, ?, 'active', ?, ?, 'default')")
        .run(id, name, `${root}/${id}`, now, now);
      const tag = this.db.prepare('insert into experiment_tags ("key", value, experiment_id) values (?, ?, ?)');
      for (const t of tags) tag.run(t.key, t.value, id);
      return id;
    });
    return this.doGetExperiment(String(create.immediate()));
  }

  protected async doGetExperiment(experimentId: string): Promise<Experiment> {
    const row = /^\d+$/.test(experimentId)
      ? (this.db.prepare('select * from experiments where experiment_id = ?').get(Number(experimentId)) as ExperimentRow | undefined)
      : undefined;
    if (!row) throw notFound(`experiment ${experimentId}`, { experimentId });
    return this.experiment(row);
  }

  // ---- runs

  private runRow(runId: string): RunRow {
    const row = this.db.prepare('select * from runs where run_uuid = ?').get(runId) as RunRow | undefined;
    if (!row) throw notFound(`run ${runId}`, { runId });
    return row;
  }

  private info(row: RunRow): RunInfo {
    const info: RunInfo = {
      runId: row.run_uuid,
      experimentId: String(row.experiment_id),
      runName: row.name ?? '',
      status: row.status,
      startTime: row.start_time ?? 0,
      artifactUri: row.artifact_uri,
      lifecycleStage: row.lifecycle_stage,
    };
    if (row.end_time !== null) info.endTime = row.end_time;
    return info;
  }

  private run(row: RunRow): Run {
    const id = row.run_uuid;
    const kvs = (sql: string) => Object.fromEntries((this.db.prepare(sql).all(id) as KeyValue[]).map((r) => [r.key, r.value]));
    const latest = this.db.prepare('select "key" as key, value, is_nan from latest_metrics where run_uuid = ?').all(id) as MetricRow[];
    const inputs = this.db
      .prepare(
        "select i.input_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, d.dataset_profile from inputs i join datasets d on d.dataset_uuid = i.source_id where i.source_type = 'DATASET' and i.destination_type = 'RUN' and i.destination_id = ? order by d.name",
      )
      .all(id) as { input_uuid: string; name: string; digest: string; dataset_source_type: string; dataset_source: string; dataset_schema: string | null; dataset_profile: string | null }[];
    const inputTags = this.db.prepare('select name, value from input_tags where input_uuid = ?');
    const outputs = this.db
      .prepare("select destination_id, step from inputs where source_type = 'RUN_OUTPUT' and source_id = ? and destination_type = 'MODEL_OUTPUT'")
      .all(id) as { destination_id: string; step: number }[];
    return {
      info: this.info(row),
      data: {
        metrics: Object.fromEntries(latest.map((m) => [m.key, m.is_nan ? Number.NaN : m.value])),
        params: kvs('select "key" as key, value from params where run_uuid = ?'),
        tags: kvs('select "key" as key, value from tags where run_uuid = ?'),
      },
      inputs: inputs.map((d) => ({
        dataset: {
          name: d.name,
          digest: d.digest,
          sourceType: d.dataset_source_type,
          source: d.dataset_source,
          ...(d.dataset_schema ? { schema: d.dataset_schema } : {}),
          ...(d.dataset_profile ? { profile: d.dataset_profile } : {}),
        },
        tags: Object.fromEntries((inputTags.all(d.input_uuid) as { name: string; value: string }[]).map((t) => [t.name, t.value])),
      })),
      outputs: outputs.map((o) => ({ modelId: o.destination_id, step: o.step })),
    };
  }

  private activeRun(runId: string): RunRow {
    const row = this.runRow(runId);
    if (row.lifecycle_stage !== 'active') throw invalid(`run ${runId} is deleted`, { runId });
    return row;
  }

  protected async doCreateRun(o: NormalizedCreateRun): Promise<RunInfo> {
    const experiment = await this.doGetExperiment(o.experimentId);
    if (experiment.lifecycleStage !== 'active') throw invalid(`experiment ${experiment.experimentId} is deleted`, { experimentId: experiment.experimentId });
    const runId = hex();
    const runName = o.runName ?? `run-${runId.slice(0, 8)}`;
    const user = currentUser();
    const create = this.db.transaction(() => {
      this.db
        .prepare(
          "insert into runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) values (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, null, '', 'active', ?, ?)",
        )
        .run(runId, runName, user, o.startTime, `${experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`, Number(experiment.experimentId));
      const tag = this.db.prepare('insert or replace into tags ("key", value, run_uuid) values (?, ?, ?)');
      for (const t of o.tags) tag.run(t.key, t.value, runId);
      tag.run('mlflow.runName', runName, runId);
      tag.run('mlflow.user', user, runId);
    });
    create.immediate();
    return this.info(this.runRow(runId));
  }

  protected async doGetRun(runId: string): Promise<Run> {
    return this.run(this.runRow(runId));
  }

  protected async doUpdateRun(runId: string, status: RunStatus, endTime: number): Promise<void> {
    this.runRow(runId);
    this.db.prepare('update runs set status = ?, end_time = ? where run_uuid = ?').run(status, endTime, runId);
  }

  protected async doSearchRuns(o: Required<SearchRunsOptions>): Promise<Run[]> {
    const matches = compileRunFilter(o.filter);
    const order = compareRuns(o.orderBy);
    const ids = o.experimentIds.filter((id) => /^\d+$/.test(id)).map(Number);
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(`select * from runs where lifecycle_stage = 'active' and experiment_id in (${ids.map(() => '?').join(',')})`)
      .all(...ids) as RunRow[];
    return rows.map((r) => this.run(r)).filter(matches).sort(order).slice(0, o.maxResults);
  }

  protected async doLogBatch(runId: string, metrics: Metric[], params: KeyValue[], tags: KeyValue[]): Promise<void> {
    const log = this.db.transaction(() => {
      this.activeRun(runId);
      const oldParam = this.db.prepare('select value from params where "key" = ? and run_uuid = ?').pluck();
      const putParam = this.db.prepare('insert into params ("key", value, run_uuid) values (?, ?, ?)');
      for (const p of params) {
        const old = oldParam.get(p.key, runId) as string | undefined;
        if (old === undefined) putParam.run(p.key, p.value, runId);
        else if (old !== p.value) throw invalid(`param '${p.key}' was already logged as '${old}'; params cannot change`, { runId, key: p.key });
      }
      const putTag = this.db.prepare('insert or replace into tags ("key", value, run_uuid) values (?, ?, ?)');
      for (const t of tags) {
        putTag.run(t.key, t.value, runId);
        // MLflow keeps the run name and its tag in step.
        if (t.key === 'mlflow.runName') this.db.prepare('update runs set name = ? where run_uuid = ?').run(t.value, runId);
      }
      const putMetric = this.db.prepare('insert or ignore into metrics ("key", value, timestamp, run_uuid, step, is_nan) values (?, ?, ?, ?, ?, ?)');
      const latest = this.db.prepare('select value, timestamp, step, is_nan from latest_metrics where "key" = ? and run_uuid = ?');
      const putLatest = this.db.prepare('insert or replace into latest_metrics ("key", value, timestamp, step, is_nan, run_uuid) values (?, ?, ?, ?, ?, ?)');
      for (const m of metrics) {
        const nan = Number.isNaN(m.value);
        const value = nan ? 0 : m.value;
        putMetric.run(m.key, value, m.timestamp, runId, m.step, nan ? 1 : 0);
        const cur = latest.get(m.key, runId) as MetricRow | undefined;
        // MLflow's rule: the latest point is the greatest (step, timestamp, value).
        if (!cur || m.step > cur.step || (m.step === cur.step && (m.timestamp > cur.timestamp || (m.timestamp === cur.timestamp && value >= cur.value)))) {
          putLatest.run(m.key, value, m.timestamp, m.step, nan ? 1 : 0, runId);
        }
      }
    });
    log.immediate();
  }

  protected async doGetMetricHistory(runId: string, key: string): Promise<Metric[]> {
    this.runRow(runId);
    const rows = this.db.prepare('select "key" as key, value, timestamp, step, is_nan from metrics where run_uuid = ? and "key" = ?').all(runId, key) as MetricRow[];
    return rows.map((r) => ({ key: r.key, value: r.is_nan ? Number.NaN : r.value, timestamp: r.timestamp, step: r.step }));
  }

  protected async doLogInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    const log = this.db.transaction(() => {
      const run = this.activeRun(runId);
      for (const i of inputs) {
        const d = i.dataset;
        let datasetId = this.db
          .prepare('select dataset_uuid from datasets where experiment_id = ? and name = ? and digest = ?')
          .pluck()
          .get(run.experiment_id, d.name, d.digest) as string | undefined;
        if (!datasetId) {
          datasetId = hex();
          this.db
            .prepare('insert into datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile) values (?, ?, ?, ?, ?, ?, ?, ?)')
            .run(datasetId, run.experiment_id, d.name, d.digest, d.sourceType, d.source, d.schema ?? null, d.profile ?? null);
        }
        const exists = this.db
          .prepare("select 1 from inputs where source_type = 'DATASET' and source_id = ? and destination_type = 'RUN' and destination_id = ?")
          .get(datasetId, runId);
        if (exists) continue;
        const inputId = hex();
        this.db
          .prepare("insert into inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) values (?, 'DATASET', ?, 'RUN', ?, 0)")
          .run(inputId, datasetId, runId);
        const tag = this.db.prepare('insert into input_tags (input_uuid, name, value) values (?, ?, ?)');
        for (const [k, v] of Object.entries(i.tags ?? {})) tag.run(inputId, k, v);
      }
    });
    log.immediate();
  }

  // ---- logged models

  protected async doCreateLoggedModel(o: NormalizedLoggedModel): Promise<LoggedModel> {
    const experiment = await this.doGetExperiment(o.experimentId);
    if (o.sourceRunId) this.activeRun(o.sourceRunId);
    const modelId = `m-${hex()}`;
    const now = Date.now();
    const create = this.db.transaction(() => {
      this.db
        .prepare(
          "insert into logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id) values (?, ?, ?, ?, ?, ?, 2, 'active', ?, ?)",
        )
        .run(modelId, Number(experiment.experimentId), o.name, `${experiment.artifactLocation.replace(/\/+$/, '')}/models/${modelId}/artifacts`, now, now, o.modelType ?? null, o.sourceRunId ?? null);
      const param = this.db.prepare('insert into logged_model_params (model_id, experiment_id, param_key, param_value) values (?, ?, ?, ?)');
      for (const p of o.params) param.run(modelId, Number(experiment.experimentId), p.key, p.value);
      const tag = this.db.prepare('insert into logged_model_tags (model_id, experiment_id, tag_key, tag_value) values (?, ?, ?, ?)');
      for (const t of o.tags) tag.run(modelId, Number(experiment.experimentId), t.key, t.value);
      if (o.sourceRunId) {
        this.db
          .prepare("insert into inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) values (?, 'RUN_OUTPUT', ?, 'MODEL_OUTPUT', ?, 0)")
          .run(hex(), o.sourceRunId, modelId);
      }
    });
    create.immediate();
    return this.doGetLoggedModel(modelId);
  }

  protected async doGetLoggedModel(modelId: string): Promise<LoggedModel> {
    const row = this.db.prepare('select * from logged_models where model_id = ?').get(modelId) as LoggedModelRow | undefined;
    if (!row) throw notFound(`logged model ${modelId}`, { modelId });
    const params = this.db.prepare('select param_key as key, param_value as value from logged_model_params where model_id = ?').all(modelId) as KeyValue[];
    const tags = this.db.prepare('select tag_key as key, tag_value as value from logged_model_tags where model_id = ?').all(modelId) as KeyValue[];
    return {
      modelId,
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: row.artifact_location,
      status: LOGGED_STATUS[row.status] ?? 'PENDING',
      ...(row.source_run_id ? { sourceRunId: row.source_run_id } : {}),
      ...(row.model_type ? { modelType: row.model_type } : {}),
      params: Object.fromEntries(params.map((p) => [p.key, p.value])),
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
      creationTimestamp: row.creation_timestamp_ms,
    };
  }
}
