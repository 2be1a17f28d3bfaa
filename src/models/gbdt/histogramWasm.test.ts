import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../util/prng.js';
import {
  accumulateColumnHistograms, accumulateHistograms, accumulateRootHistograms, computeGradients, nonDominantRows, partitionRows,
} from './histogramKernel.js';
import { allocateWasmHistograms, instantiateKernels, wasmHistograms, wasmRootHistograms } from './histogramWasm.js';
import { nonlinearDataset } from '../testkit.js';
import { trainGbdt } from './trainGbdt.js';

describe('models > gbdt > WebAssembly histogram kernels', () => {
  // 13 features (an eight-, a four- and a one-feature pass), some with one bin holding most rows
  const rows = 5000;
  const cols = 13;
  const rand = mulberry32(11);
  const numBins = Int32Array.from({ length: cols }, (_, f) => (f % 3 === 0 ? 2 : f === 5 ? 256 : 40));
  const featureOffset = new Int32Array(cols);
  for (let f = 1; f < cols; f++) featureOffset[f] = featureOffset[f - 1] + 2 * numBins[f - 1];
  const slotSize = featureOffset[cols - 1] + 2 * numBins[cols - 1];
  const slots = 2;
  const features = Int32Array.from({ length: cols }, (_, f) => f);
  const skip = Int32Array.from({ length: cols }, (_, f) => (f % 2 === 0 ? 1 : -1));
  const none = new Int32Array(cols).fill(-1);
  const leafRows = Int32Array.from({ length: Math.ceil(rows / 3) }, (_, k) => 3 * k);
  const bins = new Uint8Array(rows * cols);
  const rowBins = new Uint8Array(rows * cols);
  for (let f = 0; f < cols; f++) {
    for (let i = 0; i < rows; i++) {
      const b = f % 2 === 0 && rand() < 0.95 ? 1 : Math.floor(rand() * numBins[f]);
      bins[f * rows + i] = b;
      rowBins[i * cols + f] = b;
    }
  }
  const sparse = nonDominantRows(bins, rows, skip);

  // the module's memory: bins, rowBins, the leaf's rows, pairs, histograms, the root's sparse rows, gradients,
  // hessians, all rows, partition scratch
  const placed = allocateWasmHistograms([
    rows * cols, rows * cols, 4 * leafRows.length, 16 * rows, 8 * slots * slotSize, 4 * sparse.rows.length, 8 * rows, 8 * rows, 4 * rows, 4 * rows,
  ]);
  if (placed === undefined) throw new Error('WebAssembly SIMD is not available');
  const { buffer } = placed.wasm.memory;
  const at = placed.offsets;
  const wBins = new Uint8Array(buffer, at[0], rows * cols);
  wBins.set(bins);
  const wRowBins = new Uint8Array(buffer, at[1], rows * cols);
  wRowBins.set(rowBins);
  const wRows = new Int32Array(buffer, at[2], leafRows.length);
  wRows.set(leafRows);
  const gh = new Float64Array(buffer, at[3], 2 * rows);
  const hist = new Float64Array(buffer, at[4], slots * slotSize);
  const wSparse = new Int32Array(buffer, at[5], sparse.rows.length);
  wSparse.set(sparse.rows);
  const grad = new Float64Array(buffer, at[6], rows);
  const hess = new Float64Array(buffer, at[7], rows);
  const all = new Int32Array(buffer, at[8], rows);
  for (let i = 0; i < rows; i++) {
    grad[i] = rand() - 0.5;
    hess[i] = 0.25 * rand();
    all[i] = i;
  }
  const scratch = new Int32Array(buffer, at[9], rows);
  const kernels = instantiateKernels(placed.wasm);
  const gather = (r: Int32Array, n: number): void => kernels.gather(r.byteOffset, grad.byteOffset, hess.byteOffset, gh.byteOffset, 0, n);
  const og = Float64Array.from(leafRows, (r) => grad[r]);
  const oh = Float64Array.from(leafRows, (r) => hess[r]);
  // the second slot, a slice of the features: what a thread's job writes
  const slot = slotSize;
  const [from, to] = [2, 12];

  for (const [name, skipBin] of [['with dominant bins skipped', skip], ['without skipping', none]] as const) {
    it(`leaves, both layouts, ${name}: the same sums as the JavaScript kernels, bit for bit`, () => {
      gather(wRows, leafRows.length);
      const expected = new Float64Array(slots * slotSize);
      accumulateColumnHistograms(bins, rows, leafRows, og, oh, 0, leafRows.length, features, from, to, expected, slot, featureOffset, numBins, skipBin);
      hist.fill(7); // stale values must be overwritten
      wasmHistograms(kernels, wRows, gh, 0, leafRows.length, wBins, rows, 1, features, from, to, hist, slot, featureOffset, numBins, skipBin);
      for (let k = from; k < to; k++) {
        const o = slot + featureOffset[k];
        expect(hist.slice(o, o + 2 * numBins[k])).toEqual(expected.slice(o, o + 2 * numBins[k]));
      }
      const rowMajor = new Float64Array(slots * slotSize);
      accumulateHistograms(rowBins, cols, leafRows, og, oh, 0, leafRows.length, features, from, to, rowMajor, slot, featureOffset, numBins, skipBin);
      hist.fill(7);
      wasmHistograms(kernels, wRows, gh, 0, leafRows.length, wRowBins, 1, cols, features, from, to, hist, slot, featureOffset, numBins, skipBin);
      for (let k = from; k < to; k++) {
        const o = slot + featureOffset[k];
        expect(hist.slice(o, o + 2 * numBins[k])).toEqual(rowMajor.slice(o, o + 2 * numBins[k]));
      }
    });

    it(`the root, ${name}: the same sums as the JavaScript kernel, bit for bit`, () => {
      gh.fill(7); // the root reads gradients and hessians in place
      const start = skipBin === skip ? sparse.start : new Int32Array(cols + 1);
      const expected = new Float64Array(slotSize);
      accumulateRootHistograms(bins, rows, grad, hess, features, 0, cols, expected, 0, featureOffset, numBins, skipBin, sparse.rows, start);
      hist.fill(7);
      wasmRootHistograms(kernels, grad, hess, rows, wBins, features, 0, cols, hist, 0, featureOffset, numBins, skipBin, wSparse, start);
      expect(hist.slice(0, slotSize)).toEqual(expected);
    });
  }

  it('gathers each position\'s (gradient, hessian) pair', () => {
    gh.fill(7);
    gather(wRows, leafRows.length);
    for (let i = 0; i < leafRows.length; i++) expect([gh[2 * i], gh[2 * i + 1]]).toEqual([grad[leafRows[i]], hess[leafRows[i]]]);
  });

  it('partitions a range of rows as partitionRows does, with and without missing values going left', () => {
    const f = 4; // 40 bins
    for (const [splitBin, nanBin] of [[17, -1], [17, 39], [0, -1], [39, -1]]) {
      const expected = Int32Array.from({ length: rows }, (_, i) => i);
      const expectedScratch = new Int32Array(rows);
      const left = partitionRows(expected, expectedScratch, bins, f * rows, 100, 4100, splitBin, nanBin);
      for (let i = 0; i < rows; i++) all[i] = i;
      scratch.fill(0);
      expect(kernels.partition(all.byteOffset, scratch.byteOffset, wBins.byteOffset + f * rows, 100, 4100, splitBin, nanBin)).toBe(left);
      expect(all.slice(100, 100 + left)).toEqual(expected.slice(100, 100 + left));
      expect(scratch.slice(100, 4100 - left)).toEqual(expectedScratch.slice(100, 4100 - left));
    }
    for (let i = 0; i < rows; i++) all[i] = i;
  });

  it('a fit gives the same model with the JavaScript kernels (FRAUDOPS_GBDT_KERNELS=js), on one thread and two', async () => {
    const { X, y } = nonlinearDataset(3000, 8, 21);
    // feature 2 zero on most rows: a dominant bin, skipped and restored
    for (let i = 0; i < X.rows; i++) if (X.data[i * X.cols + 2] < 0.8) X.data[i * X.cols + 2] = 0;
    const fit = async (threads: number): Promise<string> =>
      JSON.stringify((await trainGbdt(X, y, { nEstimators: 15, seed: 4, threads, minParallelCells: 0 })).model.toJSON());
    const wasm = await fit(1);
    const before = process.env.FRAUDOPS_GBDT_KERNELS;
    process.env.FRAUDOPS_GBDT_KERNELS = 'js';
    try {
      expect(await fit(1)).toBe(wasm);
      expect(await fit(2)).toBe(wasm);
    } finally {
      if (before === undefined) delete process.env.FRAUDOPS_GBDT_KERNELS;
      else process.env.FRAUDOPS_GBDT_KERNELS = before;
    }
    expect(await fit(2)).toBe(wasm);
  });

  it('computes gradients, hessians and odds as computeGradients does, bit for bit, odds clamped alike', () => {
    const n = 1000;
    const nodes = 8;
    const mem = allocateWasmHistograms([8 * n, n, 8 * n, 8 * n, 8 * n, 4 * n, 8 * nodes]);
    if (mem === undefined) throw new Error('WebAssembly SIMD is not available');
    const b = mem.wasm.memory.buffer;
    const [o, yy, ww, g, h, rn, nf] = mem.offsets;
    const odds = new Float64Array(b, o, n);
    const y = new Uint8Array(b, yy, n);
    const w = new Float64Array(b, ww, n);
    const rowNode = new Int32Array(b, rn, n);
    const factor = new Float64Array(b, nf, nodes);
    factor.set([1, 0.5, 3, 1e305, 1e-310, 1e300, 2, 1.5]);
    for (let i = 0; i < n; i++) {
      odds[i] = i % 97 === 0 ? 1e299 : 0.01 + rand();
      y[i] = rand() < 0.1 ? 1 : 0;
      w[i] = 0.5 + rand();
      rowNode[i] = i % nodes;
    }
    const jsOdds = odds.slice();
    const jsGrad = new Float64Array(n);
    const jsHess = new Float64Array(n);
    for (let round = 0; round < 3; round++) {
      computeGradients(jsOdds, y, w, jsGrad, jsHess, rowNode, factor, 10, n);
      instantiateKernels(mem.wasm).gradients(o, yy, ww, g, h, rn, nf, 10, n);
    }
    expect(odds).toEqual(jsOdds);
    expect(new Float64Array(b, g, n)).toEqual(jsGrad);
    expect(new Float64Array(b, h, n)).toEqual(jsHess);
  });

  it('sets the node of each of a leaf\'s rows', () => {
    const nodes = new Int32Array(buffer, at[9], rows).fill(-1); // the partition scratch, free here
    kernels.setNodes(wRows.byteOffset, nodes.byteOffset, 10, 200, 7);
    const expected = new Int32Array(rows).fill(-1);
    for (let i = 10; i < 200; i++) expected[leafRows[i]] = 7;
    expect(nodes.slice()).toEqual(expected);
  });
});
