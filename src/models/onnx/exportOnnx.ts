/**
 * Exports a fitted model as an ONNX graph so other runtimes can score it. Both families export as a
 * double-precision graph: input `features` (float64, [N, F], columns in `featureNames` order) and output
 * `probability` (float64, [N, 1]), equal to `predictProba` up to summation order. Tree thresholds are
 * float64 raw values, so a float32 graph would route inputs lying between float32(threshold) and the
 * threshold differently; ai.onnx.ml opset 5 `TreeEnsemble` takes double splits and double inputs, which
 * keeps every routing decision identical to the native predictor (`x <= threshold` left, NaN the way
 * training learned for the split).
 */
import { FraudopsError } from '../../errors.js';
import type { Model } from '../Classifier.js';
import { GbdtModel, type GbdtTree } from '../gbdt/GbdtModel.js';
import { LogRegModel } from '../logreg/LogRegModel.js';
import { encodeModel, OnnxDataType, type OnnxGraph, type OnnxNode, type OnnxTensor } from './onnxProto.js';

export const ONNX_INPUT_NAME = 'features';
export const ONNX_OUTPUT_NAME = 'probability';

/** Keys of the model's metadata_props. */
export const OnnxMetadataKey = {
  kind: 'fraudops.model_kind',
  /** JSON array of the input columns, in order. */
  featureNames: 'fraudops.feature_names',
  featureSpecHash: 'fraudops.feature_spec_hash',
} as const;

export interface ExportOnnxOptions {
  /** Recorded in the metadata; defaults to the model JSON's `featureSpecHash` when it has one. */
  featureSpecHash?: string;
}

const IR_VERSION = 10;
const DEFAULT_OPSET = 21;
const ML_DOMAIN = 'ai.onnx.ml';
const ML_OPSET = 5; // first ai.onnx.ml opset with TreeEnsemble (double splits and outputs)

/**
 * Serialized ONNX ModelProto of a gbdt or logreg model. Other kinds fail with `ONNX_UNSUPPORTED`.
 *
 * @example
 * const bytes = exportOnnx(model);
 * await writeFile('model.onnx', bytes);
 * const p = await scoreWithOnnx(bytes, X); // equals model.predictProba(X) within 1e-12
 */
export function exportOnnx(model: Model, options: ExportOnnxOptions = {}): Uint8Array {
  const json = model.toJSON();
  let graph: OnnxGraph;
  if (model instanceof GbdtModel || model.kind === 'gbdt') {
    graph = gbdtGraph(model instanceof GbdtModel ? model : GbdtModel.fromJSON(json));
  } else if (model instanceof LogRegModel || model.kind === 'logreg') {
    graph = logRegGraph(model instanceof LogRegModel ? model : LogRegModel.fromJSON(json));
  } else {
    throw new FraudopsError('ONNX_UNSUPPORTED', `no ONNX export for models of kind ${model.kind}`, { context: { kind: model.kind } });
  }
  const metadata: Record<string, string> = {
    [OnnxMetadataKey.kind]: model.kind,
    [OnnxMetadataKey.featureNames]: JSON.stringify(model.featureNames),
  };
  const specHash = options.featureSpecHash ?? (typeof json.featureSpecHash === 'string' ? json.featureSpecHash : undefined);
  if (specHash !== undefined) metadata[OnnxMetadataKey.featureSpecHash] = specHash;
  return encodeModel({
    irVersion: IR_VERSION,
    opsets: [
      { domain: '', version: DEFAULT_OPSET },
      { domain: ML_DOMAIN, version: ML_OPSET },
    ],
    producerName: 'fraudops',
    graph,
    metadata,
  });
}

function ioGraph(name: string, nFeatures: number, nodes: OnnxNode[], initializers: OnnxTensor[]): OnnxGraph {
  if (nFeatures < 1) throw new FraudopsError('ONNX_UNSUPPORTED', 'no ONNX export for a model without features');
  return {
    name,
    nodes,
    initializers,
    inputs: [{ name: ONNX_INPUT_NAME, elemType: OnnxDataType.DOUBLE, shape: ['N', nFeatures] }],
    outputs: [{ name: ONNX_OUTPUT_NAME, elemType: OnnxDataType.DOUBLE, shape: ['N', 1] }],
  };
}

function doubles(name: string | undefined, dims: number[], values: ArrayLike<number>): OnnxTensor {
  return { name, dataType: OnnxDataType.DOUBLE, dims, values };
}

/** TreeEnsemble (sum of leaf values) + initScore, then Sigmoid. */
function gbdtGraph(model: GbdtModel): OnnxGraph {
  const { trees, initScore } = model.data;
  const e = encodeTrees(trees.length > 0 ? trees : [constantTree(0)]);
  const ensemble: OnnxNode = {
    opType: 'TreeEnsemble',
    domain: ML_DOMAIN,
    name: 'trees',
    inputs: [ONNX_INPUT_NAME],
    outputs: ['tree_sum'],
    attributes: [
      { name: 'n_targets', type: 'int', value: 1 },
      { name: 'aggregate_function', type: 'int', value: 1 }, // SUM
      { name: 'post_transform', type: 'int', value: 0 }, // NONE
      { name: 'tree_roots', type: 'ints', value: e.roots },
      { name: 'nodes_featureids', type: 'ints', value: e.featureIds },
      { name: 'nodes_splits', type: 'tensor', value: doubles(undefined, [e.splits.length], e.splits) },
      // all BRANCH_LEQ (0): x <= split takes the true (left) branch
      { name: 'nodes_modes', type: 'tensor', value: { dataType: OnnxDataType.UINT8, dims: [e.splits.length], values: new Uint8Array(e.splits.length) } },
      { name: 'nodes_truenodeids', type: 'ints', value: e.trueIds },
      { name: 'nodes_trueleafs', type: 'ints', value: e.trueLeafs },
      { name: 'nodes_falsenodeids', type: 'ints', value: e.falseIds },
      { name: 'nodes_falseleafs', type: 'ints', value: e.falseLeafs },
      // NaN follows the learned default direction: 1 sends it to the true (left) branch
      { name: 'nodes_missing_value_tracks_true', type: 'ints', value: e.missingLeft },
      { name: 'leaf_targetids', type: 'ints', value: new Array<number>(e.leafWeights.length).fill(0) },
      { name: 'leaf_weights', type: 'tensor', value: doubles(undefined, [e.leafWeights.length], e.leafWeights) },
    ],
  };
  const nodes: OnnxNode[] = [
    ensemble,
    { opType: 'Add', name: 'add_init_score', inputs: ['tree_sum', 'init_score'], outputs: ['margin'] },
    { opType: 'Sigmoid', name: 'sigmoid', inputs: ['margin'], outputs: [ONNX_OUTPUT_NAME] },
  ];
  return ioGraph('fraudops_gbdt', model.featureNames.length, nodes, [doubles('init_score', [1], [initScore])]);
}

function constantTree(value: number): GbdtTree {
  return {
    feature: Int32Array.of(-1),
    threshold: Float64Array.of(0),
    left: Int32Array.of(0),
    right: Int32Array.of(0),
    defaultLeft: Uint8Array.of(0),
    value: Float64Array.of(value),
  };
}

interface EncodedTrees {
  roots: number[];
  featureIds: number[];
  splits: number[];
  trueIds: number[];
  trueLeafs: number[];
  falseIds: number[];
  falseLeafs: number[];
  missingLeft: number[];
  leafWeights: number[];
}

/**
 * Our trees keep internal nodes and leaves in one array; TreeEnsemble wants internal nodes in `nodes_*`
 * and leaves in `leaf_*`, children addressed by index into one or the other (the `*leafs` flags say which).
 */
function encodeTrees(trees: GbdtTree[]): EncodedTrees {
  const e: EncodedTrees = { roots: [], featureIds: [], splits: [], trueIds: [], trueLeafs: [], falseIds: [], falseLeafs: [], missingLeft: [], leafWeights: [] };
  for (const t of trees) {
    const n = t.feature.length;
    // global index of each node in nodes_* (internal) or leaf_* (leaf)
    const index = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (t.feature[i] >= 0) {
        index[i] = e.featureIds.length;
        e.featureIds.push(t.feature[i]);
        e.splits.push(t.threshold[i]);
        e.trueIds.push(-1);
        e.trueLeafs.push(0);
        e.falseIds.push(-1);
        e.falseLeafs.push(0);
        e.missingLeft.push(t.defaultLeft[i] === 1 ? 1 : 0);
      } else {
        index[i] = e.leafWeights.length;
        e.leafWeights.push(t.value[i]);
      }
    }
    if (t.feature[0] < 0) {
      // a single-leaf tree: TreeEnsemble has no leaf roots, so route both branches of a dummy split to it
      e.roots.push(e.featureIds.length);
      e.featureIds.push(0);
      e.splits.push(0);
      e.trueIds.push(index[0]);
      e.trueLeafs.push(1);
      e.falseIds.push(index[0]);
      e.falseLeafs.push(1);
      e.missingLeft.push(0);
      continue;
    }
    e.roots.push(index[0]);
    for (let i = 0; i < n; i++) {
      if (t.feature[i] < 0) continue;
      const k = index[i];
      e.trueIds[k] = index[t.left[i]];
      e.trueLeafs[k] = t.feature[t.left[i]] < 0 ? 1 : 0;
      e.falseIds[k] = index[t.right[i]];
      e.falseLeafs[k] = t.feature[t.right[i]] < 0 ? 1 : 0;
    }
  }
  return e;
}

/** ((x − mean) / scale) · coef + intercept, then Sigmoid: the same arithmetic as `LogRegModel.predictRaw`. */
function logRegGraph(model: LogRegModel): OnnxGraph {
  const { mean, scale, coef, intercept } = model.data;
  const d = model.featureNames.length;
  // Sub and Div rather than weights folded into the coefficients: folding subtracts large products on
  // columns with large means (amounts, timestamps) and would lose digits the native predictor keeps.
  const nodes: OnnxNode[] = [
    { opType: 'Sub', name: 'center', inputs: [ONNX_INPUT_NAME, 'mean'], outputs: ['centered'] },
    { opType: 'Div', name: 'scale', inputs: ['centered', 'scale'], outputs: ['standardized'] },
    { opType: 'MatMul', name: 'dot', inputs: ['standardized', 'coef'], outputs: ['dot'] },
    { opType: 'Add', name: 'add_intercept', inputs: ['dot', 'intercept'], outputs: ['margin'] },
    { opType: 'Sigmoid', name: 'sigmoid', inputs: ['margin'], outputs: [ONNX_OUTPUT_NAME] },
  ];
  const initializers = [
    doubles('mean', [d], mean),
    doubles('scale', [d], scale),
    doubles('coef', [d, 1], coef),
    doubles('intercept', [1], [intercept]),
  ];
  return ioGraph('fraudops_logreg', d, nodes, initializers);
}
