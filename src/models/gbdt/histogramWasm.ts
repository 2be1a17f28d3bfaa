/**
 * The histogram passes as a WebAssembly module over one shared memory, its bytes written here (no tool
 * chain): with 128-bit SIMD, a row's (gradient, hessian) pair is one 16-byte load, and each histogram cell
 * (gradient, hessian) one load, one f64x2.add and one store, where the JavaScript loop does each twice and
 * checks bounds. The sums are the same as `accumulateHistograms`'s bit for bit: each lane is an IEEE double
 * addition, and rows are added in the same order.
 *
 * Functions (all arguments i32; pointers are byte offsets into the memory):
 * - `pass{K}(rows, gh, start, end, stride, c0..c{K-1}, h0..h{K-1})`, K = 8, 4, 1: for i in [start, end),
 *   row = rows[i], pair = gh[i] (16 bytes), and per feature k the cell at h_k + 16 · bin, where bin is the
 *   byte at c_k + row · stride (column-major bins: c_k = column start, stride 1; row-major: c_k = bins + f,
 *   stride = columns).
 * - `skip1(rows, gh, start, end, stride, c, h, skipBin)`: the same for one feature, rows in bin `skipBin` left out.
 * - `root{K}(grad, hess, n, c0..c{K-1}, h0..h{K-1})`: every row in order, no row indirection (rows[i] = i), the
 *   pair read in place from the gradient and hessian arrays (two 8-byte loads into one vector), so the root needs no gather.
 * - `sparse1(list, from, to, grad, hess, c, h)`: for q in [from, to), row = list[q]: the cell of the byte at c + row
 *   gets (grad[row], hess[row]).
 * - `partition(rows, scratch, col, start, end, splitBin, nanBin)`: partitionRows (see histogramKernel), the bins
 *   of the column at byte `col`; returns the count of left rows.
 * - `gather(rows, grad, hess, gh, from, to)`: for i in [from, to), gh[i] = (grad[rows[i]], hess[rows[i]]): the pairs the
 *   passes read in sequence.
 * - `gradients(odds, y, w, grad, hess, rowNode, nodeFactor, from, to)`: computeGradients (see histogramKernel).
 * - `setNodes(rows, rowNode, start, end, node)`: rowNode[rows[i]] = node for i in [start, end) (a leaf's rows).
 */

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// instructions
const get = (i: number): number[] => [0x20, ...uleb(i)];
const set = (i: number): number[] => [0x21, ...uleb(i)];
const tee = (i: number): number[] => [0x22, ...uleb(i)];
const i32c = (v: number): number[] => [0x41, ...sleb(v)];
const ADD = [0x6a];
const MUL = [0x6c];
const SHL = [0x74];
const SUB = [0x6b];
const GE_S = [0x4e];
const NE = [0x47];
const EQ = [0x46];
const LE_U = [0x4d];
const OR = [0x72];
const store32 = [0x36, 2, 0];
const f64load = [0x2b, 3, 0];
const f64store = (offset: number): number[] => [0x39, 3, ...uleb(offset)];
const f64c = (v: number): number[] => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)];
const F64_LT = [0x63];
const F64_GT = [0x64];
const F64_ADD = [0xa0];
const F64_SUB = [0xa1];
const F64_MUL = [0xa2];
const F64_DIV = [0xa3];
const F64_FROM_U32 = [0xb8];
const SELECT = [0x1b];
const load8 = [0x2d, 0, 0];
const load32 = [0x28, 2, 0];
const v128load = [0xfd, 0x00, 4, 0];
const v128store = [0xfd, 0x0b, 4, 0];
const load64zero = [0xfd, ...uleb(0x5d), 3, 0];
const load64lane1 = [0xfd, ...uleb(0x57), 3, 0, 1];
const f64x2add = [0xfd, ...uleb(0xf0)];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const IF = [0x04, 0x40];
const END = [0x0b];
const br = (d: number): number[] => [0x0c, ...uleb(d)];
const brIf = (d: number): number[] => [0x0d, ...uleb(d)];

interface Func {
  name: string;
  params: number;
  /** Returns an i32. */
  result?: boolean;
  /** Extra locals: counts of i32 then v128. */
  i32Locals: number;
  v128Locals: number;
  f64Locals?: number;
  body: number[];
}

/** cell += pair, the cell at h + 16 · (byte at binAddr): binAddr and the pair local are on hand as code. */
function addCell(binAddr: number[], h: number, pair: number, cell: number): number[] {
  return [
    ...binAddr, ...load8, ...i32c(4), ...SHL, ...get(h), ...ADD, ...tee(cell),
    ...get(cell), ...v128load, ...get(pair), ...f64x2add, ...v128store,
  ];
}

/** for (i = from; i < to; i++) { body } with i, to as locals; `body` may use i. */
function loop(i: number, to: number, body: number[]): number[] {
  return [...BLOCK, ...LOOP, ...get(i), ...get(to), ...GE_S, ...brIf(1), ...body, ...get(i), ...i32c(1), ...ADD, ...set(i), ...br(0), ...END, ...END];
}

function passK(k: number): Func {
  // params: rows 0, gh 1, start 2, end 3, stride 4, c 5.., h 5+k..; locals: o, cell, pair
  const c = (j: number): number => 5 + j;
  const h = (j: number): number => 5 + k + j;
  const o = 5 + 2 * k;
  const cell = o + 1;
  const pair = o + 2;
  const body = [
    ...get(0), ...get(2), ...i32c(2), ...SHL, ...ADD, ...load32, ...get(4), ...MUL, ...set(o),
    ...get(1), ...get(2), ...i32c(4), ...SHL, ...ADD, ...v128load, ...set(pair),
  ];
  for (let j = 0; j < k; j++) body.push(...addCell([...get(c(j)), ...get(o), ...ADD], h(j), pair, cell));
  return { name: `pass${k}`, params: 5 + 2 * k, i32Locals: 2, v128Locals: 1, body: loop(2, 3, body) };
}

function skip1(): Func {
  // params: rows 0, gh 1, start 2, end 3, stride 4, c 5, h 6, skip 7; locals: bin 8, cell 9, pair 10
  const body = [
    ...get(5), ...get(0), ...get(2), ...i32c(2), ...SHL, ...ADD, ...load32, ...get(4), ...MUL, ...ADD, ...load8, ...tee(8),
    ...get(7), ...NE, ...IF,
    ...get(1), ...get(2), ...i32c(4), ...SHL, ...ADD, ...v128load, ...set(10),
    ...get(8), ...i32c(4), ...SHL, ...get(6), ...ADD, ...tee(9),
    ...get(9), ...v128load, ...get(10), ...f64x2add, ...v128store,
    ...END,
  ];
  return { name: 'skip1', params: 8, i32Locals: 2, v128Locals: 1, body: loop(2, 3, body) };
}

/** The pair (grad[row], hess[row]) as a v128, from the gradient and hessian arrays at params g, h and the row at local r. */
function pairOf(g: number, h: number, r: number): number[] {
  return [
    ...get(h), ...get(r), ...i32c(3), ...SHL, ...ADD,
    ...get(g), ...get(r), ...i32c(3), ...SHL, ...ADD, ...load64zero,
    ...load64lane1,
  ];
}

function rootK(k: number): Func {
  // params: grad 0, hess 1, n 2, c 3.., h 3+k..; locals: i, cell, pair
  const c = (j: number): number => 3 + j;
  const h = (j: number): number => 3 + k + j;
  const i = 3 + 2 * k;
  const cell = i + 1;
  const pair = i + 2;
  const body = [...pairOf(0, 1, i), ...set(pair)];
  for (let j = 0; j < k; j++) body.push(...addCell([...get(c(j)), ...get(i), ...ADD], h(j), pair, cell));
  return { name: `root${k}`, params: 3 + 2 * k, i32Locals: 2, v128Locals: 1, body: [...i32c(0), ...set(i), ...loop(i, 2, body)] };
}

function sparse1(): Func {
  // params: list 0, from 1, to 2, grad 3, hess 4, c 5, h 6; locals: row 7, cell 8, pair 9
  const body = [
    ...get(0), ...get(1), ...i32c(2), ...SHL, ...ADD, ...load32, ...set(7),
    ...pairOf(3, 4, 7), ...set(9),
    ...addCell([...get(5), ...get(7), ...ADD], 6, 9, 8),
  ];
  return { name: 'sparse1', params: 7, i32Locals: 2, v128Locals: 1, body: loop(1, 2, body) };
}

function partition(): Func {
  // params: rows 0, scratch 1, col 2, start 3, end 4, splitBin 5, nanBin 6; locals: l 7, r 8, row 9, bin 10, left 11, i 12
  // branch-free, as partitionRows: every row is written to both sides and only the matching cursor advances
  const body = [
    ...get(0), ...get(12), ...i32c(2), ...SHL, ...ADD, ...load32, ...tee(9),
    ...get(2), ...ADD, ...load8, ...tee(10), ...get(5), ...LE_U, ...get(10), ...get(6), ...EQ, ...OR, ...set(11),
    ...get(0), ...get(7), ...i32c(2), ...SHL, ...ADD, ...get(9), ...store32,
    ...get(1), ...get(8), ...i32c(2), ...SHL, ...ADD, ...get(9), ...store32,
    ...get(7), ...get(11), ...ADD, ...set(7),
    ...get(8), ...i32c(1), ...ADD, ...get(11), ...SUB, ...set(8),
  ];
  return {
    name: 'partition', params: 7, result: true, i32Locals: 6, v128Locals: 0,
    body: [...get(3), ...tee(7), ...tee(8), ...set(12), ...loop(12, 4, body), ...get(7), ...get(3), ...SUB],
  };
}

function gather(): Func {
  // params: rows 0, grad 1, hess 2, gh 3, from 4, to 5; locals: r 6, dst 7
  const body = [
    ...get(0), ...get(4), ...i32c(2), ...SHL, ...ADD, ...load32, ...i32c(3), ...SHL, ...set(6),
    ...get(3), ...get(4), ...i32c(4), ...SHL, ...ADD, ...tee(7), ...get(1), ...get(6), ...ADD, ...f64load, ...f64store(0),
    ...get(7), ...get(2), ...get(6), ...ADD, ...f64load, ...f64store(8),
  ];
  return { name: 'gather', params: 6, i32Locals: 2, v128Locals: 0, body: loop(4, 5, body) };
}

function gradients(): Func {
  // params: odds 0, y 1, w 2, grad 3, hess 4, rowNode 5, nodeFactor 6, from 7, to 8; locals: i8 9, v 10, e 11, q 12, pr 13
  // (i8 = 8 · i); the same operations in the same order as computeGradients, so the same doubles
  const at = (base: number): number[] => [...get(base), ...get(9), ...ADD];
  const body = [
    ...get(7), ...i32c(3), ...SHL, ...set(9),
    ...at(0), ...f64load,
    ...get(6), ...get(5), ...get(7), ...i32c(2), ...SHL, ...ADD, ...load32, ...i32c(3), ...SHL, ...ADD, ...f64load,
    ...F64_MUL, ...set(10),
    // e = v < 1e300 ? (v > 1e-300 ? v : 1e-300) : 1e300
    ...get(10), ...f64c(1e-300), ...get(10), ...f64c(1e-300), ...F64_GT, ...SELECT, ...f64c(1e300), ...get(10), ...f64c(1e300), ...F64_LT, ...SELECT,
    ...set(11),
    ...at(0), ...get(11), ...f64store(0),
    ...f64c(1), ...f64c(1), ...get(11), ...F64_ADD, ...F64_DIV, ...set(12),
    ...get(11), ...get(12), ...F64_MUL, ...set(13),
    ...at(3), ...get(13), ...get(1), ...get(7), ...ADD, ...load8, ...F64_FROM_U32, ...F64_SUB, ...at(2), ...f64load, ...F64_MUL, ...f64store(0),
    ...at(4), ...get(13), ...get(12), ...F64_MUL, ...at(2), ...f64load, ...F64_MUL, ...f64store(0),
  ];
  return { name: 'gradients', params: 9, i32Locals: 1, v128Locals: 0, f64Locals: 4, body: loop(7, 8, body) };
}

function setNodes(): Func {
  // params: rows 0, rowNode 1, start 2, end 3, node 4
  const body = [...get(1), ...get(0), ...get(2), ...i32c(2), ...SHL, ...ADD, ...load32, ...i32c(2), ...SHL, ...ADD, ...get(4), ...store32];
  return { name: 'setNodes', params: 5, i32Locals: 0, v128Locals: 0, body: loop(2, 3, body) };
}

/** The module's bytes; it imports its memory as env.memory (shared, up to `maxPages` pages of 64 KiB). */
export function histogramModuleBytes(maxPages: number): Uint8Array<ArrayBuffer> {
  const funcs = [passK(8), passK(4), passK(1), skip1(), rootK(8), rootK(4), rootK(1), sparse1(), partition(), gather(), gradients(), setNodes()];
  const types = funcs.map((f) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), ...(f.result === true ? vec([[I32]]) : [0])]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x03, ...uleb(1), ...uleb(maxPages)]])),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(funcs.map((f) => {
      const locals = vec([[...uleb(f.i32Locals), I32], [...uleb(f.v128Locals), V128], [...uleb(f.f64Locals ?? 0), F64]]);
      const code = [...locals, ...f.body, ...END];
      return [...uleb(code.length), ...code];
    }))),
  ];
  return new Uint8Array(bytes);
}

/** The module's exports (see the functions above). */
export interface HistogramKernels {
  pass8: (...args: number[]) => void;
  pass4: (...args: number[]) => void;
  pass1: (...args: number[]) => void;
  skip1: (...args: number[]) => void;
  root8: (...args: number[]) => void;
  root4: (...args: number[]) => void;
  root1: (...args: number[]) => void;
  sparse1: (...args: number[]) => void;
  partition: (...args: number[]) => number;
  gather: (...args: number[]) => void;
  gradients: (...args: number[]) => void;
  setNodes: (...args: number[]) => void;
}

/** The compiled module and the shared memory every array it reads or writes lives in; posted to the workers. */
export interface WasmHistograms {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

/** Pages of 64 KiB a 32-bit memory may hold. */
const MAX_PAGES = 65536;
let compiled: WebAssembly.Module | null | undefined;

/** The module, compiled once per process; null where WebAssembly or its SIMD is not available. */
function histogramModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(histogramModuleBytes(MAX_PAGES));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/**
 * A shared memory holding arrays of the given byte sizes (each at a 64-byte boundary), and their offsets; or
 * undefined when they do not fit in 4 GiB, WebAssembly is not available, or FRAUDOPS_GBDT_KERNELS=js asks for
 * the JavaScript kernels (which then run, to the same model).
 */
export function allocateWasmHistograms(
  sizes: number[], env: Record<string, string | undefined> = process.env,
): { wasm: WasmHistograms; offsets: number[] } | undefined {
  if (env.FRAUDOPS_GBDT_KERNELS === 'js') return undefined;
  const module = histogramModule();
  if (module === null) return undefined;
  const offsets: number[] = [];
  let at = 64; // address 0 stays unused
  for (const size of sizes) {
    offsets.push(at);
    at += Math.ceil(Math.max(1, size) / 64) * 64;
  }
  const pages = Math.ceil(at / 65536);
  if (pages > MAX_PAGES) return undefined;
  try {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    return { wasm: { module, memory }, offsets };
  } catch {
    return undefined;
  }
}

/** The kernels of a module over its memory (one instance per thread). */
export function instantiateKernels(wasm: WasmHistograms): HistogramKernels {
  return new WebAssembly.Instance(wasm.module, { env: { memory: wasm.memory } }).exports as unknown as HistogramKernels;
}

/**
 * `accumulateHistograms`/`accumulateColumnHistograms` through the module: the same features in the same passes
 * (eight, four, then one at a time; a feature with a dominant bin alone, that bin left out), the pairs read from
 * `orderedGH` (gradient, hessian of the row at each position). Bins of feature f start at
 * `bins.byteOffset + f · colStep`, a row's at `stride` bytes per row (column-major: colStep = rows, stride = 1;
 * row-major: colStep = 1, stride = columns). Every array must be a view of the module's memory.
 * Self-contained for the workers.
 */
export function wasmHistograms(
  kernels: HistogramKernels, rows: Int32Array, orderedGH: Float64Array, start: number, end: number,
  bins: Uint8Array, colStep: number, stride: number, features: Int32Array, from: number, to: number,
  hist: Float64Array, slotOffset: number, featureOffset: Int32Array, numBins: Int32Array, skipBin: Int32Array,
): void {
  const r = rows.byteOffset;
  const gh = orderedGH.byteOffset;
  const b0 = bins.byteOffset;
  const h0 = hist.byteOffset + 8 * slotOffset;
  const c = (f: number): number => b0 + f * colStep;
  const h = (f: number): number => h0 + 8 * featureOffset[f];
  const zero = (f: number): void => {
    const base = slotOffset + featureOffset[f];
    hist.fill(0, base, base + 2 * numBins[f]);
  };
  let k = from;
  while (k < to) {
    let dense = k;
    while (dense < to && skipBin[features[dense]] < 0) dense++;
    for (; k + 8 <= dense; k += 8) {
      const f0 = features[k], f1 = features[k + 1], f2 = features[k + 2], f3 = features[k + 3];
      const f4 = features[k + 4], f5 = features[k + 5], f6 = features[k + 6], f7 = features[k + 7];
      for (let q = k; q < k + 8; q++) zero(features[q]);
      kernels.pass8(r, gh, start, end, stride, c(f0), c(f1), c(f2), c(f3), c(f4), c(f5), c(f6), c(f7),
        h(f0), h(f1), h(f2), h(f3), h(f4), h(f5), h(f6), h(f7));
    }
    for (; k + 4 <= dense; k += 4) {
      const f0 = features[k], f1 = features[k + 1], f2 = features[k + 2], f3 = features[k + 3];
      for (let q = k; q < k + 4; q++) zero(features[q]);
      kernels.pass4(r, gh, start, end, stride, c(f0), c(f1), c(f2), c(f3), h(f0), h(f1), h(f2), h(f3));
    }
    const stop = Math.min(to, dense + 1);
    for (; k < stop; k++) {
      const f = features[k];
      zero(f);
      if (skipBin[f] >= 0) kernels.skip1(r, gh, start, end, stride, c(f), h(f), skipBin[f]);
      else kernels.pass1(r, gh, start, end, stride, c(f), h(f));
    }
  }
}

/**
 * `accumulateRootHistograms` through the module: every row in order, gradients and hessians read in place, a feature with a dominant bin over its other rows only
 * (`sparseRows`, see nonDominantRows). Every array must be a view of the module's memory. Self-contained for the workers.
 */
export function wasmRootHistograms(
  kernels: HistogramKernels, grad: Float64Array, hess: Float64Array, nRows: number, bins: Uint8Array, features: Int32Array, from: number,
  to: number, hist: Float64Array, slotOffset: number, featureOffset: Int32Array, numBins: Int32Array, skipBin: Int32Array,
  sparseRows: Int32Array, sparseStart: Int32Array,
): void {
  const g = grad.byteOffset;
  const gs = hess.byteOffset;
  const b0 = bins.byteOffset;
  const h0 = hist.byteOffset + 8 * slotOffset;
  const c = (f: number): number => b0 + f * nRows;
  const h = (f: number): number => h0 + 8 * featureOffset[f];
  const zero = (f: number): void => {
    const base = slotOffset + featureOffset[f];
    hist.fill(0, base, base + 2 * numBins[f]);
  };
  let k = from;
  while (k < to) {
    let dense = k;
    while (dense < to && skipBin[features[dense]] < 0) dense++;
    for (; k + 8 <= dense; k += 8) {
      const f0 = features[k], f1 = features[k + 1], f2 = features[k + 2], f3 = features[k + 3];
      const f4 = features[k + 4], f5 = features[k + 5], f6 = features[k + 6], f7 = features[k + 7];
      for (let q = k; q < k + 8; q++) zero(features[q]);
      kernels.root8(g, gs, nRows, c(f0), c(f1), c(f2), c(f3), c(f4), c(f5), c(f6), c(f7), h(f0), h(f1), h(f2), h(f3), h(f4), h(f5), h(f6), h(f7));
    }
    for (; k + 4 <= dense; k += 4) {
      const f0 = features[k], f1 = features[k + 1], f2 = features[k + 2], f3 = features[k + 3];
      for (let q = k; q < k + 4; q++) zero(features[q]);
      kernels.root4(g, gs, nRows, c(f0), c(f1), c(f2), c(f3), h(f0), h(f1), h(f2), h(f3));
    }
    const stop = Math.min(to, dense + 1);
    for (; k < stop; k++) {
      const f = features[k];
      zero(f);
      if (skipBin[f] >= 0) kernels.sparse1(sparseRows.byteOffset, sparseStart[f], sparseStart[f + 1], g, gs, c(f), h(f));
      else kernels.root1(g, gs, nRows, c(f), h(f));
    }
  }
}
