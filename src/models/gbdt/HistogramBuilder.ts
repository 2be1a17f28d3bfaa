/**
 * Builds leaf histograms on the main thread or, for large leaves, across worker threads that each own a
 * contiguous slice of the features. Bins, row order, ordered gradients and histogram slots live in
 * SharedArrayBuffers handed to the workers once; a job message carries only a row range, the feature
 * slice and the slot. Small leaves stay on the main thread, where a message round trip would cost more
 * than the work.
 */
import { Worker } from 'node:worker_threads';
import { accumulateHistograms, accumulateRootHistograms, computeGradients } from './histogramKernel.js';

export interface HistogramArena {
  bins: Uint8Array;
  nRows: number;
  rows: Int32Array;
  /** Gradients and hessians by row, read in place for the unbagged root. */
  grad: Float64Array;
  hess: Float64Array;
  /** Raw scores, labels and weights by row, for the gradients. */
  score: Float64Array;
  labels: Uint8Array;
  weights: Float64Array;
  /** Root counts in slot layout (see accumulateRootHistograms); empty when rows are bagged. */
  rootCounts: Float64Array;
  orderedGrad: Float64Array;
  orderedHess: Float64Array;
  hist: Float64Array;
  featureOffset: Int32Array;
  numBins: Int32Array;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const __name = (f) => f;
const accumulate = ${accumulateHistograms.toString()};
const accumulateRoot = ${accumulateRootHistograms.toString()};
const gradients = ${computeGradients.toString()};
let a;
parentPort.on('message', (m) => {
  if (m.arena) {
    a = m.arena; // shared memory: the views arrive pointing at the same buffers, nothing is copied
    return;
  }
  if (m.gradients) {
    gradients(a.score, a.labels, a.weights, a.grad, a.hess, m.start, m.end);
  } else if (m.root) {
    accumulateRoot(a.bins, a.nRows, a.grad, a.hess, a.rootCounts, m.features, m.from, m.to, a.hist, m.slotOffset,
      a.featureOffset, a.numBins);
  } else {
    accumulate(a.bins, a.nRows, a.rows, a.orderedGrad, a.orderedHess, m.start, m.end, m.features, m.from, m.to,
      a.hist, m.slotOffset, a.featureOffset, a.numBins);
  }
  parentPort.postMessage(0);
});
`;

interface Pending {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class HistogramBuilder {
  private readonly queues: Pending[][];
  private arena!: HistogramArena;

  private constructor(
    private readonly workers: Worker[],
    /** Below this many (row × feature) cells a leaf is built on the main thread alone. */
    private readonly minParallelCells: number,
  ) {
    this.queues = workers.map(() => []);
    workers.forEach((w, k) => {
      w.on('message', () => this.queues[k].shift()?.resolve());
      w.on('error', (e) => {
        for (const p of this.queues[k].splice(0)) p.reject(e);
      });
    });
  }

  /**
   * `threads` counts the main thread: threads = 2 starts one worker. Workers boot while the caller bins the
   * data (tens of milliseconds); `attach` then hands them the arena, before any job.
   */
  static start(threads: number, minParallelCells: number): HistogramBuilder {
    const workers: Worker[] = [];
    for (let k = 1; k < threads; k++) workers.push(new Worker(WORKER_SOURCE, { eval: true }));
    return new HistogramBuilder(workers, minParallelCells);
  }

  attach(arena: HistogramArena): void {
    this.arena = arena;
    for (const w of this.workers) w.postMessage({ arena });
  }

  /** Gradients and hessians of all rows from the current scores, rows split across the threads when many. */
  gradients(): Promise<void> | undefined {
    const a = this.arena;
    const n = a.nRows;
    // an exp costs about as much as a row's histogram cells, so the same threshold applies
    const parts = Math.min(this.workers.length + 1, Math.floor((n * 16) / Math.max(1, this.minParallelCells)));
    if (parts <= 1) {
      computeGradients(a.score, a.labels, a.weights, a.grad, a.hess, 0, n);
      return undefined;
    }
    const cut = (p: number): number => Math.round((p * n) / parts);
    const done: Promise<void>[] = [];
    for (let p = 1; p < parts; p++) {
      done.push(this.post(p - 1, { gradients: true, start: cut(p), end: cut(p + 1) }));
    }
    computeGradients(a.score, a.labels, a.weights, a.grad, a.hess, 0, cut(1));
    return Promise.all(done).then(() => undefined);
  }

  /** Fills slot `slotOffset` with the histograms of rows[start, end) for `features` (orderedGrad/Hess gathered). */
  build(start: number, end: number, features: Int32Array, slotOffset: number): Promise<void> | undefined {
    const a = this.arena;
    return this.run(end - start, features, slotOffset, { start, end, root: false }, (from, to) =>
      accumulateHistograms(a.bins, a.nRows, a.rows, a.orderedGrad, a.orderedHess, start, end, features, from, to,
        a.hist, slotOffset, a.featureOffset, a.numBins),
    );
  }

  /** Fills slot `slotOffset` with the histograms of all rows, in row order (the unbagged root). */
  buildRoot(features: Int32Array, slotOffset: number): Promise<void> | undefined {
    const a = this.arena;
    return this.run(a.nRows, features, slotOffset, { start: 0, end: a.nRows, root: true }, (from, to) =>
      accumulateRootHistograms(a.bins, a.nRows, a.grad, a.hess, a.rootCounts, features, from, to, a.hist, slotOffset,
        a.featureOffset, a.numBins),
    );
  }

  /**
   * Runs `local` over all features on this thread when the leaf is small (returning undefined, so callers
   * skip an await), else hands feature slices to the workers and does the first slice here.
   */
  private run(
    rows: number, features: Int32Array, slotOffset: number, job: { start: number; end: number; root: boolean },
    local: (from: number, to: number) => void,
  ): Promise<void> | undefined {
    const parts = Math.min(this.workers.length + 1, features.length);
    if (parts <= 1 || rows * features.length < this.minParallelCells) {
      local(0, features.length);
      return undefined;
    }
    // with enough features, slice on multiples of 4 to keep the kernel's four-feature passes full
    const unit = features.length >= 8 * parts ? 4 : 1;
    const cut = (p: number): number => (p >= parts ? features.length : unit * Math.round((p * features.length) / parts / unit));
    const done: Promise<void>[] = [];
    for (let p = 1; p < parts; p++) {
      const k = p - 1;
      done.push(this.post(k, { ...job, features, from: cut(p), to: cut(p + 1), slotOffset }));
    }
    local(0, cut(1));
    return Promise.all(done).then(() => undefined);
  }

  private post(k: number, message: object): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queues[k].push({ resolve, reject });
      this.workers[k].postMessage(message);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
