/**
 * The run-tracking part of MLflow's three (runs, registry, artifacts): experiments, runs, params, metrics, tags,
 * dataset inputs and logged models. Training and validation record what they did through this interface only,
 * so the same code runs against the embedded store (MLflow's own SQLite schema) and a real MLflow server.
 * Every backend passes the suite in `RunTracker.contract.ts`.
 *
 * Semantics follow MLflow: params are immutable once logged (same value again is fine), metrics are a history
 * of (value, step, timestamp) points, a run's `data.metrics` holds the latest point per key, tags overwrite.
 */

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface Experiment {
  experimentId: string;
  name: string;
  /** Root under which the experiment's runs keep their artifacts (`s3://...`, `file:///...`, `mlflow-artifacts:/...`). */
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

/** A dataset a run read, as MLflow records it (`runs/log-inputs`): name + digest identify it. */
export interface Dataset {
  name: string;
  /** Short content hash (MLflow keeps at most 36 characters). */
  digest: string;
  /** e.g. `s3`, `local`, `delta`. */
  sourceType: string;
  /** JSON describing where the data came from (MLflow shows it as-is). */
  source: string;
  /** JSON schema of the rows (optional). */
  schema?: string;
  /** JSON profile: row counts and the like (optional). */
  profile?: string;
}

export interface DatasetInput {
  dataset: Dataset;
  /** Input tags; MLflow's UI shows `mlflow.data.context` (e.g. `training`, `test`). */
  tags?: Record<string, string>;
}

export interface Run {
  info: RunInfo;
  data: RunData;
  /** Datasets logged as the run's inputs. */
  inputs: DatasetInput[];
  /** Logged models this run produced (MLflow 3 "Logged models"). */
  outputs: { modelId: string; step: number }[];
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

export type LoggedModelStatus = 'PENDING' | 'READY' | 'FAILED';

/** An MLflow 3 logged model: a model as an entity of its own, linked to the run that produced it. */
export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  /** Where the model's files live (under the experiment's artifact location). */
  artifactLocation: string;
  status: LoggedModelStatus;
  sourceRunId?: string;
  modelType?: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  creationTimestamp: number;
}

export interface CreateLoggedModelOptions {
  experimentId: string;
  name: string;
  /** The run that produced the model; it is linked as the run's output. */
  sourceRunId?: string;
  modelType?: string;
  params?: Record<string, ParamValue>;
  tags?: Record<string, string>;
}

export interface RunTracker {
  /** The URI this tracker was opened with (`http://...`, `sqlite:///...`). */
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
  /** Records datasets the run read; logging the same (name, digest) twice keeps one input. */
  logInputs(runId: string, inputs: DatasetInput[]): Promise<void>;

  /**
   * Creates a logged model in READY state and, with `sourceRunId`, links it as that run's output. Its files
   * are written by the caller through an ArtifactRepository on `artifactLocation`.
   */
  createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel>;
  getLoggedModel(modelId: string): Promise<LoggedModel>;

  close(): Promise<void>;
}
