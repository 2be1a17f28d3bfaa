/**
 * What every RunTracker backend shares: argument checks, normalisation (param values to strings, metric
 * defaults, batch splitting) and the calls built from simpler ones (logMetric is a one-metric logBatch).
 * Backends implement only the protected `do*` store operations, and may assume their arguments are valid.
 */
import type {
  CreateLoggedModelOptions,
  CreateRunOptions,
  DatasetInput,
  Experiment,
  LogBatchInput,
  LoggedModel,
  Metric,
  ParamValue,
  Run,
  RunInfo,
  RunStatus,
  RunTracker,
  SearchRunsOptions,
} from './RunTracker.js';
import { TrackingCodes, TrackingError, invalid } from './TrackingError.js';
import * as v from './argumentChecks.js';

export interface KeyValue {
  key: string;
  value: string;
}

export interface NormalizedCreateRun {
  experimentId: string;
  runName?: string;
  tags: KeyValue[];
  startTime: number;
}

export interface NormalizedLoggedModel {
  experimentId: string;
  name: string;
  sourceRunId?: string;
  modelType?: string;
  params: KeyValue[];
  tags: KeyValue[];
}

const STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export abstract class BaseRunTracker implements RunTracker {
  abstract readonly uri: string;

  protected abstract doGetExperimentByName(name: string): Promise<Experiment | undefined>;
  /** Fails with RESOURCE_ALREADY_EXISTS when the name is taken (getOrCreate then re-reads). */
  protected abstract doCreateExperiment(name: string, tags: KeyValue[]): Promise<Experiment>;
  protected abstract doGetExperiment(experimentId: string): Promise<Experiment>;
  protected abstract doCreateRun(options: NormalizedCreateRun): Promise<RunInfo>;
  protected abstract doGetRun(runId: string): Promise<Run>;
  protected abstract doUpdateRun(runId: string, status: RunStatus, endTime: number): Promise<void>;
  protected abstract doSearchRuns(options: Required<SearchRunsOptions>): Promise<Run[]>;
  /** At most LIMITS.*PerBatch of each; params must stay immutable (same value again is fine). */
  protected abstract doLogBatch(runId: string, metrics: Metric[], params: KeyValue[], tags: KeyValue[]): Promise<void>;
  protected abstract doGetMetricHistory(runId: string, key: string): Promise<Metric[]>;
  protected abstract doLogInputs(runId: string, inputs: DatasetInput[]): Promise<void>;
  protected abstract doCreateLoggedModel(options: NormalizedLoggedModel): Promise<LoggedModel>;
  protected abstract doGetLoggedModel(modelId: string): Promise<LoggedModel>;
  abstract close(): Promise<void>;

  async getOrCreateExperiment(name: string, tags: Record<string, string> = {}): Promise<Experiment> {
    v.checkName('experiment name', name);
    const existing = await this.doGetExperimentByName(name);
    if (existing) return usable(existing);
    try {
      return await this.doCreateExperiment(name, tagList(tags));
    } catch (e) {
      // Another process created it between our read and our create.
      if (!(e instanceof TrackingError && e.code === TrackingCodes.ALREADY_EXISTS)) throw e;
      const raced = await this.doGetExperimentByName(name);
      if (!raced) throw e;
      return usable(raced);
    }
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.doGetExperiment(v.checkId('experiment id', experimentId));
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.doGetExperimentByName(v.checkName('experiment name', name));
  }

  async createRun(options: CreateRunOptions): Promise<RunInfo> {
    const experimentId = v.checkId('experiment id', options.experimentId);
    const runName = options.runName === undefined ? undefined : v.checkName('run name', options.runName);
    const startTime = options.startTime ?? Date.now();
    if (!Number.isSafeInteger(startTime) || startTime < 0) throw invalid('startTime must be epoch milliseconds', { field: 'startTime' });
    return this.doCreateRun({ experimentId, runName, tags: tagList(options.tags ?? {}), startTime });
  }

  async getRun(runId: string): Promise<Run> {
    return this.doGetRun(v.checkId('run id', runId));
  }

  async endRun(runId: string, status: RunStatus = 'FINISHED', endTime: number = Date.now()): Promise<void> {
    v.checkId('run id', runId);
    if (!STATUSES.includes(status)) throw invalid(`unknown run status '${String(status)}'`, { field: 'status', runId });
    await this.doUpdateRun(runId, status, endTime);
  }

  async searchRuns(options: SearchRunsOptions): Promise<Run[]> {
    if (!Array.isArray(options.experimentIds) || options.experimentIds.length === 0) {
      throw invalid('searchRuns needs at least one experiment id', { field: 'experimentIds' });
    }
    const maxResults = options.maxResults ?? 1000;
    if (!Number.isSafeInteger(maxResults) || maxResults < 1 || maxResults > 50000) {
      throw invalid('maxResults must be 1..50000', { field: 'maxResults' });
    }
    return this.doSearchRuns({
      experimentIds: options.experimentIds.map((id) => v.checkId('experiment id', id)),
      filter: options.filter ?? '',
      orderBy: options.orderBy ?? [],
      maxResults,
    });
  }

  async logParam(runId: string, key: string, value: ParamValue): Promise<void> {
    return this.logBatch(runId, { params: { [key]: value } });
  }

  async logParams(runId: string, params: Record<string, ParamValue>): Promise<void> {
    return this.logBatch(runId, { params });
  }

  async logMetric(runId: string, key: string, value: number, options: { step?: number; timestamp?: number } = {}): Promise<void> {
    return this.logBatch(runId, { metrics: [{ key, value, ...options }] });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch(runId, { tags: { [key]: value } });
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    v.checkId('run id', runId);
    const now = Date.now();
    const metrics = (batch.metrics ?? []).map((m) => v.metric(m, now));
    const params = Object.entries(batch.params ?? {}).map(([key, value]) => ({
      key: v.checkKey('param', key),
      value: v.paramValue(key, value),
    }));
    const tags = tagList(batch.tags ?? {});
    // Params and tags go first, in MLflow-sized chunks; metrics follow in their own chunks.
    const paramChunks = v.chunks(params, v.LIMITS.paramsPerBatch);
    const tagChunks = v.chunks(tags, v.LIMITS.tagsPerBatch);
    for (let i = 0; i < Math.max(paramChunks.length, tagChunks.length); i++) {
      await this.doLogBatch(runId, [], paramChunks[i] ?? [], tagChunks[i] ?? []);
    }
    for (const chunk of v.chunks(metrics, v.LIMITS.metricsPerBatch)) await this.doLogBatch(runId, chunk, [], []);
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const points = await this.doGetMetricHistory(v.checkId('run id', runId), v.checkKey('metric', key));
    return points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  }

  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    v.checkId('run id', runId);
    const checked = inputs.map((i) => v.datasetInput(i));
    if (checked.length > 0) await this.doLogInputs(runId, checked);
  }

  async createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    return this.doCreateLoggedModel({
      experimentId: v.checkId('experiment id', options.experimentId),
      name: v.checkName('logged model name', options.name),
      sourceRunId: options.sourceRunId === undefined ? undefined : v.checkId('run id', options.sourceRunId),
      modelType: options.modelType,
      params: Object.entries(options.params ?? {}).map(([key, value]) => ({ key: v.checkKey('param', key), value: v.paramValue(key, value) })),
      tags: tagList(options.tags ?? {}),
    });
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    return this.doGetLoggedModel(v.checkId('logged model id', modelId));
  }
}

export function tagList(tags: Record<string, string>): KeyValue[] {
  return Object.entries(tags).map(([key, value]) => {
    const k = v.checkKey('tag', key);
    return { key: k, value: v.tagValue(k, value) };
  });
}

function usable(experiment: Experiment): Experiment {
  if (experiment.lifecycleStage === 'deleted') {
    throw invalid(`experiment '${experiment.name}' is deleted; restore it or pick another name`, {
      experimentId: experiment.experimentId,
    });
  }
  return experiment;
}
