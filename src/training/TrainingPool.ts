/**
 * Worker threads for training, so that a train run uses every core: one fit keeps one core busy (its histogram
 * threads help only on its biggest leaves), and a search is many independent fits, a candidate on a fold each;
 * an ensemble's refit is one fit per member, and scoring a big test window splits into blocks of rows. The sets
 * are put once in shared memory and handed to every worker; a task is then a few numbers (or a model), and its
 * answer metrics, a model or scores. A fit depends only on its candidate, set and seed, never on the thread it
 * ran on or on its histogram threads, and a row's score only on the row, so any number of workers gives the
 * same result.
 */
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../util/moduleWorker.js';
import { FraudopsError, type ErrorContext } from '../errors.js';
import type { LabeledSet } from '../datasets/FeatureFrame.js';
import type { Matrix } from '../models/Classifier.js';
import { GbdtModel, type GbdtModelData } from '../models/gbdt/GbdtModel.js';
import type { Candidate } from './fitCandidate.js';
import type { NegativeSample } from './negativeSampling.js';
import type { FoldScore, FoldSets } from './scoreFold.js';
import { inShared } from '../util/sharedMemory.js';

export interface TrainingWorkerData {
  /** Training sets, by index (a search's folds, or the final fit's set). */
  train: NegativeSample[];
  /** Validation sets of the folds, by the index of their training set. */
  validation: LabeledSet[];
  /** Histogram threads of each fit in a worker. */
  threads: number;
}

export interface ScoreTask {
  candidate: Candidate;
  fold: number;
  seed: number;
  earlyStoppingRounds: number;
}

export interface FitTask {
  candidate: Candidate;
  set: number;
  seed: number;
  nEstimators?: number;
}

export type ToTrainingWorker =
  | ({ op: 'score'; id: number } & ScoreTask)
  | ({ op: 'fit'; id: number } & FitTask)
  | { op: 'predict'; id: number; model: GbdtModelData; X: Matrix; start: number; end: number };

interface WorkerError {
  message: string;
  stack?: string;
  code?: string;
  context?: ErrorContext;
}

export interface FromTrainingWorker {
  id: number;
  score?: FoldScore;
  model?: GbdtModelData;
  scores?: Float64Array;
  error?: WorkerError;
}

type Answer = Omit<FromTrainingWorker, 'id' | 'error'>;

interface Pending {
  task: ToTrainingWorker;
  resolve(a: Answer): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  busy?: Pending;
}

/** Rows per scoring task: a second or so of one core's work for a few hundred trees. */
const PREDICT_BLOCK_ROWS = 131_072;

/**
 * @example
 * const pool = TrainingPool.create({ train: [fold.train], validation: [fold.validation], workers: 2 }, signal);
 * try {
 *   const { metrics } = await pool.score({ candidate, fold: 0, seed: 1, earlyStoppingRounds: 0 });
 *   const scores = await pool.predict(await pool.fit({ candidate, set: 0, seed: 1 }), testSet.X);
 * } finally {
 *   await pool.close();
 * }
 */
export class TrainingPool {
  private readonly queue: Pending[] = [];
  private readonly waiters: { resolve(): void; reject(e: unknown): void }[] = [];
  private nextId = 0;
  private failure: unknown;
  private readonly onAbort: () => void;

  private constructor(
    private readonly slots: Slot[],
    private readonly signal?: AbortSignal,
  ) {
    this.onAbort = () => this.fail(signal!.reason);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    for (const slot of slots) {
      slot.worker.on('message', (m: FromTrainingWorker) => this.answered(slot, m));
      slot.worker.on('error', (e) => this.fail(e));
      slot.worker.on('exit', (code) => this.fail(new FraudopsError('TRAINING_WORKER_EXITED', `a training worker thread exited (code ${code})`, { context: { code } })));
    }
    if (signal?.aborted) this.fail(signal.reason);
  }

  /**
   * `workers` threads sharing the sets (put in shared memory unless they are there: see shareFold); each fit on
   * `threads` histogram threads (default: the cores left to each worker, at least one).
   */
  static create(o: { folds: FoldSets[]; workers: number; threads: number }, signal?: AbortSignal): TrainingPool;
  static create(o: { train: NegativeSample[]; workers: number; threads: number }, signal?: AbortSignal): TrainingPool;
  static create(o: { folds?: FoldSets[]; train?: NegativeSample[]; workers: number; threads: number }, signal?: AbortSignal): TrainingPool {
    const folds = (o.folds ?? []).map(shareFold);
    const data: TrainingWorkerData = {
      train: o.folds === undefined ? (o.train ?? []).map(shareSample) : folds.map((f) => f.train),
      validation: folds.map((f) => f.validation),
      threads: o.threads,
    };
    const slots: Slot[] = [];
    for (let i = 0; i < o.workers; i++) slots.push({ worker: startWorker(data) });
    return new TrainingPool(slots, signal);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Resolves once a worker is free for another task (rejects once the pool has failed or was stopped). */
  whenFree(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.inFlight() < this.slots.length) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** A candidate fitted on fold `task.fold` and measured on its validation set, on the next free worker. */
  async score(task: ScoreTask): Promise<FoldScore> {
    return (await this.run({ op: 'score', id: this.nextId++, ...task })).score!;
  }

  /** A boosted-tree candidate fitted on training set `task.set`, on the next free worker. */
  async fit(task: FitTask): Promise<GbdtModel> {
    if (task.candidate.kind !== 'gbdt') throw new Error(`the training pool fits boosted trees only, not ${task.candidate.kind}`);
    return new GbdtModel((await this.run({ op: 'fit', id: this.nextId++, ...task })).model!);
  }

  /**
   * `model`'s probabilities for every row of `X`, blocks of rows across the workers: the scores `predictProba`
   * gives, bit for bit. `X` is read in place when its data is in shared memory, else copied there once.
   */
  async predict(model: GbdtModel, X: Matrix): Promise<Float64Array> {
    const shared: Matrix = { rows: X.rows, cols: X.cols, names: X.names, data: inShared(X.data) };
    const out = new Float64Array(X.rows);
    const blocks: Promise<void>[] = [];
    for (let start = 0; start < X.rows; start += PREDICT_BLOCK_ROWS) {
      const end = Math.min(X.rows, start + PREDICT_BLOCK_ROWS);
      const block = this.run({ op: 'predict', id: this.nextId++, model: model.data, X: shared, start, end }).then((a) => out.set(a.scores!, start));
      block.catch(() => undefined); // thrown by the Promise.all below
      blocks.push(block);
    }
    await Promise.all(blocks);
    return out;
  }

  async close(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.fail(new FraudopsError('TRAINING_POOL_CLOSED', 'the training pool was closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private run(task: ToTrainingWorker): Promise<Answer> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  private inFlight(): number {
    return this.queue.length + this.slots.filter((s) => s.busy !== undefined).length;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (slot.busy !== undefined) continue;
      const next = this.queue.shift()!;
      slot.busy = next;
      slot.worker.postMessage(next.task);
    }
  }

  private answered(slot: Slot, m: FromTrainingWorker): void {
    const done = slot.busy;
    slot.busy = undefined;
    if (done === undefined || done.task.id !== m.id) return;
    if (m.error !== undefined) {
      const e = m.error.code === undefined ? new Error(m.error.message) : new FraudopsError(m.error.code, m.error.message, { context: m.error.context });
      if (m.error.stack !== undefined) e.stack = m.error.stack;
      done.reject(e);
    } else {
      done.resolve(m);
    }
    this.pump();
    if (this.inFlight() < this.slots.length) this.waiters.shift()?.resolve();
  }

  private fail(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    for (const p of [...this.queue.splice(0), ...this.slots.flatMap((s) => (s.busy === undefined ? [] : [s.busy]))]) p.reject(e);
    for (const s of this.slots) s.busy = undefined;
    for (const w of this.waiters.splice(0)) w.reject(e);
    for (const s of this.slots) void s.worker.terminate();
  }
}

function startWorker(workerData: TrainingWorkerData): Worker {
  return moduleWorker(import.meta.url, 'trainingWorker', { workerData });
}

function shareSet(s: LabeledSet): LabeledSet {
  return {
    X: { rows: s.X.rows, cols: s.X.cols, names: s.X.names, data: inShared(s.X.data) },
    y: inShared(s.y),
    day: inShared(s.day),
    customerId: inShared(s.customerId),
    transactionId: inShared(s.transactionId),
    frauds: s.frauds,
  };
}

function shareSample(t: NegativeSample): NegativeSample {
  return { set: shareSet(t.set), negativeRate: t.negativeRate, ...(t.weight === undefined ? {} : { weight: inShared(t.weight) }) };
}

/** A fold's sets with every array in shared memory. */
function shareFold(f: FoldSets): FoldSets {
  return { train: shareSample(f.train), validation: shareSet(f.validation) };
}
