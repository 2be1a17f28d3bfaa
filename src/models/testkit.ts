/**
 * Seeded synthetic classification data for tests and benchmarks: uniform features in [-1, 1] and labels
 * drawn from a nonlinear log-odds (sine, interaction, step, square), so linear models stay mediocre and
 * trees have something to learn.
 */
import type { Matrix } from './Classifier.js';
import { mulberry32 } from '../util/prng.js';

export interface Synthetic {
  X: Matrix;
  y: Uint8Array;
}

/** `rows` × `cols` (cols ≥ 5) problem; `noise` scales the log-odds down (1 = fairly separable). */
export function nonlinearDataset(rows: number, cols: number, seed: number, sharpness = 1): Synthetic {
  const rand = mulberry32(seed);
  const data = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) data[o + j] = rand() * 2 - 1;
    const logit =
      sharpness *
      (3 * Math.sin(3 * data[o]) + 4 * data[o + 1] * data[o + 2] + 3 * (data[o + 3] > 0.3 ? 1 : 0) - 4 * data[o + 4] ** 2);
    y[i] = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  const names = Array.from({ length: cols }, (_, j) => `f${j}`);
  return { X: { rows, cols, data, names }, y };
}

/** Rows `from`..`to` of a dataset (a train/test split). */
export function sliceRows(s: Synthetic, from: number, to: number): Synthetic {
  const { cols, names } = s.X;
  return {
    X: { rows: to - from, cols, names, data: s.X.data.slice(from * cols, to * cols) },
    y: s.y.slice(from, to),
  };
}
