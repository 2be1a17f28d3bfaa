import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { FraudopsError } from '../../errors.js';
import type { Matrix, Model } from '../Classifier.js';
import { GbdtClassifier } from '../gbdt/GbdtClassifier.js';
import { GbdtModel, type GbdtTree } from '../gbdt/GbdtModel.js';
import type { GbdtParams } from '../gbdt/GbdtParams.js';
import { LogisticRegression } from '../logreg/LogisticRegression.js';
import { nonlinearDataset, sliceRows } from '../testkit.js';
import { exportOnnx, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, OnnxMetadataKey } from './exportOnnx.js';
import { scoreWithOnnx } from './onnxScore.js';
import { readOnnxMetadata } from './readOnnxMetadata.js';

const TOLERANCE = 1e-5;

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN on either side surfaces as NaN
  }
  return m;
}

async function onnxDiff(model: Model, X: Matrix): Promise<number> {
  return maxAbsDiff(await scoreWithOnnx(exportOnnx(model), X), model.predictProba(X));
}

/** The float64 neighbour of x towards +∞ (dir 1) or −∞ (dir −1). */
function nextAfter(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * Number.MIN_VALUE;
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  const bits = v.getBigUint64(0);
  v.setBigUint64(0, (x > 0) === (dir > 0) ? bits + 1n : bits - 1n);
  return v.getFloat64(0);
}

/**
 * Rows of `base` with one feature moved onto a split threshold, its float64 neighbours and its float32
 * rounding (where a float32 graph would route differently), plus missing and infinite values.
 */
function edgeRows(model: GbdtModel, base: Matrix, limit: number): Matrix {
  const { cols } = base;
  const rows: Float64Array[] = [];
  const baseRow = (k: number): Float64Array => base.data.slice((k % base.rows) * cols, (k % base.rows + 1) * cols);
  let k = 0;
  for (const t of model.data.trees) {
    for (let i = 0; i < t.feature.length && rows.length < limit; i++) {
      if (t.feature[i] < 0) continue;
      const th = t.threshold[i];
      for (const v of [th, nextAfter(th, 1), nextAfter(th, -1), Math.fround(th)]) {
        const r = baseRow(k++);
        r[t.feature[i]] = v;
        rows.push(r);
      }
    }
  }
  for (let j = 0; j < cols; j++) {
    for (const v of [NaN, Infinity, -Infinity]) {
      const r = baseRow(k++);
      r[j] = v;
      rows.push(r);
    }
  }
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r, i * cols));
  return { rows: rows.length, cols, data, names: base.names };
}

/** Every 11th value missing, so training learns default directions both ways. */
function withMissing(X: Matrix): Matrix {
  const data = X.data.slice();
  for (let i = 0; i < data.length; i += 11) data[i] = NaN;
  return { ...X, data };
}

const data = nonlinearDataset(2500, 6, 7);
const train = sliceRows(data, 0, 2000);
const test = sliceRows(data, 2000, 2500);

describe('models > onnx > exportOnnx > gbdt', () => {
  const variants: [string, GbdtParams][] = [
    ['numLeaves 31, 300 trees', { nEstimators: 300, numLeaves: 31 }],
    ['maxDepth 3 only', { nEstimators: 150, maxDepth: 3 }],
    ['numLeaves 63 with maxDepth 8, bagging and feature sampling', { nEstimators: 100, numLeaves: 63, maxDepth: 8, minDataInLeaf: 5, rowSubsample: 0.7, colSubsample: 0.6, learningRate: 0.05, seed: 3 }],
  ];

  for (const [title, params] of variants) {
    it(`scores like predictProba: ${title}`, async () => {
      const model = await new GbdtClassifier({ ...params, threads: 1 }).fit(withMissing(train.X), train.y);
      expect(await onnxDiff(model, test.X)).toBeLessThanOrEqual(TOLERANCE);
      expect(await onnxDiff(model, withMissing(test.X))).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('routes values at, next to and float32-rounded from every threshold as the native predictor does', async () => {
    const model = await new GbdtClassifier({ nEstimators: 60, numLeaves: 15, threads: 1 }).fit(withMissing(train.X), train.y);
    expect(model.data.trees.some((t) => t.defaultLeft.some((d, i) => d === 1 && t.feature[i] >= 0))).toBe(true);
    const edges = edgeRows(model, test.X, 4000);
    expect(edges.rows).toBeGreaterThan(1000);
    // a double graph keeps every decision; one flipped split would move a probability far more than this
    expect(await onnxDiff(model, edges)).toBeLessThanOrEqual(1e-12);
  });

  it('exports single-leaf trees and a model without trees', async () => {
    const names = ['a', 'b'];
    const leaf = (v: number): GbdtTree => ({
      feature: Int32Array.of(-1),
      threshold: Float64Array.of(0),
      left: Int32Array.of(0),
      right: Int32Array.of(0),
      defaultLeft: Uint8Array.of(0),
      value: Float64Array.of(v),
    });
    const split: GbdtTree = {
      feature: Int32Array.of(1, -1, -1),
      threshold: Float64Array.of(0.25, 0, 0),
      left: Int32Array.of(1, 0, 0),
      right: Int32Array.of(2, 0, 0),
      defaultLeft: Uint8Array.of(1, 0, 0),
      value: Float64Array.of(0, -0.7, 0.9),
    };
    const X: Matrix = { rows: 4, cols: 2, names, data: Float64Array.of(0, 0.25, 0, 0.3, 1, NaN, 1, -1) };
    const make = (trees: GbdtTree[]): GbdtModel => new GbdtModel({ featureNames: names, initScore: -1.5, trees, binEdges: [] });
    expect(await onnxDiff(make([leaf(0.4), split, leaf(-0.1)]), X)).toBeLessThanOrEqual(1e-12);
    expect(await onnxDiff(make([]), X)).toBeLessThanOrEqual(1e-12);
  });

  it('exports a gbdt model given as any object of kind gbdt', async () => {
    const model = await new GbdtClassifier({ nEstimators: 20, threads: 1 }).fit(train.X, train.y);
    const plain: Model = { kind: 'gbdt', featureNames: model.featureNames, predictProba: (X) => model.predictProba(X), toJSON: () => model.toJSON() };
    expect(await onnxDiff(plain, test.X)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('models > onnx > exportOnnx > logreg', () => {
  it('scores like predictProba, also on columns with large means', async () => {
    const X = train.X;
    const wide = (m: Matrix): Matrix => {
      // amounts around 1e4 and epoch-second timestamps: standardization must not lose their digits
      const cols = m.cols + 2;
      const out = new Float64Array(m.rows * cols);
      for (let i = 0; i < m.rows; i++) {
        out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), i * cols);
        out[i * cols + m.cols] = 1e4 + 500 * m.data[i * m.cols];
        out[i * cols + m.cols + 1] = 1.7e9 + 86_400 * m.data[i * m.cols + 1];
      }
      return { rows: m.rows, cols, data: out, names: [...m.names, 'amount', 'ts'] };
    };
    const model = await new LogisticRegression({ C: 10 }).fit(wide(X), train.y);
    expect(await onnxDiff(model, wide(test.X))).toBeLessThanOrEqual(TOLERANCE);
    const plain = await new LogisticRegression().fit(X, train.y);
    expect(await onnxDiff(plain, test.X)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('models > onnx > exportOnnx > graph and metadata', () => {
  it('records producer, opsets, kind, feature names and the feature-spec hash', async () => {
    const model = await new LogisticRegression().fit(train.X, train.y);
    const info = readOnnxMetadata(exportOnnx(model, { featureSpecHash: 'abc123' }));
    expect(info.producerName).toBe('fraudops');
    expect(info.irVersion).toBeGreaterThan(0);
    expect(info.opsets).toEqual(expect.arrayContaining([expect.objectContaining({ domain: '' }), { domain: 'ai.onnx.ml', version: 5 }]));
    expect(info.metadata[OnnxMetadataKey.kind]).toBe('logreg');
    expect(JSON.parse(info.metadata[OnnxMetadataKey.featureNames])).toEqual(train.X.names);
    expect(info.metadata[OnnxMetadataKey.featureSpecHash]).toBe('abc123');
  });

  it('takes the feature-spec hash from the model JSON when it carries one', async () => {
    const model = await new LogisticRegression().fit(train.X, train.y);
    const tagged: Model = { kind: model.kind, featureNames: model.featureNames, predictProba: (X) => model.predictProba(X), toJSON: () => ({ ...model.toJSON(), featureSpecHash: 'f00d' }) };
    expect(readOnnxMetadata(exportOnnx(tagged)).metadata[OnnxMetadataKey.featureSpecHash]).toBe('f00d');
    expect(readOnnxMetadata(exportOnnx(model)).metadata[OnnxMetadataKey.featureSpecHash]).toBeUndefined();
  });

  it('has one float64 input [N, F] and one output, by their agreed names', async () => {
    const model = await new GbdtClassifier({ nEstimators: 5, threads: 1 }).fit(train.X, train.y);
    const session = await ort.InferenceSession.create(exportOnnx(model));
    try {
      expect(session.inputNames).toEqual([ONNX_INPUT_NAME]);
      expect(session.outputNames).toEqual([ONNX_OUTPUT_NAME]);
      const input = session.inputMetadata[0];
      expect(input.isTensor && input.type).toBe('float64');
      expect(input.isTensor && input.shape).toEqual(['N', train.X.cols]);
    } finally {
      await session.release();
    }
  });

  it('rejects a model of an unknown kind with ONNX_UNSUPPORTED', () => {
    const odd: Model = { kind: 'forest', featureNames: ['a'], predictProba: () => new Float64Array(0), toJSON: () => ({ kind: 'forest', featureNames: ['a'] }) };
    let error: unknown;
    try {
      exportOnnx(odd);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FraudopsError);
    expect((error as FraudopsError).code).toBe('ONNX_UNSUPPORTED');
    expect((error as FraudopsError).context.kind).toBe('forest');
  });

  it('scoreWithOnnx checks columns against the recorded feature names', async () => {
    const model = await new LogisticRegression().fit(train.X, train.y);
    const renamed: Matrix = { ...test.X, names: test.X.names.map((n, j) => (j === 0 ? 'other' : n)) };
    await expect(scoreWithOnnx(exportOnnx(model), renamed)).rejects.toMatchObject({ code: 'MODEL_INPUT_INVALID' });
    const empty: Matrix = { rows: 0, cols: test.X.cols, names: test.X.names, data: new Float64Array(0) };
    expect((await scoreWithOnnx(exportOnnx(model), empty)).length).toBe(0);
  });
});
