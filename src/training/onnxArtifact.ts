/** The ONNX export of a trained model, when the exporter supports its family (logged next to the native artifact). */
import type { Model } from '../models/Classifier.js';

export async function optionalOnnx(model: Model): Promise<Uint8Array | undefined> {
  try {
    const { exportOnnx } = await import('../models/onnx/exportOnnx.js');
    return exportOnnx(model);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' || (e as { code?: string }).code === 'ONNX_UNSUPPORTED') return undefined;
    throw e;
  }
}
