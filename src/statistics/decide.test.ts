import { describe, expect, it } from 'vitest';
import { decide } from './decide.js';

describe('validation > decide', () => {
  const policy = { test: 'paired-bootstrap', alpha: 0.05, minEffect: 0.002 } as const;

  it('promotes the first model when there is no champion', () => {
    const d = decide({ ...policy, noChampion: true });
    expect(d).toMatchObject({ promote: true, code: 'FIRST_MODEL' });
  });

  it('promotes only a significant gain of at least minEffect', () => {
    expect(decide({ ...policy, pValue: 0.01, meanDiff: 0.005 })).toMatchObject({ promote: true, code: 'SIGNIFICANT_IMPROVEMENT', pValue: 0.01, effect: 0.005 });
    expect(decide({ ...policy, pValue: 0.01, meanDiff: 0.002 })).toMatchObject({ promote: true, code: 'SIGNIFICANT_IMPROVEMENT' });
    expect(decide({ ...policy, pValue: 0.01, meanDiff: 0.001 })).toMatchObject({ promote: false, code: 'EFFECT_TOO_SMALL' });
    expect(decide({ ...policy, pValue: 0.05, meanDiff: 0.01 })).toMatchObject({ promote: false, code: 'NOT_SIGNIFICANT' });
    expect(decide({ ...policy, pValue: NaN, meanDiff: 0.01 })).toMatchObject({ promote: false, code: 'NOT_SIGNIFICANT' });
    expect(decide({ ...policy, pValue: 0.9, meanDiff: -0.01 })).toMatchObject({ promote: false, code: 'WORSE' });
  });

  it('takes the result objects of the tests spread in', () => {
    const delong = { aucA: 0.8, aucB: 0.82, meanDiff: 0.02, variance: 1e-5, z: 6.3, pValue: 1e-10, pValueTwoSided: 2e-10 };
    const d = decide({ test: 'delong', alpha: 0.05, minEffect: 0, ...delong });
    expect(d.code).toBe('SIGNIFICANT_IMPROVEMENT');
    expect(d.reason).toContain('DeLong');
  });

  it('rejects a bad policy or missing statistics', () => {
    const invalid = expect.objectContaining({ code: 'VALIDATION_INPUT_INVALID' });
    expect(() => decide({ ...policy, alpha: 0, pValue: 0.01, meanDiff: 0.01 })).toThrow(invalid);
    expect(() => decide({ ...policy, minEffect: -1, pValue: 0.01, meanDiff: 0.01 })).toThrow(invalid);
    expect(() => decide({ ...policy, pValue: 2, meanDiff: 0.01 })).toThrow(invalid);
    expect(() => decide({ ...policy, pValue: 0.01, meanDiff: NaN })).toThrow(invalid);
    expect(() => decide({ ...policy, test: 'z' as never, pValue: 0.01, meanDiff: 0.01 })).toThrow(invalid);
  });
});
