/**
 * Builds leaf histograms on the main thread or, for large leaves, across worker threads that each own a
 * contiguous slice of the features. Bins, row order, ordered gradients and histogram slots live in
 * SharedArrayBuffers handed to the workers once per fit. A job is a few integers (kind, row range, feature
 * slice, slot) written to a shared control block, and the hand-off is an Atomics notify/wait pair: a few
 * microseconds, where a message round trip through both event loops took tens, so that smaller leaves
 * pay off on two threads. The calls are synchronous: the main thread does its slice, then waits for the
 * workers' slices. Small leaves stay on the main thread.
 *
 * On a machine busy with other work a woken worker may wait milliseconds for a core, and then a split
 * job is slower than doing it alone. So for jobs big enough to split, the builder keeps the running cost
 * per cell of both ways, by kind and size of job, and takes the cheaper one, trying the other now and then. Which
 * way a job runs never changes its result.
 */
import { Worker } from 'node:worker_threads';
import {
  accumulateColumnHistograms,
  accumulateHistograms,
  accumulateRootHistograms,
  awaitBarrier,
  computeGradients,
  gatherGradients,
  partitionRows,
} from './histogramKernel.js';
import {
  instantiateKernels,
  wasmHistograms,
  wasmRootHistograms,
  type HistogramKernels,
  type WasmHistograms,
} from './histogramWasm.js';

export interface HistogramArena {
  /** Column-major bins (see BinnedMatrix), for the root and leaves holding a large share of the rows. */
  bins: Uint8Array;
  nRows: number;
  /** Row-major bins, for the small leaves. */
  rowBins: Uint8Array;
  nCols: number;
  rows: Int32Array;
  /** Right-hand rows of a partition in progress, at the positions of the range they came from. */
  scratch: Int32Array;
  /** Gradients and hessians by row, read in place for the unbagged root. */
  grad: Float64Array;
  hess: Float64Array;
  /** Odds e^score, labels and weights by row, for the gradients. */
  odds: Float64Array;
  /** Per row, the node of the last tree it fell in, and per node its odds factor (see computeGradients). */
  rowNode: Int32Array;
  nodeFactor: Float64Array;
  labels: Uint8Array;
  weights: Float64Array;
  orderedGrad: Float64Array;
  orderedHess: Float64Array;
  /**
   * When set, gradients computed and gathered, histograms summed and rows partitioned by the WebAssembly kernels
   * (see histogramWasm), and every array here but the small per-feature ones is a view of its memory; orderedGrad/orderedHess are then unused (empty).
   */
  wasm: WasmHistograms | undefined;
  /** For the WebAssembly kernels: (gradient, hessian) of the row at each position of rows (else empty). */
  orderedGH: Float64Array;
  hist: Float64Array;
  featureOffset: Int32Array;
  numBins: Int32Array;
  /** Per feature, the bin whose rows histograms skip (see accumulateHistograms), or −1. */
  skipBin: Int32Array;
  /** Per feature with a skipped bin, its other rows (see nonDominantRows), for the root pass. */
  sparseRows: Int32Array;
  sparseStart: Int32Array;
}

// control block per worker, in Int32 cells
const SEQ = 0; // bumped by the main thread per job
const DONE = 1; // set to SEQ by the worker when the job is done
const KIND = 2;
const START = 3;
const END = 4;
const FROM = 5;
const TO = 6;
const SLOT = 7;
const FAILED = 8;
/** A partition job's count of left rows. */
const RESULT = 9;
/** A leaf job's share of the gradient gather (rows GATHER_START .. GATHER_END), and the threads sharing the job. */
const GATHER_START = 10;
const GATHER_END = 11;
const PARTS = 12;
const STRIDE = 16; // 64 bytes: one cache line per worker
const LEAF = 0;
const ROOT = 1;
const GRADIENTS = 2;
const DETACH = 3;
/** A leaf's histograms from the column-major bins (see `build`). */
const LEAF_COLUMNS = 4;
/** A range of a leaf's rows partitioned on a split (see `partition`). */
const PARTITION = 5;
/** Job kinds that are costed (see `jobClass`). */
const COSTED_KINDS = 6;
/** A row partitioned costs about as much as this many histogram cells (one byte read, two writes). */
const PARTITION_CELLS_PER_ROW = 4;
/** A leaf holding at least 1/COLUMN_LEAF_SHARE of the rows reads the column-major bins. */
const COLUMN_LEAF_SHARE = 64;
/** Eligible jobs per trial of the way that looks slower. */
const EXPLORE = 16;
/** Jobs are costed by kind and by size in powers of two of minParallelCells: splitting pays more on big ones. */
const SIZE_CLASSES = 8;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const __name = (f) => f;
const accumulate = ${accumulateHistograms.toString()};
const accumulateColumns = ${accumulateColumnHistograms.toString()};
const accumulateRoot = ${accumulateRootHistograms.toString()};
const gradients = ${computeGradients.toString()};
const partition = ${partitionRows.toString()};
const gather = ${gatherGradients.toString()};
const awaitBarrier = ${awaitBarrier.toString()};
const wasmLeaf = ${wasmHistograms.toString()};
const wasmRoot = ${wasmRootHistograms.toString()};
const c = workerData.control;
const o = workerData.offset;
const barrier = workerData.barrier;
let seen = 0;
// one fit: the arena arrives by message, then jobs come through the control block until DETACH
parentPort.on('message', ({ arena: a, features }) => {
  const k = a.wasm === undefined ? undefined : new WebAssembly.Instance(a.wasm.module, { env: { memory: a.wasm.memory } }).exports;
  for (;;) {
    Atomics.wait(c, o + ${SEQ}, seen);
    seen = Atomics.load(c, o + ${SEQ});
    const kind = c[o + ${KIND}];
    if (kind !== ${DETACH}) {
      try {
        const start = c[o + ${START}], end = c[o + ${END}], from = c[o + ${FROM}], to = c[o + ${TO}], slot = c[o + ${SLOT}];
        if (kind === ${GRADIENTS} && k !== undefined) {
          k.gradients(a.odds.byteOffset, a.labels.byteOffset, a.weights.byteOffset, a.grad.byteOffset, a.hess.byteOffset, a.rowNode.byteOffset,
            a.nodeFactor.byteOffset, start, end);
        } else if (kind === ${GRADIENTS}) gradients(a.odds, a.labels, a.weights, a.grad, a.hess, a.rowNode, a.nodeFactor, start, end);
        else if (kind === ${PARTITION} && k !== undefined) {
          c[o + ${RESULT}] = k.partition(a.rows.byteOffset, a.scratch.byteOffset, a.bins.byteOffset + from * a.nRows, start, end, to, slot);
        } else if (kind === ${PARTITION}) c[o + ${RESULT}] = partition(a.rows, a.scratch, a.bins, from * a.nRows, start, end, to, slot);
        else if (kind === ${ROOT} && k !== undefined) {
          wasmRoot(k, a.grad, a.hess, a.nRows, a.bins, features, from, to, a.hist, slot, a.featureOffset, a.numBins, a.skipBin,
            a.sparseRows, a.sparseStart);
        } else if (kind === ${ROOT}) {
          accumulateRoot(a.bins, a.nRows, a.grad, a.hess, features, from, to, a.hist, slot, a.featureOffset, a.numBins, a.skipBin,
            a.sparseRows, a.sparseStart);
        } else {
          // every thread gathers its share of the leaf's gradients; all of them are needed before any pass
          try {
            if (k !== undefined) {
              k.gather(a.rows.byteOffset, a.grad.byteOffset, a.hess.byteOffset, a.orderedGH.byteOffset, c[o + ${GATHER_START}], c[o + ${GATHER_END}]);
            }
            else gather(a.rows, a.grad, a.hess, a.orderedGrad, a.orderedHess, c[o + ${GATHER_START}], c[o + ${GATHER_END}]);
          } finally {
            Atomics.add(c, barrier, 1);
            Atomics.notify(c, barrier);
          }
          awaitBarrier(c, barrier, c[o + ${PARTS}]);
        }
        if (k !== undefined && kind === ${LEAF_COLUMNS}) {
          wasmLeaf(k, a.rows, a.orderedGH, start, end, a.bins, a.nRows, 1, features, from, to, a.hist, slot, a.featureOffset, a.numBins, a.skipBin);
        } else if (k !== undefined && kind === ${LEAF}) {
          wasmLeaf(k, a.rows, a.orderedGH, start, end, a.rowBins, 1, a.nCols, features, from, to, a.hist, slot, a.featureOffset, a.numBins,
            a.skipBin);
        } else if (kind === ${LEAF_COLUMNS}) {
          accumulateColumns(a.bins, a.nRows, a.rows, a.orderedGrad, a.orderedHess, start, end, features, from, to, a.hist, slot,
            a.featureOffset, a.numBins, a.skipBin);
        } else if (kind === ${LEAF}) {
          accumulate(a.rowBins, a.nCols, a.rows, a.orderedGrad, a.orderedHess, start, end, features, from, to, a.hist, slot,
            a.featureOffset, a.numBins, a.skipBin);
        }
      } catch (e) {
        c[o + ${FAILED}] = 1;
      }
    }
    Atomics.store(c, o + ${DONE}, seen);
    Atomics.notify(c, o + ${DONE});
    if (kind === ${DETACH}) return;
  }
});
`;

export class HistogramBuilder {
  private arena: HistogramArena | undefined;
  /** This thread's instance of the WebAssembly kernels, when the arena has them. */
  private kernels: HistogramKernels | undefined;
  /** The tree's features, shared with the workers; `lastFeatures` is the array they were copied from. */
  private features: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private lastFeatures: Int32Array | undefined;
  /**
   * Running ms per cell by job class (kind and size, see `jobClass`): [2 class] on one thread, [2 class + 1]
   * split across the threads (0 = not yet measured).
   */
  private readonly cost = new Float64Array(2 * COSTED_KINDS * SIZE_CLASSES);
  private readonly jobs = new Int32Array(COSTED_KINDS * SIZE_CLASSES);
  private readonly warmedUp = new Uint8Array(2 * COSTED_KINDS * SIZE_CLASSES);

  private constructor(
    private readonly workers: Worker[],
    private readonly control: Int32Array,
    /** Below this many (row × feature) cells a leaf is built on the main thread alone. */
    private readonly minParallelCells: number,
  ) {}

  /**
   * `threads` counts the main thread: threads = 2 starts one worker. Workers boot while the caller bins the
   * data (tens of milliseconds); `attach` then hands them the arena, before any job.
   */
  static start(threads: number, minParallelCells: number): HistogramBuilder {
    // a block per worker, then one for the barrier shared by all
    const control = new Int32Array(new SharedArrayBuffer(4 * STRIDE * threads));
    const barrier = STRIDE * (threads - 1);
    const workers: Worker[] = [];
    for (let k = 1; k < threads; k++) {
      workers.push(new Worker(WORKER_SOURCE, { eval: true, workerData: { control, offset: (k - 1) * STRIDE, barrier } }));
    }
    return new HistogramBuilder(workers, control, minParallelCells);
  }

  attach(arena: HistogramArena): void {
    this.arena = arena;
    this.kernels = arena.wasm === undefined ? undefined : instantiateKernels(arena.wasm);
    this.features = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, arena.featureOffset.length)));
    this.lastFeatures = undefined;
    for (const w of this.workers) w.postMessage({ arena, features: this.features });
  }

  /** Gradients and hessians of all rows from the current odds, rows split across the threads when many. */
  gradients(): void {
    const a = this.arena!;
    const n = a.nRows;
    // an exp costs about as much as a row's histogram cells, so the same threshold applies
    const parts = this.choose(this.jobClass(GRADIENTS, n * 16), Math.floor((n * 16) / Math.max(1, this.minParallelCells)));
    const t0 = performance.now();
    const cut = (p: number): number => Math.round((p * n) / parts);
    for (let p = 1; p < parts; p++) this.post(p - 1, GRADIENTS, cut(p), cut(p + 1), 0, 0, 0);
    const kernels = this.kernels;
    if (kernels !== undefined) {
      kernels.gradients(a.odds.byteOffset, a.labels.byteOffset, a.weights.byteOffset, a.grad.byteOffset, a.hess.byteOffset,
        a.rowNode.byteOffset, a.nodeFactor.byteOffset, 0, cut(1));
    } else computeGradients(a.odds, a.labels, a.weights, a.grad, a.hess, a.rowNode, a.nodeFactor, 0, cut(1));
    this.join(parts - 1);
    this.record(this.jobClass(GRADIENTS, n * 16), parts, n * 16, performance.now() - t0);
  }

  /**
   * Fills slot `slotOffset` with the histograms of rows[start, end) for `features`, gathering the rows' gradients
   * to orderedGrad/Hess first (each thread a share of the rows, then all of them wait for the whole).
   */
  build(start: number, end: number, features: Int32Array, slotOffset: number): void {
    const a = this.arena!;
    const cells = (end - start) * features.length;
    const parts = this.parts(LEAF, cells, features);
    const t0 = performance.now();
    const cut = this.cutter(features.length, parts);
    const rowCut = (p: number): number => (p >= parts ? end : start + Math.round((p * (end - start)) / parts));
    // both layouts give the same sums; which one reads less memory depends on the leaf's share of the rows
    const columns = (end - start) * COLUMN_LEAF_SHARE >= a.nRows;
    const c = this.control;
    const barrier = STRIDE * this.workers.length;
    Atomics.store(c, barrier, 0);
    for (let p = 1; p < parts; p++) {
      const o = (p - 1) * STRIDE;
      c[o + GATHER_START] = rowCut(p);
      c[o + GATHER_END] = rowCut(p + 1);
      c[o + PARTS] = parts;
      this.post(p - 1, columns ? LEAF_COLUMNS : LEAF, start, end, cut(p), cut(p + 1), slotOffset);
    }
    const kernels = this.kernels;
    if (kernels !== undefined) kernels.gather(a.rows.byteOffset, a.grad.byteOffset, a.hess.byteOffset, a.orderedGH.byteOffset, start, rowCut(1));
    else gatherGradients(a.rows, a.grad, a.hess, a.orderedGrad, a.orderedHess, start, rowCut(1));
    if (parts > 1) {
      Atomics.add(c, barrier, 1);
      Atomics.notify(c, barrier);
      awaitBarrier(c, barrier, parts);
    }
    if (kernels !== undefined) {
      if (columns) {
        wasmHistograms(kernels, a.rows, a.orderedGH, start, end, a.bins, a.nRows, 1, features, 0, cut(1), a.hist, slotOffset,
          a.featureOffset, a.numBins, a.skipBin);
      } else {
        wasmHistograms(kernels, a.rows, a.orderedGH, start, end, a.rowBins, 1, a.nCols, features, 0, cut(1), a.hist, slotOffset,
          a.featureOffset, a.numBins, a.skipBin);
      }
    } else if (columns) {
      accumulateColumnHistograms(a.bins, a.nRows, a.rows, a.orderedGrad, a.orderedHess, start, end, features, 0, cut(1),
        a.hist, slotOffset, a.featureOffset, a.numBins, a.skipBin);
    } else {
      accumulateHistograms(a.rowBins, a.nCols, a.rows, a.orderedGrad, a.orderedHess, start, end, features, 0, cut(1),
        a.hist, slotOffset, a.featureOffset, a.numBins, a.skipBin);
    }
    this.join(parts - 1);
    this.record(this.jobClass(LEAF, cells), parts, cells, performance.now() - t0);
  }

  /** Fills slot `slotOffset` with the histograms of all rows, in row order (the unbagged root). */
  buildRoot(features: Int32Array, slotOffset: number): void {
    const a = this.arena!;
    const cells = a.nRows * features.length;
    const parts = this.parts(ROOT, cells, features);
    const t0 = performance.now();
    const cut = this.cutter(features.length, parts);
    const kernels = this.kernels;
    for (let p = 1; p < parts; p++) this.post(p - 1, ROOT, 0, a.nRows, cut(p), cut(p + 1), slotOffset);
    if (kernels !== undefined) {
      wasmRootHistograms(kernels, a.grad, a.hess, a.nRows, a.bins, features, 0, cut(1), a.hist, slotOffset, a.featureOffset,
        a.numBins, a.skipBin, a.sparseRows, a.sparseStart);
    } else {
      accumulateRootHistograms(a.bins, a.nRows, a.grad, a.hess, features, 0, cut(1), a.hist, slotOffset,
        a.featureOffset, a.numBins, a.skipBin, a.sparseRows, a.sparseStart);
    }
    this.join(parts - 1);
    this.record(this.jobClass(ROOT, cells), parts, cells, performance.now() - t0);
  }

  /**
   * Partitions rows[start, end) stably on feature `feature`'s `bin <= splitBin` (or its NaN bin, when `nanBin` ≥ 0):
   * left rows first, both sides in their order. Returns the first right position. A big range is cut into one
   * piece per thread; each piece is partitioned on its own and the pieces are joined, left sides first, which is
   * the same partition.
   */
  partition(feature: number, start: number, end: number, splitBin: number, nanBin: number): number {
    const a = this.arena!;
    const n = end - start;
    const cells = n * PARTITION_CELLS_PER_ROW;
    const jobClass = this.jobClass(PARTITION, cells);
    const parts = this.choose(jobClass, cells < this.minParallelCells ? 1 : n);
    const t0 = performance.now();
    const cut = (p: number): number => (p >= parts ? end : start + Math.round((p * n) / parts));
    for (let p = 1; p < parts; p++) this.post(p - 1, PARTITION, cut(p), cut(p + 1), feature, splitBin, nanBin);
    const kernels = this.kernels;
    let left =
      kernels !== undefined
        ? kernels.partition(a.rows.byteOffset, a.scratch.byteOffset, a.bins.byteOffset + feature * a.nRows, start, cut(1), splitBin, nanBin)
        : partitionRows(a.rows, a.scratch, a.bins, feature * a.nRows, start, cut(1), splitBin, nanBin);
    this.join(parts - 1);
    const { rows, scratch } = a;
    // pieces after the first: their left rows move down behind the left rows so far
    const lefts = [left];
    for (let p = 1; p < parts; p++) {
      const l = this.control[(p - 1) * STRIDE + RESULT];
      rows.copyWithin(start + left, cut(p), cut(p) + l);
      left += l;
      lefts.push(l);
    }
    // then every piece's right rows, in order
    let at = start + left;
    for (let p = 0; p < parts; p++) {
      const count = cut(p + 1) - cut(p) - lefts[p];
      rows.set(scratch.subarray(cut(p), cut(p) + count), at);
      at += count;
    }
    this.record(jobClass, parts, cells, performance.now() - t0);
    return start + left;
  }

  /** rowNode[rows[i]] = node over each leaf's range of rows (a tree grown on every row: see computeGradients). */
  setRowNodes(leaves: readonly { start: number; end: number; node: number }[]): void {
    const a = this.arena!;
    const { rows, rowNode } = a;
    const kernels = this.kernels;
    for (const { start, end, node } of leaves) {
      if (kernels !== undefined) kernels.setNodes(rows.byteOffset, rowNode.byteOffset, start, end, node);
      else for (let i = start; i < end; i++) rowNode[rows[i]] = node;
    }
  }

  /** Threads for a histogram job; when more than one, the workers get the tree's features in shared memory. */
  private parts(kind: number, cells: number, features: Int32Array): number {
    const parts = this.choose(this.jobClass(kind, cells), cells < this.minParallelCells ? 1 : features.length);
    if (parts > 1 && features !== this.lastFeatures) {
      this.features.set(features);
      this.lastFeatures = features;
    }
    return parts;
  }

  /**
   * One thread, or as many as allowed (≤ `limit`), whichever has cost less per cell lately for this class of
   * job; the other way gets one job in EXPLORE, so that a change of load on the machine is noticed.
   */
  private choose(jobClass: number, limit: number): number {
    const parts = Math.min(this.workers.length + 1, limit);
    if (parts <= 1) return 1;
    const alone = this.cost[2 * jobClass];
    const split = this.cost[2 * jobClass + 1];
    if (split === 0) return parts; // not tried yet
    if (alone === 0) return 1;
    const best = split < alone ? parts : 1;
    return ++this.jobs[jobClass] % EXPLORE === 0 ? (best === 1 ? parts : 1) : best;
  }

  private jobClass(kind: number, cells: number): number {
    const size = Math.floor(Math.log2(Math.max(1, cells / Math.max(1, this.minParallelCells))));
    return kind * SIZE_CLASSES + Math.min(SIZE_CLASSES - 1, Math.max(0, size));
  }

  /** Adds a job's wall time per cell to the running cost of its class and way (single- or multi-threaded). */
  private record(jobClass: number, parts: number, cells: number, ms: number): void {
    if (this.workers.length === 0 || cells < this.minParallelCells) return;
    const k = 2 * jobClass + (parts > 1 ? 1 : 0);
    if (this.warmedUp[k] === 0) {
      this.warmedUp[k] = 1; // the first job of a class may wait for a worker's boot or its compiler: not a cost
      return;
    }
    const perCell = ms / cells;
    this.cost[k] = this.cost[k] === 0 ? perCell : 0.75 * this.cost[k] + 0.25 * perCell;
  }

  /**
   * Feature slice boundaries; with enough features, the workers' slices are multiples of 8 (or 4), keeping the
   * kernel's eight- and four-feature passes full, and the main thread, which starts at once while a worker may
   * still be waking, takes the remainder at the front.
   */
  private cutter(count: number, parts: number): (p: number) => number {
    const unit = count >= 8 * parts ? 8 : count >= 4 * parts ? 4 : 1;
    return (p) => (p >= parts ? count : count - unit * Math.round(((parts - p) * count) / parts / unit));
  }

  private post(k: number, kind: number, start: number, end: number, from: number, to: number, slot: number): void {
    const c = this.control;
    const o = k * STRIDE;
    c[o + KIND] = kind;
    c[o + START] = start;
    c[o + END] = end;
    c[o + FROM] = from;
    c[o + TO] = to;
    c[o + SLOT] = slot;
    Atomics.add(c, o + SEQ, 1); // publishes the fields above
    Atomics.notify(c, o + SEQ);
  }

  /** Waits for workers 0 .. count − 1 to finish their current job: a short spin, then a futex wait. */
  private join(count: number): void {
    const c = this.control;
    for (let k = 0; k < count; k++) {
      const o = k * STRIDE;
      const seq = c[o + SEQ];
      for (let spin = 0; ; spin++) {
        const done = Atomics.load(c, o + DONE);
        if (done === seq) break;
        if (spin >= 200) Atomics.wait(c, o + DONE, done);
      }
      if (c[o + FAILED] !== 0) throw new Error(`histogram worker ${k + 1} failed`);
    }
  }

  /** Ends the workers' job loops, then the workers. */
  async close(): Promise<void> {
    if (this.arena !== undefined) {
      this.workers.forEach((_, k) => this.post(k, DETACH, 0, 0, 0, 0, 0));
      this.join(this.workers.length);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
