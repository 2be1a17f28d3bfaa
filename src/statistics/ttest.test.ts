import { describe, expect, it } from 'vitest';
import { loadValidationReference, scipyMismatch } from '../../test/fixtures/validation/reference.js';
import { ttestInd, type Alternative } from './ttest.js';

const ALTERNATIVES: Alternative[] = ['two-sided', 'greater', 'less'];

describe('validation > ttest', () => {
  const ref = loadValidationReference();
  for (const [label, equalVar] of [['equal variances', true], ['Welch', false]] as const) {
    describe(`equals scipy for ${label}`, () => {
      for (const c of ref.ttest) {
        it(c.name, () => {
          for (const alternative of ALTERNATIVES) {
            const got = ttestInd(c.a, c.b, { equalVar, alternative });
            expect(scipyMismatch(got, c.values[`${equalVar ? 'student' : 'welch'}:${alternative}`]), alternative).toBeUndefined();
          }
        });
      }
    });
  }

  it('keeps relative precision of tiny p-values and underflows to 0 like scipy', () => {
    const c = ref.ttest.find((x) => x.name === 'p near 1e-207')!;
    const want = c.values['student:two-sided'].pValue!;
    const got = ttestInd(c.a, c.b).pValue;
    expect(Math.abs(got - want) / want).toBeLessThan(1e-9);
    const u = ref.ttest.find((x) => x.name === 'p underflows to 0')!;
    expect(u.values['student:two-sided'].pValue).toBe(0);
    expect(ttestInd(u.a, u.b).pValue).toBe(0);
  });

  it('gives NaN for constant samples with equal means, as scipy', () => {
    const r = ttestInd([1, 1, 1], [1, 1]);
    expect(r.statistic).toBeNaN();
    expect(r.pValue).toBeNaN();
  });

  it('rejects samples with fewer than two values or non-finite values', () => {
    expect(() => ttestInd([1], [1, 2])).toThrow(expect.objectContaining({ code: 'VALIDATION_INPUT_INVALID' }));
    expect(() => ttestInd([1, NaN], [1, 2])).toThrow(expect.objectContaining({ code: 'VALIDATION_INPUT_INVALID' }));
  });
});
