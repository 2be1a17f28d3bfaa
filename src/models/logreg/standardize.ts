/**
 * Column standardization learned on the training rows (like sklearn's StandardScaler): mean and
 * population standard deviation; a constant column gets scale 1 so it maps to zeros instead of NaN.
 */
import type { Matrix } from '../Classifier.js';

export interface Standardization {
  mean: Float64Array;
  scale: Float64Array;
}

export function fitStandardization(X: Matrix): Standardization {
  const { rows, cols, data } = X;
  const mean = new Float64Array(cols);
  const scale = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  // Two-pass variance: the one-pass formula loses digits on columns with a large mean (amounts, timestamps).
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const d = data[i * cols + j] - mean[j];
      scale[j] += d * d;
    }
  }
  for (let j = 0; j < cols; j++) {
    const std = Math.sqrt(scale[j] / rows);
    scale[j] = std < 10 * Number.EPSILON * Math.max(1, Math.abs(mean[j])) ? 1 : std;
  }
  return { mean, scale };
}

/** Standardized copy of X, column by column (column j at [j·rows, (j + 1)·rows)), the solver's layout. */
export function standardizeColumns(X: Matrix, s: Standardization): Float64Array {
  const { rows, cols, data } = X;
  const out = new Float64Array(rows * cols);
  // rows in order (the input is row-major); each column's writes stay sequential
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = (data[row + j] - s.mean[j]) / s.scale[j];
  }
  return out;
}
