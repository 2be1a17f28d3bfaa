/**
 * Scores rows with an exported ONNX model through onnxruntime-node, the reference runtime for checking
 * exports against our own predictors. Columns are checked by name against the feature names the exporter
 * recorded, the same way `predictProba` checks them.
 */
import * as ort from 'onnxruntime-node';
import type { Matrix } from '../Classifier.js';
import { checkColumns } from '../inputs.js';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, OnnxMetadataKey } from './exportOnnx.js';
import { readOnnxMetadata } from './readOnnxMetadata.js';

/**
 * Fraud probability per row of `X` from an `exportOnnx` model.
 *
 * @example
 * const p = await scoreWithOnnx(exportOnnx(model), X);
 */
export async function scoreWithOnnx(bytes: Uint8Array, X: Matrix): Promise<Float64Array> {
  const names = readOnnxMetadata(bytes).metadata[OnnxMetadataKey.featureNames];
  if (names !== undefined) checkColumns(X, JSON.parse(names) as string[]);
  if (X.rows === 0) return new Float64Array(0);
  const session = await ort.InferenceSession.create(bytes);
  try {
    const input = new ort.Tensor('float64', X.data, [X.rows, X.cols]);
    const out = (await session.run({ [ONNX_INPUT_NAME]: input }))[ONNX_OUTPUT_NAME];
    return Float64Array.from(out.data as Float64Array | Float32Array);
  } finally {
    await session.release();
  }
}
