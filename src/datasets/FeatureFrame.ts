/**
 * Feature rows of a date range in memory, column-wise, ordered by (time, transaction id), with each row's day
 * index. Training windows, prequential validation folds and the test window are all slices of one frame, so
 * features are computed once per run.
 */
import { FraudopsError } from '../errors.js';
import { sqlString, type SqlEngine } from '../engine/SqlEngine.js';
import type { Matrix } from '../models/Classifier.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { createFeatureTable } from '../features/buildFeatures.js';
import { addDays } from '../util/dates.js';
import { DEFAULT_FEATURE_SPEC, featureNames, type FeatureSpec } from '../features/spec.js';

export interface FeatureFrame {
  /** First day of the frame (day index 0). */
  start: string;
  days: number;
  rows: number;
  names: string[];
  /** Row-major features. */
  data: Float64Array;
  label: Uint8Array;
  day: Int32Array;
  customerId: Float64Array;
  transactionId: BigInt64Array;
}

export async function loadFeatureFrame(
  engine: SqlEngine,
  lake: ObjectStore,
  from: string,
  to: string,
  options: { spec?: FeatureSpec; signal?: AbortSignal } = {},
): Promise<FeatureFrame> {
  const spec = options.spec ?? DEFAULT_FEATURE_SPEC;
  const info = await createFeatureTable(engine, { lake, from, to, spec, signal: options.signal });
  const names = featureNames(spec);
  const cols = await engine.queryColumns(
    `SELECT ${engine.dialect.daysBetween(`DATE ${sqlString(from)}`, 'CAST(tx_datetime AS DATE)')} AS day_index, transaction_id, customer_id, tx_fraud, ${names.join(', ')} FROM features`,
  );
  const rows = info.rows;
  const frame: FeatureFrame = {
    start: from,
    days: info.days.length,
    rows,
    names,
    data: new Float64Array(rows * names.length),
    label: new Uint8Array(rows),
    day: new Int32Array(rows),
    customerId: new Float64Array(rows),
    transactionId: new BigInt64Array(rows),
  };
  for (let i = 0; i < rows; i++) {
    frame.day[i] = Number(cols.day_index[i]);
    frame.transactionId[i] = BigInt(cols.transaction_id[i] as bigint | number);
    frame.customerId[i] = Number(cols.customer_id[i]);
    frame.label[i] = Number(cols.tx_fraud[i]);
  }
  for (let j = 0; j < names.length; j++) {
    const col = cols[names[j]] as number[];
    for (let i = 0; i < rows; i++) frame.data[i * names.length + j] = col[i];
  }
  return frame;
}

/** A labelled slice of a frame, ready for a model and for the card-precision metric. */
export interface LabeledSet {
  X: Matrix;
  y: Uint8Array;
  /** Day index within the set's own window (0 = its first day). */
  day: Int32Array;
  customerId: Float64Array;
  transactionId: BigInt64Array;
  frauds: number;
}

/** The rows `keep` (ascending indices) of a labeled set, every column with them, frauds recounted. */
export function selectRows(set: LabeledSet, keep: readonly number[]): LabeledSet {
  const cols = set.X.cols;
  const n = keep.length;
  const data = new Float64Array(n * cols);
  const y = new Uint8Array(n);
  const day = new Int32Array(n);
  const customerId = new Float64Array(n);
  const transactionId = new BigInt64Array(n);
  let frauds = 0;
  for (let k = 0; k < n; k++) {
    const i = keep[k];
    data.set(set.X.data.subarray(i * cols, (i + 1) * cols), k * cols);
    y[k] = set.y[i];
    frauds += y[k];
    day[k] = set.day[i];
    customerId[k] = set.customerId[i];
    transactionId[k] = set.transactionId[i];
  }
  return { X: { rows: n, cols, data, names: set.X.names }, y, day, customerId, transactionId, frauds };
}

export interface SplitWindows {
  trainStart: string;
  trainDays: number;
  delayDays: number;
  testDays: number;
}

export interface Split {
  windows: SplitWindows;
  train: LabeledSet;
  test: LabeledSet;
  /** Test rows dropped because their card was already known to be compromised. */
  removedKnownCompromised: number;
}

export function windowDays(w: SplitWindows): { train: [string, string]; delay: [string, string]; test: [string, string] } {
  const trainEnd = addDays(w.trainStart, w.trainDays - 1);
  const testStart = addDays(w.trainStart, w.trainDays + w.delayDays);
  return {
    train: [w.trainStart, trainEnd],
    delay: [addDays(trainEnd, 1), addDays(testStart, -1)],
    test: [testStart, addDays(testStart, w.testDays - 1)],
  };
}

function dayIndex(frame: FeatureFrame, day: string): number {
  return Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${frame.start}T00:00:00Z`)) / 86_400_000);
}

function take(frame: FeatureFrame, idx: number[], firstDay: number): LabeledSet {
  const cols = frame.names.length;
  const data = new Float64Array(idx.length * cols);
  const y = new Uint8Array(idx.length);
  const day = new Int32Array(idx.length);
  const customerId = new Float64Array(idx.length);
  const transactionId = new BigInt64Array(idx.length);
  let frauds = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    data.set(frame.data.subarray(i * cols, (i + 1) * cols), k * cols);
    y[k] = frame.label[i];
    frauds += y[k];
    day[k] = frame.day[i] - firstDay;
    customerId[k] = frame.customerId[i];
    transactionId[k] = frame.transactionId[i];
  }
  return { X: { rows: idx.length, cols, data, names: frame.names }, y, day, customerId, transactionId, frauds };
}

/**
 * Cuts train and test sets out of the frame with the Handbook protocol: a delay window between them, and test
 * transactions of cards already known to be compromised removed. `known` starts as the customers with a fraud
 * in the training window; before test day i it gains the customers with a fraud on day
 * trainStart + trainDays + i − 1, then day i's transactions of known customers are dropped.
 * With `needTrain: false` (validation, where the training window only finds known-compromised cards and no
 * model is fitted on it) only the test window must hold transactions and fraud.
 */
export function splitFrame(frame: FeatureFrame, w: SplitWindows, o: { needTrain?: boolean } = {}): Split {
  const needTrain = o.needTrain ?? true;
  const t0 = dayIndex(frame, w.trainStart);
  const testStart = t0 + w.trainDays + w.delayDays;
  if (t0 < 0 || testStart + w.testDays > frame.days) {
    throw new FraudopsError('WINDOW_OUTSIDE_DATA', `windows ${JSON.stringify(windowDays(w))} fall outside the loaded days ${frame.start} + ${frame.days}`);
  }
  const trainIdx: number[] = [];
  const byDay: number[][] = Array.from({ length: frame.days }, () => []);
  for (let i = 0; i < frame.rows; i++) {
    const d = frame.day[i];
    if (d >= t0 && d < t0 + w.trainDays) trainIdx.push(i);
    if (d >= 0 && d < frame.days) byDay[d].push(i);
  }
  const known = new Set<number>();
  for (const i of trainIdx) if (frame.label[i]) known.add(frame.customerId[i]);
  const testIdx: number[] = [];
  let removed = 0;
  for (let k = 0; k < w.testDays; k++) {
    for (const i of byDay[t0 + w.trainDays + k - 1]) if (frame.label[i]) known.add(frame.customerId[i]);
    for (const i of byDay[testStart + k]) {
      if (known.has(frame.customerId[i])) removed++;
      else testIdx.push(i);
    }
  }
  const windows = windowDays(w);
  const train = take(frame, trainIdx, t0);
  const test = take(frame, testIdx, testStart);
  if ((needTrain && train.X.rows === 0) || test.X.rows === 0) {
    const which = needTrain && train.X.rows === 0 ? `training window ${windows.train.join('..')}` : `test window ${windows.test.join('..')}`;
    throw new FraudopsError('EMPTY_WINDOW', `the ${which} has no transactions`, { context: { window: which } });
  }
  if ((needTrain && train.frauds === 0) || test.frauds === 0) {
    const which = needTrain && train.frauds === 0 ? `training window ${windows.train.join('..')}` : `test window ${windows.test.join('..')}`;
    throw new FraudopsError('NO_FRAUD', `the ${which} has no fraud: no model can be fitted or measured on it`, { context: { window: which } });
  }
  return { windows: w, train, test, removedKnownCompromised: removed };
}
