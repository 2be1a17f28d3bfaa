import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../util/prng.js';
import { sortDoubles } from './sortDoubles.js';

const same = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('models > gbdt > sortDoubles', () => {
  it('orders as Float64Array.prototype.sort: signs, zeros, infinities, subnormals, ties, narrow and wide ranges', () => {
    const rand = mulberry32(4);
    const special = [0, -0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1];
    const cases: Float64Array[] = [
      Float64Array.from({ length: 5000 }, () => (rand() - 0.5) * 1e6),
      Float64Array.from({ length: 5000 }, () => Math.floor(rand() * 7) - 3), // few distinct values, -0 excluded
      Float64Array.from({ length: 5000 }, () => special[Math.floor(rand() * special.length)]),
      Float64Array.from({ length: 5000 }, () => Math.exp((rand() - 0.5) * 200) * (rand() < 0.5 ? -1 : 1)),
      Float64Array.from({ length: 5000 }, () => 1 + rand() * 1e-12), // keys sharing their high digits
      Float64Array.from([3, 2]),
      Float64Array.from([1]),
      new Float64Array(0),
    ];
    for (const values of cases) {
      const expected = values.slice().sort();
      expect(same(sortDoubles(values.slice()), expected)).toBe(true);
    }
  });

  it('sorts a view in place, leaving the rest of its buffer alone', () => {
    const all = Float64Array.from([9, 5, -2, 7, 0, -0, 8]);
    sortDoubles(all.subarray(1, 6));
    expect(same(all, Float64Array.from([9, -2, -0, 0, 5, 7, 8]))).toBe(true);
  });
});
