/**
 * The experiment-tracking and model-registry seam. Training and validation record runs (params, metrics,
 * tags, artifacts) and register model versions through this interface only, so the same code runs against the
 * server-less embedded store (local files) and a real MLflow tracking server. Pick a backend with
 * `openTracker(uri)`; every backend passes the suite in `Tracker.contract.ts`.
 *
 * Semantics follow MLflow: params are immutable once logged (same value again is fine), metrics are a history
 * of (value, step, timestamp) points, a run's `data.metrics` holds the latest point per key, tags overwrite.
 */

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: string;
  tags: Record<string, string>;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  status: RunStatus;
  /** Milliseconds since the epoch. */
  startTime: number;
  endTime?: number;
  /** Where the run's artifacts live (`mlflow-artifacts:/...`, `s3://...`, `file:///...`). */
  artifactUri: string;
  lifecycleStage: string;
}

export interface Metric {
  key: string;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
}

export interface RunData {
  /** Latest value per metric key (highest step, then timestamp). */
  metrics: Record<string, number>;
  params: Record<string, string>;
  /** User and system tags (`mlflow.runName` and friends included). */
  tags: Record<string, string>;
}

export interface Run {
  info: RunInfo;
  data: RunData;
}

export interface CreateRunOptions {
  experimentId: string;
  runName?: string;
  tags?: Record<string, string>;
  /** Defaults to now. */
  startTime?: number;
}

export interface MetricInput {
  key: string;
  value: number;
  /** Defaults to 0. */
  step?: number;
  /** Defaults to now. */
  timestamp?: number;
}

export type ParamValue = string | number | boolean;

export interface LogBatchInput {
  metrics?: MetricInput[];
  params?: Record<string, ParamValue>;
  tags?: Record<string, string>;
}

export interface ArtifactInfo {
  /** Path relative to the run's artifact root, `/`-separated. */
  path: string;
  isDir: boolean;
  /** Bytes; absent for directories. */
  size?: number;
}

export interface SearchRunsOptions {
  experimentIds: string[];
  /**
   * MLflow search syntax, subset every backend supports: clauses joined by `and`, each
   * `metrics.<k> <op> <number>`, `params.<k> <op> '<s>'`, `tags.<k> <op> '<s>'` or
   * `attributes.<status|run_name|run_id|start_time|end_time> <op> <value>`; ops `= != < <= > >=`.
   */
  filter?: string;
  /** e.g. `['metrics.auc DESC', 'attributes.start_time ASC']`; default newest first. */
  orderBy?: string[];
  /** Default 1000. */
  maxResults?: number;
}

export interface RegisteredModel {
  name: string;
  description: string;
  tags: Record<string, string>;
  /** alias -> version */
  aliases: Record<string, string>;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
}

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface ModelVersion {
  name: string;
  /** Decimal string: "1", "2"... */
  version: string;
  source: string;
  runId?: string;
  status: ModelVersionStatus;
  description: string;
  tags: Record<string, string>;
  aliases: string[];
  creationTimestamp: number;
}

export interface CreateModelVersionOptions {
  name: string;
  /** The run whose artifacts hold the model. */
  runId: string;
  /** Path of the model inside the run's artifacts; the version's source becomes `<artifactUri>/<artifactPath>`. */
  artifactPath: string;
  tags?: Record<string, string>;
  description?: string;
}

/** Bytes to log as an artifact, or the path of a local file or directory to copy. */
export type ArtifactSource = string | Uint8Array;

export interface Tracker {
  /** The URI this tracker was opened with (`http://...`, `file:///...`). */
  readonly uri: string;

  getOrCreateExperiment(name: string, tags?: Record<string, string>): Promise<Experiment>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Undefined when no experiment has that name. */
  getExperimentByName(name: string): Promise<Experiment | undefined>;

  createRun(options: CreateRunOptions): Promise<RunInfo>;
  getRun(runId: string): Promise<Run>;
  /** Sets the terminal status (default FINISHED) and end time. */
  endRun(runId: string, status?: RunStatus, endTime?: number): Promise<void>;
  searchRuns(options: SearchRunsOptions): Promise<Run[]>;

  logParam(runId: string, key: string, value: ParamValue): Promise<void>;
  logParams(runId: string, params: Record<string, ParamValue>): Promise<void>;
  logMetric(runId: string, key: string, value: number, options?: { step?: number; timestamp?: number }): Promise<void>;
  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  /** Every point logged for `key`, ordered by step, then timestamp. */
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;

  /**
   * Logs bytes or a local file as `artifactPath` (a file path inside the run's artifacts, e.g.
   * `model/model.json`); a local directory is copied recursively under `artifactPath`.
   */
  logArtifact(runId: string, source: ArtifactSource, artifactPath: string): Promise<void>;
  /** Direct children of `path` (default: the artifact root). */
  listArtifacts(runId: string, path?: string): Promise<ArtifactInfo[]>;
  downloadArtifact(runId: string, artifactPath: string): Promise<Buffer>;

  createRegisteredModel(name: string, options?: { description?: string; tags?: Record<string, string> }): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  /** Points `alias` at `version`, moving it off whichever version held it. */
  setAlias(name: string, alias: string, version: string): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  /** Fails with RESOURCE_NOT_FOUND when the alias is not set. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  close(): Promise<void>;
}
