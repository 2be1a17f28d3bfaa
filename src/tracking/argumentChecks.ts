/**
 * The single place where tracker input is checked and normalised, before any backend sees it. Limits mirror
 * MLflow's server-side ones so a run that logs fine to the embedded store also logs fine to MLflow.
 */
import type { DatasetInput, MetricInput, Metric, ParamValue } from './RunTracker.js';
import { invalid } from './TrackingError.js';

export const LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  nameLength: 500,
  aliasLength: 255,
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
} as const;

const KEY_CHARS = /^[\w.\- /:]+$/;
const ALIAS_CHARS = /^[\w-]+$/;

/** Metric, param and tag keys: MLflow's character set, and no path tricks (the file store uses keys in paths). */
export function checkKey(kind: 'metric' | 'param' | 'tag', key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw invalid(`${kind} key must be a non-empty string`, { field: kind });
  if (key.length > LIMITS.keyLength) throw invalid(`${kind} key longer than ${LIMITS.keyLength}`, { field: kind, key: key.slice(0, 60) });
  if (!KEY_CHARS.test(key)) {
    throw invalid(`${kind} key may only hold letters, digits, _ - . / : and spaces`, { field: kind, key });
  }
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw invalid(`${kind} key must not have empty, '.' or '..' path segments`, { field: kind, key });
  }
  return key;
}

export function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0) throw invalid(`${kind} must be a non-empty string`, { field: kind });
  if (name.length > LIMITS.nameLength) throw invalid(`${kind} longer than ${LIMITS.nameLength}`, { field: kind });
  return name;
}

export function checkId(kind: string, id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) throw invalid(`${kind} must be a non-empty string`, { field: kind });
  return id;
}

export function paramValue(key: string, value: ParamValue): string {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw invalid('param value must be a string, number or boolean', { field: 'param', key });
  }
  const s = String(value);
  if (s.length > LIMITS.paramValueLength) {
    throw invalid(`param value longer than ${LIMITS.paramValueLength}`, { field: 'param', key, length: s.length });
  }
  return s;
}

export function tagValue(key: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid('tag value must be a string', { field: 'tag', key });
  if (value.length > LIMITS.tagValueLength) {
    throw invalid(`tag value longer than ${LIMITS.tagValueLength}`, { field: 'tag', key, length: value.length });
  }
  return value;
}

/**
 * NaN is kept (an AUC over one class is NaN, and that is worth recording); ±Infinity becomes ±Number.MAX_VALUE,
 * which is what MLflow's SQL store does anyway, so every backend returns the same numbers.
 */
export function metric(input: MetricInput, now: number): Metric {
  const key = checkKey('metric', input.key);
  if (typeof input.value !== 'number') throw invalid('metric value must be a number', { field: 'metric', key });
  let value = input.value;
  if (value === Infinity) value = Number.MAX_VALUE;
  else if (value === -Infinity) value = -Number.MAX_VALUE;
  const step = input.step ?? 0;
  if (!Number.isSafeInteger(step)) throw invalid('metric step must be an integer', { field: 'metric', key, step });
  const timestamp = input.timestamp ?? now;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw invalid('metric timestamp must be a non-negative integer (ms)', { field: 'metric', key });
  }
  return { key, value, step, timestamp };
}

export function modelVersion(version: unknown): string {
  const v = typeof version === 'number' ? String(version) : version;
  if (typeof v !== 'string' || !/^[1-9]\d*$/.test(v)) throw invalid('model version must be a positive integer', { field: 'version' });
  return v;
}

/** MLflow reserves `latest` and `v<digits>` (they are version references in `models:/` URIs). */
export function alias(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > LIMITS.aliasLength || !ALIAS_CHARS.test(name)) {
    throw invalid('alias must be 1-255 letters, digits, _ or -', { field: 'alias' });
  }
  if (name.toLowerCase() === 'latest' || /^v\d+$/i.test(name)) {
    throw invalid(`alias '${name}' is reserved`, { field: 'alias', alias: name });
  }
  return name;
}

/** Relative, `/`-separated, no `..`: artifact paths never escape the run's artifact root. */
export function artifactPath(path: string | undefined, allowEmpty: boolean): string {
  const p = (path ?? '').replace(/\\/g, '/').replace(/^\.\/+/, '').replace(/\/+$/, '');
  if (p === '') {
    if (allowEmpty) return '';
    throw invalid('artifact path must not be empty', { field: 'artifactPath' });
  }
  if (p.startsWith('/') || p.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw invalid('artifact path must be relative without . or .. segments', { field: 'artifactPath', path: p });
  }
  return p;
}

/** A dataset input as MLflow stores it: name up to 500 characters, digest up to 36, source and type required. */
export function datasetInput(input: DatasetInput): DatasetInput {
  const d = input?.dataset;
  if (!d || typeof d !== 'object') throw invalid('a dataset input needs a dataset', { field: 'dataset' });
  const name = checkName('dataset name', d.name);
  if (typeof d.digest !== 'string' || d.digest === '' || d.digest.length > 36) {
    throw invalid('dataset digest must be 1..36 characters', { field: 'dataset.digest', dataset: name });
  }
  for (const field of ['sourceType', 'source'] as const) {
    if (typeof d[field] !== 'string' || d[field] === '') throw invalid(`dataset ${field} must be a non-empty string`, { field: `dataset.${field}`, dataset: name });
  }
  const tags: Record<string, string> = {};
  for (const [k, value] of Object.entries(input.tags ?? {})) {
    if (typeof value !== 'string' || k.length === 0 || k.length > 255 || value.length > 500) {
      throw invalid('dataset input tags are strings: keys up to 255, values up to 500 characters', { field: 'dataset.tags', dataset: name, key: k });
    }
    tags[k] = value;
  }
  return { dataset: { ...d, name }, tags };
}

/** Splits a list into chunks of at most `size` (MLflow rejects larger batches). */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
