/**
 * Scoring of big sets (a validation fold, the test window) a block of rows at a time, with a checkpoint between
 * blocks: one `predictProba` call over millions of rows and hundreds of trees holds the event loop for tens of
 * seconds, during which a stop signal is not even seen. Rows are scored independently, so the scores are the
 * ones a single call gives, bit for bit.
 */
import type { Matrix, Model } from './Classifier.js';
import { checkpoint } from '../util/checkpoint.js';

/** Rows per block: a few milliseconds of work for a few hundred trees. */
const BLOCK_ROWS = 16_384;

/**
 * @example
 * const scores = await predictProbaInBlocks(model, testSet.X, signal);
 */
export async function predictProbaInBlocks(model: Model, X: Matrix, signal?: AbortSignal): Promise<Float64Array> {
  if (X.rows <= BLOCK_ROWS) {
    signal?.throwIfAborted();
    return model.predictProba(X);
  }
  const check = checkpoint(signal);
  const out = new Float64Array(X.rows);
  for (let start = 0; start < X.rows; start += BLOCK_ROWS) {
    await check();
    const end = Math.min(X.rows, start + BLOCK_ROWS);
    const block: Matrix = { rows: end - start, cols: X.cols, data: X.data.subarray(start * X.cols, end * X.cols), names: X.names };
    out.set(model.predictProba(block), start);
  }
  return out;
}
