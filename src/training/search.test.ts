import { describe, expect, it } from 'vitest';
import { refitTrees, searchPlan, type TrialResult } from './search.js';

describe('training > search > plan', () => {
  it('counts what each model family tries: the logistic C grid whole, boosted trees as many as --trials', () => {
    const p = searchPlan(['logreg', 'gbdt'], 'random', 8, 1);
    expect(p.candidates).toHaveLength(13);
    expect(p.perKind).toEqual({ logreg: 5, gbdt: 8 });
    expect(p.gbdtGridSize).toBeUndefined();
  });

  it('thins the boosted-tree grid to --trials, and says when the grid is smaller than asked', () => {
    const thin = searchPlan(['gbdt'], 'grid', 12, 1);
    expect(thin.perKind).toEqual({ gbdt: 12 });
    expect(new Set(thin.candidates.map((c) => JSON.stringify(c.params))).size).toBe(12);
    const all = searchPlan(['logreg', 'gbdt'], 'grid', 1000, 1);
    expect(all.gbdtGridSize).toBe(all.perKind.gbdt);
    expect(all.perKind.gbdt).toBeLessThan(1000);
  });
});

describe('training > search > refit trees', () => {
  const trial = (trees?: number[]): TrialResult => ({
    index: 0,
    candidate: { kind: 'gbdt', params: { nEstimators: 500 } },
    score: 0.5,
    folds: [],
    ...(trees === undefined ? {} : { trees }),
  });

  it('grows the mean of the trees the folds kept under early stopping, at least one', () => {
    expect(refitTrees(trial([100, 151, 200, 50]))).toBe(125);
    expect(refitTrees(trial([0]))).toBe(1);
  });

  it('leaves the candidate\'s own count when no fold stopped early', () => {
    expect(refitTrees(trial())).toBeUndefined();
    expect(refitTrees(trial([]))).toBeUndefined();
  });
});
