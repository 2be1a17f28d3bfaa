/**
 * Input and parameter checks shared by the model families, so bad shapes fail the same way
 * (MODEL_INPUT_INVALID) before any work starts, and bad hyperparameters with MODEL_PARAM_INVALID.
 */
import { FraudopsError } from '../errors.js';
import type { Matrix } from './Classifier.js';

export function modelInputInvalid(message: string, context: Record<string, string | number> = {}): FraudopsError {
  return new FraudopsError('MODEL_INPUT_INVALID', message, { context });
}

export function modelParamInvalid(param: string, message: string): FraudopsError {
  return new FraudopsError('MODEL_PARAM_INVALID', `${param}: ${message}`, { context: { field: param } });
}

export function checkMatrix(X: Matrix, what = 'X'): void {
  if (!Number.isInteger(X.rows) || !Number.isInteger(X.cols) || X.rows < 0 || X.cols < 0) {
    throw modelInputInvalid(`${what} has invalid shape ${X.rows}x${X.cols}`);
  }
  if (X.data.length !== X.rows * X.cols) {
    throw modelInputInvalid(`${what}.data has ${X.data.length} values, expected ${X.rows}x${X.cols}`);
  }
  if (X.names.length !== X.cols) throw modelInputInvalid(`${what}.names has ${X.names.length} names for ${X.cols} columns`);
}

/** Checks X, 0/1 labels with both classes present, and optional finite non-negative weights. */
export function checkFitInputs(X: Matrix, y: Uint8Array, sampleWeight?: Float64Array): void {
  checkMatrix(X);
  if (y.length !== X.rows) throw modelInputInvalid(`y has ${y.length} labels for ${X.rows} rows`);
  let positives = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] > 1) throw modelInputInvalid(`label ${y[i]} is not 0 or 1`, { row: i });
    positives += y[i];
  }
  if (positives === 0 || positives === y.length) throw modelInputInvalid('labels contain a single class');
  if (sampleWeight !== undefined) {
    if (sampleWeight.length !== X.rows) throw modelInputInvalid(`sampleWeight has ${sampleWeight.length} values for ${X.rows} rows`);
    for (let i = 0; i < sampleWeight.length; i++) {
      if (!(sampleWeight[i] >= 0 && Number.isFinite(sampleWeight[i]))) {
        throw modelInputInvalid(`sample weight ${sampleWeight[i]} is not a finite non-negative number`, { row: i });
      }
    }
  }
}

/** Checks that a matrix to score has the model's columns, by name and order. */
export function checkColumns(X: Matrix, featureNames: readonly string[]): void {
  checkMatrix(X);
  if (X.cols !== featureNames.length || X.names.some((n, j) => n !== featureNames[j])) {
    throw modelInputInvalid(`columns [${X.names.join(', ')}] do not match the model's [${featureNames.join(', ')}]`);
  }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new FraudopsError('ABORTED', 'fit aborted');
}
