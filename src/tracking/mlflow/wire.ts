/** MLflow's REST JSON shapes and their mapping to our types. NaN and infinities travel as strings. */
import type { ModelVersion, ModelVersionStatus, RegisteredModel } from '../ModelRegistry.js';
import { wireNumber } from '../MlflowHttp.js';
import type { DatasetInput, Experiment, LoggedModel, LoggedModelStatus, Metric, Run, RunInfo, RunStatus } from '../RunTracker.js';

export interface WireKV { key: string; value: string }
export interface WireExperiment { experiment_id: string; name: string; artifact_location?: string; lifecycle_stage?: string; tags?: WireKV[] }
export interface WireRunInfo {
  run_id: string; experiment_id: string; run_name?: string; status: RunStatus; start_time?: number | string;
  end_time?: number | string; artifact_uri?: string; lifecycle_stage?: string;
}
export interface WireMetric { key: string; value: unknown; timestamp?: number | string; step?: number | string }
export interface WireDatasetInput {
  tags?: WireKV[];
  dataset: { name: string; digest: string; source_type: string; source: string; schema?: string; profile?: string };
}
export interface WireRun {
  info: WireRunInfo;
  data?: { metrics?: WireMetric[]; params?: WireKV[]; tags?: WireKV[] };
  inputs?: { dataset_inputs?: WireDatasetInput[] };
  outputs?: { model_outputs?: { model_id: string; step?: number | string }[] };
}
export interface WireModel {
  name: string; description?: string; tags?: WireKV[]; aliases?: { alias: string; version: string }[];
  creation_timestamp?: number | string; last_updated_timestamp?: number | string;
}
export interface WireVersion {
  name: string; version: string; source?: string; run_id?: string; status?: ModelVersionStatus; description?: string;
  tags?: WireKV[]; aliases?: string[]; creation_timestamp?: number | string;
}
export interface WireLoggedModel {
  info: {
    model_id: string; experiment_id: string; name: string; artifact_uri?: string; status?: string; source_run_id?: string;
    model_type?: string; creation_timestamp_ms?: number | string; tags?: WireKV[];
  };
  data?: { params?: WireKV[] };
}

const num = (v: number | string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
export const kv = (items: WireKV[] | undefined): Record<string, string> => Object.fromEntries((items ?? []).map((t) => [t.key, t.value]));

export function experiment(w: WireExperiment): Experiment {
  return {
    experimentId: String(w.experiment_id),
    name: w.name,
    artifactLocation: w.artifact_location ?? '',
    lifecycleStage: w.lifecycle_stage ?? 'active',
    tags: kv(w.tags),
  };
}

export function runInfo(w: WireRunInfo): RunInfo {
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

export function metric(w: WireMetric): Metric {
  return { key: w.key, value: wireNumber(w.value), timestamp: num(w.timestamp) ?? 0, step: num(w.step) ?? 0 };
}

export function datasetInput(w: WireDatasetInput): DatasetInput {
  const d = w.dataset;
  return {
    dataset: {
      name: d.name,
      digest: d.digest,
      sourceType: d.source_type,
      source: d.source,
      ...(d.schema ? { schema: d.schema } : {}),
      ...(d.profile ? { profile: d.profile } : {}),
    },
    tags: kv(w.tags),
  };
}

export function run(w: WireRun): Run {
  return {
    info: runInfo(w.info),
    data: {
      metrics: Object.fromEntries((w.data?.metrics ?? []).map((m) => [m.key, wireNumber(m.value)])),
      params: kv(w.data?.params),
      tags: kv(w.data?.tags),
    },
    inputs: (w.inputs?.dataset_inputs ?? []).map(datasetInput),
    outputs: (w.outputs?.model_outputs ?? []).map((o) => ({ modelId: o.model_id, step: num(o.step) ?? 0 })),
  };
}

export function registeredModel(w: WireModel): RegisteredModel {
  return {
    name: w.name,
    description: w.description ?? '',
    tags: kv(w.tags),
    aliases: Object.fromEntries((w.aliases ?? []).map((a) => [a.alias, String(a.version)])),
    creationTimestamp: num(w.creation_timestamp) ?? 0,
    lastUpdatedTimestamp: num(w.last_updated_timestamp) ?? 0,
  };
}

export function modelVersion(w: WireVersion): ModelVersion {
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

const LOGGED_STATUS: Record<string, LoggedModelStatus> = {
  LOGGED_MODEL_PENDING: 'PENDING',
  LOGGED_MODEL_READY: 'READY',
  LOGGED_MODEL_UPLOAD_FAILED: 'FAILED',
};

export function loggedModel(w: WireLoggedModel): LoggedModel {
  const i = w.info;
  return {
    modelId: i.model_id,
    experimentId: String(i.experiment_id),
    name: i.name,
    artifactLocation: i.artifact_uri ?? '',
    status: LOGGED_STATUS[i.status ?? ''] ?? 'PENDING',
    ...(i.source_run_id ? { sourceRunId: i.source_run_id } : {}),
    ...(i.model_type ? { modelType: i.model_type } : {}),
    params: kv(w.data?.params),
    tags: kv(i.tags),
    creationTimestamp: num(i.creation_timestamp_ms) ?? 0,
  };
}
