/**
 * The simulated world: customer and terminal profiles (Handbook chapter 3) plus a uniform-grid spatial index of
 * terminals, so "terminals within radius r" never has to be materialised per customer. Customers and terminals
 * are both stored in grid-cell order: a day is simulated customer by customer in that order, so consecutive
 * customers draw from the same few cells of terminals and stay in cache. Ids are the original (drawing order)
 * indexes, independent of location. All arrays live in SharedArrayBuffers: the population is built once and
 * read by every worker thread without copying.
 */
import { Purpose, streamFor } from '../util/prng.js';
import type { ResolvedOptions } from './options.js';

export interface Population {
  customers: number;
  terminals: number;
  gridSize: number;
  radius: number;
  cellSize: number;
  cellsPerSide: number;
  /** Customer attributes by position in cell order; custIndex[pos] is the customer's index (its id source). */
  custIndex: Int32Array;
  /** Inverse of custIndex: customer index → position. */
  custPos: Int32Array;
  custX: Float32Array;
  custY: Float32Array;
  custMeanAmount: Float32Array;
  /** exp(-mean_nb_tx_per_day), ready for the Poisson draw. */
  custExpMinusLambda: Float64Array;
  /** 1 when at least one terminal lies within the radius; other customers make no transactions. */
  custActive: Uint8Array;
  /** Terminal coordinates and ids ordered by grid cell (row-major); cell c holds [cellStart[c], cellStart[c+1]). */
  /** x, y interleaved. */
  termXY: Float32Array;
  termId: Int32Array;
  /** Inverse of termId: terminal id → position in cell order. */
  termPos: Int32Array;
  cellStart: Int32Array;
  /**
   * Each customer's neighbourhood (by position), BAND_STRIDE bytes: the first cell row its circle reaches, the
   * number of rows, then per row the first and last cell column a chord of the circle crosses (first > last when
   * the chord misses the row). Terminals in reach lie in those cells; fixed by the population, so computed once.
   */
  custBands: Uint8Array;
  activeCustomers: number;
  /** Sum of mean_nb_tx_per_day over active customers: sizes the per-day arrays. */
  activeLambdaSum: number;
}

function shared<T>(ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T {
  return new ctor(new SharedArrayBuffer(Math.max(1, n) * ctor.BYTES_PER_ELEMENT));
}

/** Cell rows a customer's circle may cross: its diameter spans 4 cell heights (5 rows), one more for rounding. */
export const MAX_BANDS = 6;
export const BAND_STRIDE = 2 + 2 * MAX_BANDS;

export function cellOf(v: number, cellSize: number, cellsPerSide: number): number {
  const c = Math.floor(v / cellSize);
  return c < 0 ? 0 : c >= cellsPerSide ? cellsPerSide - 1 : c;
}

export function buildPopulation(o: ResolvedOptions): Population {
  const { customers, terminals, gridSize, radius } = o;
  // Cells of half the radius: the square around a customer's circle spans about 5×5 cells, so a uniform
  // draw over those cells lands inside the circle about half the time.
  const cellSize = radius / 2;
  const cellsPerSide = Math.max(1, Math.ceil(gridSize / cellSize));

  const cells = cellsPerSide * cellsPerSide;
  const rawCustX = new Float32Array(customers);
  const rawCustY = new Float32Array(customers);
  const rawMean = new Float32Array(customers);
  const rawLambda = new Float32Array(customers);
  const rawCustCell = new Int32Array(customers);
  const custCellStart = new Int32Array(cells + 1);
  const rc = streamFor(o.seed, Purpose.Customers);
  for (let i = 0; i < customers; i++) {
    rawCustX[i] = rc.next() * gridSize;
    rawCustY[i] = rc.next() * gridSize;
    rawMean[i] = 5 + 95 * rc.next();
    rawLambda[i] = 4 * rc.next();
    const c = cellOf(rawCustY[i], cellSize, cellsPerSide) * cellsPerSide + cellOf(rawCustX[i], cellSize, cellsPerSide);
    rawCustCell[i] = c;
    custCellStart[c + 1]++;
  }
  for (let c = 0; c < cells; c++) custCellStart[c + 1] += custCellStart[c];
  const custIndex = shared(Int32Array, customers);
  const custPos = shared(Int32Array, customers);
  const custX = shared(Float32Array, customers);
  const custY = shared(Float32Array, customers);
  const custMeanAmount = shared(Float32Array, customers);
  const custExpMinusLambda = shared(Float64Array, customers);
  const custActive = shared(Uint8Array, customers);
  const lambdas = new Float32Array(customers);
  for (let i = 0; i < customers; i++) {
    const p = custCellStart[rawCustCell[i]]++;
    custIndex[p] = i;
    custPos[i] = p;
    custX[p] = rawCustX[i];
    custY[p] = rawCustY[i];
    custMeanAmount[p] = rawMean[i];
    lambdas[p] = rawLambda[i];
    custExpMinusLambda[p] = Math.exp(-rawLambda[i]);
  }

  const rawX = new Float32Array(terminals);
  const rawY = new Float32Array(terminals);
  const rawCell = new Int32Array(terminals);
  const cellStart = shared(Int32Array, cells + 1);
  const rt = streamFor(o.seed, Purpose.Terminals);
  for (let i = 0; i < terminals; i++) {
    rawX[i] = rt.next() * gridSize;
    rawY[i] = rt.next() * gridSize;
    const c = cellOf(rawY[i], cellSize, cellsPerSide) * cellsPerSide + cellOf(rawX[i], cellSize, cellsPerSide);
    rawCell[i] = c;
    cellStart[c + 1]++;
  }
  for (let c = 0; c < cells; c++) cellStart[c + 1] += cellStart[c];
  const termXY = shared(Float32Array, 2 * terminals);
  const termId = shared(Int32Array, terminals);
  const termPos = shared(Int32Array, terminals);
  const cursor = cellStart.slice(0, cells);
  for (let i = 0; i < terminals; i++) {
    const p = cursor[rawCell[i]]++;
    termXY[2 * p] = rawX[i];
    termXY[2 * p + 1] = rawY[i];
    termId[p] = i;
    termPos[i] = p;
  }

  const pop: Population = {
    customers,
    terminals,
    gridSize,
    radius,
    cellSize,
    cellsPerSide,
    custIndex,
    custPos,
    custX,
    custY,
    custMeanAmount,
    custExpMinusLambda,
    custActive,
    termXY,
    termId,
    termPos,
    cellStart,
    custBands: shared(Uint8Array, customers * BAND_STRIDE),
    activeCustomers: 0,
    activeLambdaSum: 0,
  };
  const r2 = radius * radius;
  let active = 0;
  let lambdaSum = 0;
  for (let i = 0; i < customers; i++) {
    writeBands(pop, i);
    if (anyTerminalWithin(pop, custX[i], custY[i], r2)) {
      custActive[i] = 1;
      active++;
      lambdaSum += lambdas[i];
    }
  }
  pop.activeCustomers = active;
  pop.activeLambdaSum = lambdaSum;
  return pop;
}

/** Fills custBands for the customer at position `c`. */
function writeBands(p: Population, c: number): void {
  const { cellSize, cellsPerSide, radius, custBands } = p;
  const x = p.custX[c];
  const y = p.custY[c];
  const r2 = radius * radius;
  const cy0 = cellOf(y - radius, cellSize, cellsPerSide);
  const cy1 = cellOf(y + radius, cellSize, cellsPerSide);
  if (cellsPerSide > 256 || cy1 - cy0 >= MAX_BANDS) {
    throw new Error(`a grid of ${cellsPerSide}² cells of side ${cellSize} does not fit the neighbourhood index`);
  }
  const b = c * BAND_STRIDE;
  custBands[b] = cy0;
  custBands[b + 1] = cy1 - cy0 + 1;
  for (let cy = cy0; cy <= cy1; cy++) {
    const q = b + 2 + 2 * (cy - cy0);
    const lo = cy * cellSize;
    const dy = y < lo ? lo - y : y >= lo + cellSize ? y - lo - cellSize : 0;
    if (dy >= radius) {
      custBands[q] = 1;
      custBands[q + 1] = 0;
      continue;
    }
    const half = Math.sqrt(r2 - dy * dy);
    custBands[q] = cellOf(x - half, cellSize, cellsPerSide);
    custBands[q + 1] = cellOf(x + half, cellSize, cellsPerSide);
  }
}

function anyTerminalWithin(p: Population, x: number, y: number, r2: number): boolean {
  const { cellSize, cellsPerSide, cellStart, termXY } = p;
  // Any terminal in the customer's own cell is closer than cellSize·√2 < radius: no scan needed.
  const own = cellOf(y, cellSize, cellsPerSide) * cellsPerSide + cellOf(x, cellSize, cellsPerSide);
  if (cellSize * Math.SQRT2 < p.radius && cellStart[own + 1] > cellStart[own]) return true;
  const cx0 = cellOf(x - p.radius, cellSize, cellsPerSide);
  const cx1 = cellOf(x + p.radius, cellSize, cellsPerSide);
  const cy0 = cellOf(y - p.radius, cellSize, cellsPerSide);
  const cy1 = cellOf(y + p.radius, cellSize, cellsPerSide);
  for (let cy = cy0; cy <= cy1; cy++) {
    const end = cellStart[cy * cellsPerSide + cx1 + 1];
    for (let k = cellStart[cy * cellsPerSide + cx0]; k < end; k++) {
      const dx = termXY[2 * k] - x;
      const dy = termXY[2 * k + 1] - y;
      if (dx * dx + dy * dy < r2) return true;
    }
  }
  return false;
}
