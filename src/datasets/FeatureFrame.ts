/**
 * Feature rows of a date range in memory, column-wise, ordered by (time, transaction id), with each row's day
 * index. Training windows, prequential validation folds and the test window are all slices of one frame, so
 * features are computed once per run. A frame can keep only the rows its user will read (`select`): every fraud,
 * and per day range all rows or a seeded sample of rows or of cards, decided in the engine's SQL with a hash
 * (sampleHash.ts) the same code can apply again in memory; the day counts of the whole range are kept with it,
 * so rates and row counts still describe every row. The rows come out of the engine a batch at a time into
 * typed arrays, and the engine's table is dropped once copied.
 */
import { FraudopsError } from '../errors.js';
import { sqlString, type SqlEngine } from '../engine/SqlEngine.js';
import { sampleHashSql } from '../engine/sampleHash.js';
import type { Matrix } from '../models/Classifier.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { createFeatureTable } from '../features/buildFeatures.js';
import { addDays, daysBetween } from '../util/dates.js';
import { DEFAULT_FEATURE_SPEC, featureNames, type FeatureSpec } from '../features/spec.js';
import { isShared, newArray } from '../util/sharedMemory.js';

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
  /** Rows and frauds of each day of the range (by day index), counted over every row, kept or not. */
  dayRows: Float64Array;
  dayFrauds: Float64Array;
  /** Whether the frame holds only the rows a selection kept (false: every row of the range). */
  selected: boolean;
}

/** Days `from`..`to`, both included. */
export interface DayRange {
  from: string;
  to: string;
}

/** A day range whose rows are kept when the hash of their id under `seed` is below `threshold` (sampleHash.ts). */
export interface SampledRange extends DayRange {
  seed: number;
  threshold: number;
}

/** The rows a frame keeps. Every fraud is always kept (known-compromised cards are found from them). */
export interface RowSelection {
  /** Ranges kept whole. */
  whole: DayRange[];
  /** Ranges whose legitimate rows are sampled by transaction id. */
  rows: SampledRange[];
  /** Ranges sampled by whole cards (customer id). */
  cards: SampledRange[];
}

/** What a selection can be planned on, before any feature is computed. */
export interface RangeCounts {
  start: string;
  /** Rows and frauds of each day of the range, by day index from `start`. */
  dayRows: Float64Array;
  dayFrauds: Float64Array;
  /** Rows of `w`'s test window left once cards known to be compromised are removed, as splitFrame removes them. */
  testRowsKept(w: SplitWindows): Promise<number>;
}

export interface LoadFrameOptions {
  spec?: FeatureSpec;
  signal?: AbortSignal;
  /** Keep only the rows this selection names (plus every fraud); without it the frame holds every row. */
  select?: (counts: RangeCounts) => Promise<RowSelection>;
}

export async function loadFeatureFrame(engine: SqlEngine, lake: ObjectStore, from: string, to: string, options: LoadFrameOptions = {}): Promise<FeatureFrame> {
  const spec = options.spec ?? DEFAULT_FEATURE_SPEC;
  const days = daysBetween(from, to).length;
  const dayRows = new Float64Array(days);
  const dayFrauds = new Float64Array(days);
  const select = options.select;
  const info = await createFeatureTable(engine, {
    lake,
    from,
    to,
    spec,
    signal: options.signal,
    where:
      select &&
      (async (rows) => {
        const counted = await engine.query<{ day: string; n: unknown; f: unknown }>(
          `SELECT day, count(*) AS n, sum(CASE WHEN tx_fraud = 1 THEN 1 ELSE 0 END) AS f FROM (${rows}) AS r GROUP BY day`,
        );
        for (const c of counted) {
          const d = dayIndexOf(from, c.day);
          if (d >= 0 && d < days) {
            dayRows[d] = Number(c.n);
            dayFrauds[d] = Number(c.f ?? 0);
          }
        }
        const selection = await select({ start: from, dayRows, dayFrauds, testRowsKept: (w) => testRowsKept(engine, rows, w) });
        options.signal?.throwIfAborted();
        return selectionSql(selection);
      }),
  });
  const names = featureNames(spec);
  const rows = info.rows;
  const cols = names.length;
  const frame: FeatureFrame = {
    start: from,
    days: info.days.length,
    rows,
    names,
    data: new Float64Array(rows * cols),
    label: new Uint8Array(rows),
    day: new Int32Array(rows),
    customerId: new Float64Array(rows),
    transactionId: new BigInt64Array(rows),
    dayRows,
    dayFrauds,
    selected: select !== undefined,
  };
  try {
    let i = 0;
    const batches = engine.queryColumnBatches(
      `SELECT ${engine.dialect.daysBetween(`DATE ${sqlString(from)}`, 'CAST(tx_datetime AS DATE)')} AS day_index, transaction_id, customer_id, tx_fraud, ${names.join(', ')} FROM features`,
    );
    for await (const batch of batches) {
      options.signal?.throwIfAborted();
      const n = batch.day_index.length;
      if (i + n > rows) throw new FraudopsError('FRAME_ROWS_CHANGED', `the feature table holds more than the ${rows} rows it counted`);
      for (let k = 0; k < n; k++) {
        frame.day[i + k] = Number(batch.day_index[k]);
        frame.transactionId[i + k] = BigInt(batch.transaction_id[k] as bigint | number);
        frame.customerId[i + k] = Number(batch.customer_id[k]);
        frame.label[i + k] = Number(batch.tx_fraud[k]);
      }
      for (let j = 0; j < cols; j++) {
        const col = batch[names[j]] as number[];
        for (let k = 0; k < n; k++) frame.data[(i + k) * cols + j] = col[k];
      }
      i += n;
    }
    if (i !== rows) throw new FraudopsError('FRAME_ROWS_CHANGED', `the feature table held ${i} rows, not the ${rows} it counted`);
  } finally {
    await engine.run('DROP TABLE IF EXISTS features');
  }
  if (!select) {
    for (let i = 0; i < rows; i++) {
      const d = frame.day[i];
      if (d >= 0 && d < days) {
        dayRows[d]++;
        dayFrauds[d] += frame.label[i];
      }
    }
  }
  return frame;
}

function dayIndexOf(start: string, day: string): number {
  return Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000);
}

function between(r: DayRange): string {
  return `day BETWEEN ${sqlString(r.from)} AND ${sqlString(r.to)}`;
}

/** The selection as a predicate over the feature rows' day, ids and label. */
export function selectionSql(s: RowSelection): string {
  return [
    'tx_fraud = 1',
    ...s.whole.map(between),
    ...s.rows.map((r) => `(${between(r)} AND ${sampleHashSql('transaction_id', r.seed)} < ${r.threshold})`),
    ...s.cards.map((r) => `(${between(r)} AND ${sampleHashSql('customer_id', r.seed)} < ${r.threshold})`),
  ].join(' OR ');
}

/**
 * splitFrame's count of test rows, in SQL over the lake rows: a test row on test day k is removed when its card
 * had a fraud from the training window's first day through day trainStart + trainDays + k − 1.
 */
async function testRowsKept(engine: SqlEngine, rows: string, w: SplitWindows): Promise<number> {
  const d = windowDays(w);
  const cutoffs = Array.from({ length: w.testDays }, (_, k) => `WHEN ${sqlString(addDays(d.test[0], k))} THEN ${sqlString(addDays(w.trainStart, w.trainDays + k - 1))}`);
  const [c] = await engine.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM (${rows}) AS r
     LEFT JOIN (SELECT customer_id, min(day) AS first_fraud FROM (${rows}) AS f WHERE tx_fraud = 1 AND day >= ${sqlString(w.trainStart)} GROUP BY customer_id) AS k
       ON r.customer_id = k.customer_id
     WHERE r.day BETWEEN ${sqlString(d.test[0])} AND ${sqlString(d.test[1])}
       AND (k.first_fraud IS NULL OR k.first_fraud > CASE r.day ${cutoffs.join(' ')} END)`,
  );
  return Number(c.n);
}

/** Rows and frauds of days `from`..`to` of a frame (or of the counts it was planned on), over every row of the range. */
export function rangeCounts(c: Pick<RangeCounts, 'start' | 'dayRows' | 'dayFrauds'>, from: string, to: string): { rows: number; frauds: number } {
  let rows = 0;
  let frauds = 0;
  for (let d = Math.max(0, dayIndexOf(c.start, from)); d <= Math.min(c.dayRows.length - 1, dayIndexOf(c.start, to)); d++) {
    rows += c.dayRows[d];
    frauds += c.dayFrauds[d];
  }
  return { rows, frauds };
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

/**
 * The rows `keep` (ascending indices) of a labeled set, every column with them, frauds recounted; in shared memory
 * when the set is (a sample of a set made for worker threads is made for them too).
 */
export function selectRows(set: LabeledSet, keep: readonly number[]): LabeledSet {
  const cols = set.X.cols;
  const n = keep.length;
  const shared = isShared(set.X.data);
  const data = newArray(Float64Array, n * cols, shared);
  const y = newArray(Uint8Array, n, shared);
  const day = newArray(Int32Array, n, shared);
  const customerId = newArray(Float64Array, n, shared);
  const transactionId = newArray(BigInt64Array, n, shared);
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

function take(frame: FeatureFrame, idx: readonly number[], firstDay: number, shared: boolean): LabeledSet {
  const cols = frame.names.length;
  const data = newArray(Float64Array, idx.length * cols, shared);
  for (let k = 0; k < idx.length; k++) data.set(frame.data.subarray(idx[k] * cols, (idx[k] + 1) * cols), k * cols);
  return { X: { rows: idx.length, cols, data, names: frame.names }, ...takeLabels(frame, idx, firstDay, shared) };
}

/** Labels, days (from `firstDay`) and cards of the frame's rows `idx`, frauds counted. */
function takeLabels(frame: FeatureFrame, idx: readonly number[], firstDay: number, shared: boolean): LabeledRows {
  const n = idx.length;
  const y = newArray(Uint8Array, n, shared);
  const day = newArray(Int32Array, n, shared);
  const customerId = newArray(Float64Array, n, shared);
  const transactionId = newArray(BigInt64Array, n, shared);
  let frauds = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    y[k] = frame.label[i];
    frauds += y[k];
    day[k] = frame.day[i] - firstDay;
    customerId[k] = frame.customerId[i];
    transactionId[k] = frame.transactionId[i];
  }
  return { y, day, customerId, transactionId, frauds };
}

/**
 * Cuts train and test sets out of the frame with the Handbook protocol: a delay window between them, and test
 * transactions of cards already known to be compromised removed. `known` starts as the customers with a fraud
 * in the training window; before test day i it gains the customers with a fraud on day
 * trainStart + trainDays + i − 1, then day i's transactions of known customers are dropped.
 * With `needTrain: false` (validation, where the training window only finds known-compromised cards and no
 * model is fitted on it) only the test window must hold transactions and fraud.
 */
export function splitFrame(frame: FeatureFrame, w: SplitWindows, o: { needTrain?: boolean; shared?: boolean } = {}): Split {
  const s = splitRows(frame, w, o);
  const shared = { shared: o.shared ?? false };
  return { windows: w, train: takeRows(frame, s, 'train', shared), test: takeRows(frame, s, 'test', shared), removedKnownCompromised: s.removedKnownCompromised };
}

/** Which rows of a frame splitFrame puts in each set, with the same checks, before any row is copied. */
export interface SplitRows {
  windows: SplitWindows;
  train: number[];
  test: number[];
  trainFrauds: number;
  testFrauds: number;
  removedKnownCompromised: number;
}

/** splitFrame's rows without the copies: a caller holds a set only while it uses it (`takeRows`). */
export function splitRows(frame: FeatureFrame, w: SplitWindows, o: { needTrain?: boolean } = {}): SplitRows {
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
  let trainFrauds = 0;
  for (const i of trainIdx) {
    if (frame.label[i]) known.add(frame.customerId[i]);
    trainFrauds += frame.label[i];
  }
  const testIdx: number[] = [];
  let testFrauds = 0;
  let removed = 0;
  for (let k = 0; k < w.testDays; k++) {
    for (const i of byDay[t0 + w.trainDays + k - 1]) if (frame.label[i]) known.add(frame.customerId[i]);
    for (const i of byDay[testStart + k]) {
      if (known.has(frame.customerId[i])) removed++;
      else {
        testIdx.push(i);
        testFrauds += frame.label[i];
      }
    }
  }
  const windows = windowDays(w);
  if ((needTrain && trainIdx.length === 0) || testIdx.length === 0) {
    const which = needTrain && trainIdx.length === 0 ? `training window ${windows.train.join('..')}` : `test window ${windows.test.join('..')}`;
    throw new FraudopsError('EMPTY_WINDOW', `the ${which} has no transactions`, { context: { window: which } });
  }
  if ((needTrain && trainFrauds === 0) || testFrauds === 0) {
    const which = needTrain && trainFrauds === 0 ? `training window ${windows.train.join('..')}` : `test window ${windows.test.join('..')}`;
    throw new FraudopsError('NO_FRAUD', `the ${which} has no fraud: no model can be fitted or measured on it`, { context: { window: which } });
  }
  return { windows: w, train: trainIdx, test: testIdx, trainFrauds, testFrauds, removedKnownCompromised: removed };
}

/**
 * The training or test set of a split, copied out of the frame (day indices within the set's own window); with
 * `shared`, into shared memory, for worker threads to read in place.
 */
export function takeRows(frame: FeatureFrame, s: SplitRows, which: 'train' | 'test', o: { shared?: boolean } = {}): LabeledSet {
  const shared = o.shared ?? false;
  return which === 'train' ? take(frame, s.train, dayIndex(frame, s.windows.trainStart), shared) : take(frame, s.test, testFirstDay(frame, s), shared);
}

/** The frame's day index of a split's first test day. */
function testFirstDay(frame: FeatureFrame, s: SplitRows): number {
  return dayIndex(frame, s.windows.trainStart) + s.windows.trainDays + s.windows.delayDays;
}

/** A set's labels, days and cards without its features: what measuring scores needs (`evaluate`). */
export type LabeledRows = Omit<LabeledSet, 'X'>;

/** The test set of a split without its features: the window scored a block of rows at a time (`scoreRows`). */
export function takeTestLabels(frame: FeatureFrame, s: SplitRows): LabeledRows {
  return takeLabels(frame, s.test, testFirstDay(frame, s), false);
}

/**
 * Scores of the frame's rows `idx`, copied out `blockRows` at a time into one reused matrix (in shared memory with
 * `shared`, for worker threads) and scored by `score`: the scores one matrix of every row gives (a row's score
 * depends only on the row), while a big window's features are never held twice.
 */
export async function scoreRows(
  frame: FeatureFrame,
  idx: readonly number[],
  score: (X: Matrix) => Promise<Float64Array>,
  o: { blockRows: number; shared?: boolean },
): Promise<Float64Array> {
  const cols = frame.names.length;
  const out = new Float64Array(idx.length);
  const buffer = newArray(Float64Array, Math.min(idx.length, o.blockRows) * cols, o.shared ?? false);
  for (let start = 0; start < idx.length; start += o.blockRows) {
    const end = Math.min(idx.length, start + o.blockRows);
    for (let k = start; k < end; k++) buffer.set(frame.data.subarray(idx[k] * cols, (idx[k] + 1) * cols), (k - start) * cols);
    const rows = end - start;
    out.set(await score({ rows, cols, names: frame.names, data: buffer.subarray(0, rows * cols) }), start);
  }
  return out;
}
