/**
 * Worker threads for the search, so that a search uses every core: one fit keeps one core busy (its histogram
 * threads help only on its biggest leaves), and a search is many independent fits, a candidate on a fold each.
 * The folds' sets are copied once into shared memory and handed to every worker; a task is then a candidate's
 * parameters, and its answer the fold's metrics. A fit depends only on its candidate, fold and seed, never on the
 * thread it ran on or its histogram threads, so a search gives the same result on any number of workers.
 */
import { Worker } from 'node:worker_threads';
import { FraudopsError, type ErrorContext } from '../errors.js';
import type { LabeledSet } from '../datasets/FeatureFrame.js';
import type { Candidate } from './fitCandidate.js';
import type { NegativeSample } from './negativeSampling.js';
import type { FoldScore, FoldSets } from './scoreFold.js';

export interface SearchWorkerData {
  folds: FoldSets[];
  /** Histogram threads of each fit in a worker. */
  threads: number;
}

export interface ScoreTask {
  candidate: Candidate;
  fold: number;
  seed: number;
  earlyStoppingRounds: number;
}

export type ToSearchWorker = ScoreTask & { id: number };

interface WorkerError {
  message: string;
  stack?: string;
  code?: string;
  context?: ErrorContext;
}

export type FromSearchWorker = { id: number; score: FoldScore; error?: undefined } | { id: number; error: WorkerError; score?: undefined };

interface Pending {
  task: ToSearchWorker;
  resolve(s: FoldScore): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  busy?: Pending;
}

/**
 * @example
 * const pool = SearchPool.create(folds, 2, signal);
 * try {
 *   await pool.whenFree();
 *   const { metrics } = await pool.score({ candidate, fold: 0, seed: 1, earlyStoppingRounds: 0 });
 * } finally {
 *   await pool.close();
 * }
 */
export class SearchPool {
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
      slot.worker.on('message', (m: FromSearchWorker) => this.answered(slot, m));
      slot.worker.on('error', (e) => this.fail(e));
      slot.worker.on('exit', (code) => this.fail(new FraudopsError('SEARCH_WORKER_EXITED', `a search worker thread exited (code ${code})`, { context: { code } })));
    }
  }

  /** `workers` threads sharing `folds` (copied into shared memory unless they are there: see shareFold); each fit on `threads` histogram threads. */
  static create(folds: FoldSets[], workers: number, threads: number, signal?: AbortSignal): SearchPool {
    const data: SearchWorkerData = { folds: folds.map(shareFold), threads };
    const slots: Slot[] = [];
    for (let i = 0; i < workers; i++) slots.push({ worker: startWorker(data) });
    return new SearchPool(slots, signal);
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

  /** Scores `task` on the next free worker. */
  score(task: ScoreTask): Promise<FoldScore> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { ...task, id: this.nextId++ }, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.fail(new FraudopsError('SEARCH_POOL_CLOSED', 'the search pool was closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
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

  private answered(slot: Slot, m: FromSearchWorker): void {
    const done = slot.busy;
    slot.busy = undefined;
    if (done === undefined || done.task.id !== m.id) return;
    if (m.error !== undefined) {
      const e = m.error.code === undefined ? new Error(m.error.message) : new FraudopsError(m.error.code, m.error.message, { context: m.error.context });
      if (m.error.stack !== undefined) e.stack = m.error.stack;
      done.reject(e);
    } else {
      done.resolve(m.score);
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

function startWorker(workerData: SearchWorkerData): Worker {
  // From TypeScript sources (tests, tsx) the worker is bootstrapped through tsx; builds load the .js file.
  if (import.meta.url.endsWith('.ts')) {
    const entry = JSON.stringify(new URL('./searchWorker.ts', import.meta.url).href);
    return new Worker(`import(${JSON.stringify(tsxApi())}).then((m) => m.tsImport(${entry}, ${JSON.stringify(import.meta.url)}));`, { eval: true, workerData });
  }
  return new Worker(new URL('./searchWorker.js', import.meta.url), { workerData });
}

/** The tsx loader API, resolved from this module so the worker does not depend on the current directory. */
function tsxApi(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return 'tsx/esm/api';
  }
}

/** `a` in shared memory (copied there unless it is already): handed to a worker, it is the same memory, not a copy. */
function shared<T extends Float64Array | Uint8Array | Int32Array | BigInt64Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  (out as unknown as { set(x: T): void }).set(a);
  return out;
}

function shareSet(s: LabeledSet): LabeledSet {
  return {
    X: { rows: s.X.rows, cols: s.X.cols, names: s.X.names, data: shared(s.X.data) },
    y: shared(s.y),
    day: shared(s.day),
    customerId: shared(s.customerId),
    transactionId: shared(s.transactionId),
    frauds: s.frauds,
  };
}

/** A fold's sets with every array in shared memory. */
export function shareFold(f: FoldSets): FoldSets {
  const train: NegativeSample = { set: shareSet(f.train.set), negativeRate: f.train.negativeRate, ...(f.train.weight === undefined ? {} : { weight: shared(f.train.weight) }) };
  return { train, validation: shareSet(f.validation) };
}
