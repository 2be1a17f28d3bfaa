/**
 * What every tracker backend shares: argument checks, normalisation (param values to strings, metric defaults,
 * batch splitting) and the calls built from simpler ones (logMetric is a one-metric logBatch, a model version's
 * source comes from the run's artifact URI). Backends implement only the protected `do*` store operations, and
 * may assume their arguments are valid.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ArtifactInfo,
  ArtifactSource,
  CreateModelVersionOptions,
  CreateRunOptions,
  Experiment,
  LogBatchInput,
  Metric,
  ModelVersion,
  ParamValue,
  RegisteredModel,
  Run,
  RunInfo,
  RunStatus,
  SearchRunsOptions,
  Tracker,
} from './Tracker.js';
import { TrackingCodes, TrackingError, invalid, notFound } from './TrackingError.js';
import * as v from './argumentChecks.js';

export interface KeyValue {
  key: string;
  value: string;
}

/** Bytes in memory, or a local file the backend may stream. */
export type ArtifactBody = { bytes: Uint8Array } | { file: string; size: number };

export interface NormalizedCreateRun {
  experimentId: string;
  runName?: string;
  tags: KeyValue[];
  startTime: number;
}

export interface NormalizedCreateVersion {
  name: string;
  source: string;
  runId: string;
  tags: KeyValue[];
  description: string;
}

const STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export abstract class BaseTracker implements Tracker {
  abstract readonly uri: string;
  /** Artifact roots never change once a run exists; caching them saves a round trip per artifact call. */
  private readonly artifactUris = new Map<string, RunInfo>();

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
  protected abstract doPutArtifact(run: RunInfo, path: string, body: ArtifactBody): Promise<void>;
  protected abstract doListArtifacts(run: RunInfo, path: string): Promise<ArtifactInfo[]>;
  protected abstract doGetArtifact(run: RunInfo, path: string): Promise<Buffer>;
  protected abstract doCreateRegisteredModel(name: string, description: string, tags: KeyValue[]): Promise<RegisteredModel>;
  protected abstract doGetRegisteredModel(name: string): Promise<RegisteredModel>;
  protected abstract doCreateModelVersion(options: NormalizedCreateVersion): Promise<ModelVersion>;
  protected abstract doGetModelVersion(name: string, version: string): Promise<ModelVersion>;
  protected abstract doSetModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void>;
  protected abstract doSetAlias(name: string, alias: string, version: string): Promise<void>;
  protected abstract doDeleteAlias(name: string, alias: string): Promise<void>;
  protected abstract doGetModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
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
    const info = await this.doCreateRun({ experimentId, runName, tags: tagList(options.tags ?? {}), startTime });
    this.artifactUris.set(info.runId, info);
    return info;
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

  async logArtifact(runId: string, source: ArtifactSource, artifactPath: string): Promise<void> {
    const path = v.artifactPath(artifactPath, false);
    const run = await this.runInfo(runId);
    if (typeof source !== 'string') {
      if (!(source instanceof Uint8Array)) throw invalid('artifact source must be bytes or a local path', { field: 'source' });
      await this.doPutArtifact(run, path, { bytes: source });
      return;
    }
    const st = await stat(source).catch(() => undefined);
    if (!st) throw notFound('local artifact file', { file: source });
    if (st.isFile()) {
      await this.doPutArtifact(run, path, { file: source, size: st.size });
      return;
    }
    for (const rel of await walkFiles(source)) {
      const file = join(source, ...rel.split('/'));
      await this.doPutArtifact(run, `${path}/${rel}`, { file, size: (await stat(file)).size });
    }
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactInfo[]> {
    const p = v.artifactPath(path, true);
    const items = await this.doListArtifacts(await this.runInfo(runId), p);
    return items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async downloadArtifact(runId: string, artifactPath: string): Promise<Buffer> {
    const p = v.artifactPath(artifactPath, false);
    return this.doGetArtifact(await this.runInfo(runId), p);
  }

  async createRegisteredModel(name: string, options: { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    return this.doCreateRegisteredModel(v.checkName('model name', name), options.description ?? '', tagList(options.tags ?? {}));
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.doGetRegisteredModel(v.checkName('model name', name));
  }

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    const name = v.checkName('model name', options.name);
    const path = v.artifactPath(options.artifactPath, false);
    const run = await this.runInfo(options.runId);
    return this.doCreateModelVersion({
      name,
      source: `${run.artifactUri.replace(/\/+$/, '')}/${path}`,
      runId: run.runId,
      tags: tagList(options.tags ?? {}),
      description: options.description ?? '',
    });
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.doGetModelVersion(v.checkName('model name', name), v.modelVersion(version));
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    const k = v.checkKey('tag', key);
    return this.doSetModelVersionTag(v.checkName('model name', name), v.modelVersion(version), { key: k, value: v.tagValue(k, value) });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    return this.doSetAlias(v.checkName('model name', name), v.alias(alias), v.modelVersion(version));
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    return this.doDeleteAlias(v.checkName('model name', name), v.alias(alias));
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.doGetModelVersionByAlias(v.checkName('model name', name), v.alias(alias));
  }

  private async runInfo(runId: string): Promise<RunInfo> {
    v.checkId('run id', runId);
    let info = this.artifactUris.get(runId);
    if (!info) {
      info = (await this.doGetRun(runId)).info;
      this.artifactUris.set(runId, info);
    }
    return info;
  }
}

function tagList(tags: Record<string, string>): KeyValue[] {
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

/** Files under `dir`, as `/`-separated paths relative to it, sorted. */
async function walkFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walkFiles(join(dir, e.name), rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}
