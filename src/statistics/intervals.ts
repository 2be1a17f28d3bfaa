/**
 * Confidence intervals that belong to each test, so a reported difference is always inside the interval of the
 * test that judged it: DeLong's normal interval from its own variance, and the course t-test's interval from its
 * own standard error and degrees of freedom (narrow for large B, which is exactly the course test's flaw).
 */
import { normalSf } from './erfc.js';
import { tPValue } from './ttest.js';
import type { CourseTTestResult } from './courseTTest.js';
import type { DeLongResult } from './delong.js';

/** Smallest q ≥ 0 with tail(q) ≤ p, by bisection (tail decreasing in q). */
function upperQuantile(tail: (q: number) => number, p: number): number {
  let lo = 0;
  let hi = 1;
  while (tail(hi) > p && hi < 1e6) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > p) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** meanDiff ± z(1 − α/2)·√variance. */
export function delongInterval(d: Pick<DeLongResult, 'meanDiff' | 'variance'>, alpha: number): [number, number] {
  const half = upperQuantile(normalSf, alpha / 2) * Math.sqrt(Math.max(0, d.variance));
  return [d.meanDiff - half, d.meanDiff + half];
}

/** meanDiff ± t(1 − α/2, df)·SE, with SE = meanDiff / t as the test computed it. */
export function courseTInterval(c: Pick<CourseTTestResult, 'meanDiff' | 'statistic' | 'df'>, alpha: number): [number, number] {
  if (!Number.isFinite(c.statistic) || c.statistic === 0) return [c.meanDiff, c.meanDiff];
  const se = Math.abs(c.meanDiff / c.statistic);
  const half = upperQuantile((q) => tPValue(q, c.df, 'greater'), alpha / 2) * se;
  return [c.meanDiff - half, c.meanDiff + half];
}
