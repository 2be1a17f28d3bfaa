import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelJson } from '../Classifier.js';
import { GbdtModel } from './GbdtModel.js';

// x0 <= 0.5 ? (x1 <= 2 ? -1 : 1) : 3, with a missing x0 going right and a missing x1 going left
const stump = (): GbdtModel =>
  new GbdtModel({
    featureNames: ['x0', 'x1'],
    initScore: 0.25,
    binEdges: [Float64Array.of(0.5), Float64Array.of(2)],
    trees: [
      {
        feature: Int32Array.of(0, 1, -1, -1, -1),
        threshold: Float64Array.of(0.5, 2, 0, 0, 0),
        left: Int32Array.of(1, 3, -1, -1, -1),
        right: Int32Array.of(2, 4, -1, -1, -1),
        defaultLeft: Uint8Array.of(0, 1, 0, 0, 0),
        value: Float64Array.of(0, 0, 3, -1, 1),
      },
    ],
  });

describe('models > gbdt > GbdtModel', () => {
  it('walks raw thresholds, sending NaN the learned way', () => {
    const m = stump();
    const X = { rows: 5, cols: 2, names: ['x0', 'x1'], data: Float64Array.of(0.5, 2, 0, 5, 0.7, 0, NaN, 0, 0, NaN) };
    expect([...m.predictRaw(X)]).toEqual([-0.75, 1.25, 3.25, 3.25, -0.75]);
    expect(m.predictRawRow(X.data, 2)).toBe(1.25);
  });

  it('rejects a malformed tree at load time', () => {
    const json = stump().toJSON() as ModelJson & { trees: { left: number[] }[] };
    json.trees[0].left[1] = 0; // a cycle back to the root
    expect(() => GbdtModel.fromJSON(json)).toThrow(expect.objectContaining({ code: 'MODEL_INPUT_INVALID' }));
  });
});

describe('models > gbdt > GbdtModel > stays loadable without the trainer', () => {
  it('imports only the shared model types and input checks', () => {
    const source = readFileSync(new URL('./GbdtModel.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]).sort();
    expect(imports).toEqual(['../Classifier.js', '../inputs.js']);
  });
});
