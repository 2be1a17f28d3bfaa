/**
 * The MLflow backend: a thin client of the MLflow 2.x/3.x REST API (`api/2.0/mlflow/...`). Each store operation
 * is one request (or a page loop); artifacts go through the server's artifact proxy
 * (`api/2.0/mlflow-artifacts/artifacts/...`), so the client needs no S3 credentials — the server must run with
 * `--serve-artifacts` so runs get `mlflow-artifacts:/` URIs.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ArtifactBody, KeyValue, NormalizedCreateRun, NormalizedCreateVersion } from './BaseTracker.js';
import { BaseTracker } from './BaseTracker.js';
import { MlflowHttp, wireNumber, type MlflowHttpOptions } from './MlflowHttp.js';
import type {
  ArtifactInfo,
  Experiment,
  Metric,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  Run,
  RunInfo,
  RunStatus,
  SearchRunsOptions,
} from './Tracker.js';
import { TrackingCodes, TrackingError, invalid, notFound } from './TrackingError.js';

interface WireKV { key: string; value: string }
interface WireExperiment { experiment_id: string; name: string; artifact_location?: string; lifecycle_stage?: string; tags?: WireKV[] }
interface WireRunInfo {
  run_id: string; experiment_id: string; run_name?: string; status: RunStatus; start_time?: number | string;
  end_time?: number | string; artifact_uri?: string; lifecycle_stage?: string;
}
interface WireMetric { key: string; value: unknown; timestamp?: number | string; step?: number | string }
interface WireRun { info: WireRunInfo; data?: { metrics?: WireMetric[]; params?: WireKV[]; tags?: WireKV[] } }
interface WireModel {
  name: string; description?: string; tags?: WireKV[]; aliases?: { alias: string; version: string }[];
  creation_timestamp?: number | string; last_updated_timestamp?: number | string;
}
interface WireVersion {
  name: string; version: string; source?: string; run_id?: string; status?: ModelVersionStatus; description?: string;
  tags?: WireKV[]; aliases?: string[]; creation_timestamp?: number | string;
}

const PAGE = 1000;

export class MlflowTracker extends BaseTracker {
  readonly uri: string;
  private readonly http: MlflowHttp;

  private constructor(uri: string, options: MlflowHttpOptions) {
    super();
    this.uri = uri.replace(/\/+$/, '');
    this.http = new MlflowHttp(this.uri, options);
  }

  /**
   * Connects to an MLflow server, checking that it answers (TRACKING_UNAVAILABLE when it does not).
   * Credentials default to MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD.
   */
  static async create(uri: string, options: MlflowHttpOptions & { probe?: boolean } = {}): Promise<MlflowTracker> {
    const env = process.env;
    const tracker = new MlflowTracker(uri, {
      token: options.token ?? env.MLFLOW_TRACKING_TOKEN,
      username: options.username ?? env.MLFLOW_TRACKING_USERNAME,
      password: options.password ?? env.MLFLOW_TRACKING_PASSWORD,
      timeoutMs: options.timeoutMs,
      artifactTimeoutMs: options.artifactTimeoutMs,
    });
    if (options.probe !== false) await tracker.http.send('POST', 'experiments/search', { max_results: 1 });
    return tracker;
  }

  async close(): Promise<void> {}

  // ---- experiments

  protected async doGetExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const res = await this.http.get<{ experiment: WireExperiment }>('experiments/get-by-name', { experiment_name: name });
      return experiment(res.experiment);
    } catch (e) {
      if (e instanceof TrackingError && e.code === TrackingCodes.NOT_FOUND) return undefined;
      throw e;
    }
  }

  protected async doCreateExperiment(name: string, tags: KeyValue[]): Promise<Experiment> {
    const res = await this.http.send<{ experiment_id: string }>('POST', 'experiments/create', { name, tags });
    return this.doGetExperiment(res.experiment_id);
  }

  protected async doGetExperiment(experimentId: string): Promise<Experiment> {
    const res = await this.http.get<{ experiment: WireExperiment }>('experiments/get', { experiment_id: experimentId });
    return experiment(res.experiment);
  }

  // ---- runs

  protected async doCreateRun(o: NormalizedCreateRun): Promise<RunInfo> {
    const res = await this.http.send<{ run: WireRun }>('POST', 'runs/create', {
      experiment_id: o.experimentId,
      run_name: o.runName,
      start_time: o.startTime,
      tags: o.tags,
    });
    return runInfo(res.run.info);
  }

  protected async doGetRun(runId: string): Promise<Run> {
    const res = await this.http.get<{ run: WireRun }>('runs/get', { run_id: runId });
    return run(res.run);
  }

  protected async doUpdateRun(runId: string, status: RunStatus, endTime: number): Promise<void> {
    await this.http.send('POST', 'runs/update', { run_id: runId, status, end_time: endTime });
  }

  protected async doSearchRuns(o: Required<SearchRunsOptions>): Promise<Run[]> {
    const out: Run[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.http.send<{ runs?: WireRun[]; next_page_token?: string }>('POST', 'runs/search', {
        experiment_ids: o.experimentIds,
        filter: o.filter || undefined,
        order_by: o.orderBy.length > 0 ? o.orderBy : undefined,
        run_view_type: 'ACTIVE_ONLY',
        max_results: Math.min(PAGE, o.maxResults - out.length),
        page_token: pageToken,
      });
      out.push(...(res.runs ?? []).map(run));
      pageToken = res.next_page_token || undefined;
    } while (pageToken && out.length < o.maxResults);
    return out;
  }

  protected async doLogBatch(runId: string, metrics: Metric[], params: KeyValue[], tags: KeyValue[]): Promise<void> {
    await this.http.send('POST', 'runs/log-batch', { run_id: runId, metrics, params, tags });
  }

  protected async doGetMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.http.get<{ metrics?: WireMetric[]; next_page_token?: string }>('metrics/get-history', {
        run_id: runId,
        metric_key: key,
        max_results: 25_000,
        page_token: pageToken,
      });
      out.push(...(res.metrics ?? []).map(metric));
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    // The server answers an unknown run with an empty history; the contract says RESOURCE_NOT_FOUND.
    if (out.length === 0) await this.doGetRun(runId);
    return out;
  }

  // ---- artifacts (through the server's proxy)

  private artifactUrlPath(run: RunInfo, path: string): string {
    const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(run.artifactUri);
    if (!m) {
      throw invalid(`run ${run.runId} stores artifacts at ${run.artifactUri}, which this client cannot reach; ` +
        'start the MLflow server with --serve-artifacts', { runId: run.runId, uri: this.uri });
    }
    const full = [m[1].replace(/\/+$/, ''), path].filter(Boolean).join('/');
    return full.split('/').map(encodeURIComponent).join('/');
  }

  protected async doPutArtifact(run: RunInfo, path: string, body: ArtifactBody): Promise<void> {
    const url = `api/2.0/mlflow-artifacts/artifacts/${this.artifactUrlPath(run, path)}`;
    const payload = 'bytes' in body ? body.bytes : (Readable.toWeb(createReadStream(body.file)) as ReadableStream);
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if ('file' in body) headers['content-length'] = String(body.size);
    const res = await this.http.request('PUT', url, {
      body: payload as RequestInit['body'],
      headers,
      timeoutMs: this.http.artifactTimeoutMs,
    });
    await res.arrayBuffer();
  }

  protected async doListArtifacts(run: RunInfo, path: string): Promise<ArtifactInfo[]> {
    const query = new URLSearchParams({ path: decodeURIComponent(this.artifactUrlPath(run, path)) });
    const res = await this.http.request('GET', `api/2.0/mlflow-artifacts/artifacts?${query.toString()}`);
    const body = (await res.json()) as { files?: { path: string; is_dir?: boolean; file_size?: number | string }[] };
    return (body.files ?? []).map((f) => ({
      path: path ? `${path}/${f.path}` : f.path,
      isDir: Boolean(f.is_dir),
      ...(f.is_dir ? {} : { size: Number(f.file_size ?? 0) }),
    }));
  }

  protected async doGetArtifact(run: RunInfo, path: string): Promise<Buffer> {
    try {
      const res = await this.http.request('GET', `api/2.0/mlflow-artifacts/artifacts/${this.artifactUrlPath(run, path)}`, {
        timeoutMs: this.http.artifactTimeoutMs,
      });
      return Buffer.from(await res.arrayBuffer());
    } catch (e) {
      // The proxy reports a missing object as a server error from the object store; ask the listing instead.
      if (e instanceof TrackingError && e.code !== TrackingCodes.UNAVAILABLE && !(await this.artifactExists(run, path))) {
        throw notFound(`artifact ${path}`, { runId: run.runId, path });
      }
      throw e;
    }
  }

  private async artifactExists(run: RunInfo, path: string): Promise<boolean> {
    const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    const items = await this.doListArtifacts(run, parent).catch(() => []);
    return items.some((i) => i.path === path && !i.isDir);
  }

  // ---- model registry

  protected async doCreateRegisteredModel(name: string, description: string, tags: KeyValue[]): Promise<RegisteredModel> {
    const res = await this.http.send<{ registered_model: WireModel }>('POST', 'registered-models/create', { name, description, tags });
    return registeredModel(res.registered_model);
  }

  protected async doGetRegisteredModel(name: string): Promise<RegisteredModel> {
    const res = await this.http.get<{ registered_model: WireModel }>('registered-models/get', { name });
    return registeredModel(res.registered_model);
  }

  protected async doCreateModelVersion(o: NormalizedCreateVersion): Promise<ModelVersion> {
    const res = await this.http.send<{ model_version: WireVersion }>('POST', 'model-versions/create', {
      name: o.name,
      source: o.source,
      run_id: o.runId,
      tags: o.tags,
      description: o.description,
    });
    return modelVersion(res.model_version);
  }

  protected async doGetModelVersion(name: string, version: string): Promise<ModelVersion> {
    const res = await this.http.get<{ model_version: WireVersion }>('model-versions/get', { name, version });
    return modelVersion(res.model_version);
  }

  protected async doSetModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void> {
    await this.http.send('POST', 'model-versions/set-tag', { name, version, key: tag.key, value: tag.value });
  }

  protected async doSetAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.send('POST', 'registered-models/alias', { name, alias, version });
  }

  protected async doDeleteAlias(name: string, alias: string): Promise<void> {
    await this.http.send('DELETE', 'registered-models/alias', { name, alias });
  }

  protected async doGetModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    try {
      const res = await this.http.get<{ model_version: WireVersion }>('registered-models/alias', { name, alias });
      return modelVersion(res.model_version);
    } catch (e) {
      // MLflow answers an unset alias with INVALID_PARAMETER_VALUE; report it as the missing resource it is.
      if (!(e instanceof TrackingError && e.code === TrackingCodes.INVALID_PARAMETER)) throw e;
      const model = await this.doGetRegisteredModel(name);
      if (model.aliases[alias] === undefined) throw notFound(`alias '${alias}' of model '${name}'`, { model: name, alias });
      throw e;
    }
  }
}

const num = (v: number | string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
const kv = (items: WireKV[] | undefined): Record<string, string> => Object.fromEntries((items ?? []).map((t) => [t.key, t.value]));

function experiment(w: WireExperiment): Experiment {
  return {
    experimentId: String(w.experiment_id),
    name: w.name,
    artifactLocation: w.artifact_location ?? '',
    lifecycleStage: w.lifecycle_stage ?? 'active',
    tags: kv(w.tags),
  };
}

function runInfo(w: WireRunInfo): RunInfo {
  const info: RunInfo = {
    runId: w.run_id,
    experimentId: String(w.experiment_id),
    runName: w.run_name ?? '',
    status: w.status,
    startTime: num(w.start_time) ?? 0,
    artifactUri: w.artifact_uri ?? '',
    lifecycleStage: w.lifecycle_stage ?? 'active',
  };
  const end = num(w.end_time);
  if (end !== undefined) info.endTime = end;
  return info;
}

function metric(w: WireMetric): Metric {
  return { key: w.key, value: wireNumber(w.value), timestamp: num(w.timestamp) ?? 0, step: num(w.step) ?? 0 };
}

function run(w: WireRun): Run {
  return {
    info: runInfo(w.info),
    data: {
      metrics: Object.fromEntries((w.data?.metrics ?? []).map((m) => [m.key, wireNumber(m.value)])),
      params: kv(w.data?.params),
      tags: kv(w.data?.tags),
    },
  };
}

function registeredModel(w: WireModel): RegisteredModel {
  return {
    name: w.name,
    description: w.description ?? '',
    tags: kv(w.tags),
    aliases: Object.fromEntries((w.aliases ?? []).map((a) => [a.alias, String(a.version)])),
    creationTimestamp: num(w.creation_timestamp) ?? 0,
    lastUpdatedTimestamp: num(w.last_updated_timestamp) ?? 0,
  };
}

function modelVersion(w: WireVersion): ModelVersion {
  return {
    name: w.name,
    version: String(w.version),
    source: w.source ?? '',
    ...(w.run_id ? { runId: w.run_id } : {}),
    status: w.status ?? 'READY',
    description: w.description ?? '',
    tags: kv(w.tags),
    aliases: [...(w.aliases ?? [])].sort(),
    creationTimestamp: num(w.creation_timestamp) ?? 0,
  };
}
