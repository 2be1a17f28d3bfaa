/**
 * Why the course's comparison is not our default, measured. Two models with the same true performance (one
 * shared signal, each with its own independent noise of the same size) still differ by a little on any one
 * test set. The course bootstraps each model on its own and t-tests the two arrays of B replicate AUCs; the
 * standard error of that t-test is the replicate spread divided by √B, so the same small observed difference
 * turns "significant" once B is large enough. The paired bootstrap and DeLong measure the sampling variability
 * of the difference itself and stay quiet. Fixed seeds throughout: every number here is reproducible.
 */
import { describe, expect, it } from 'vitest';
import { courseTTest } from './courseTTest.js';
import { delongTest } from './delong.js';
import { pairedBootstrap } from './pairedBootstrap.js';
import { aucMetric } from './resampledMetrics.js';
import { scoredPair } from './testkit.js';

const ALPHA = 0.05;

describe('validation > courseVsPaired', () => {
  it('the course t-test turns a fixed small difference of equal models significant as B grows; paired tests do not', () => {
    // Equal true performance; on this test set the candidate happens to be ahead by a few thousandths of AUC.
    const data = scoredPair({ n: 1000, prevalence: 0.1, seed: 7 });
    const delong = delongTest(data);
    expect(delong.meanDiff).toBeGreaterThan(0);
    expect(delong.meanDiff).toBeLessThan(0.006);

    const course = [50, 500, 5000].map((B) => courseTTest({ ...data, metric: aucMetric, B, seed: 1000 + B }));
    const paired = pairedBootstrap({ ...data, metric: aucMetric, B: 2000, seed: 17 });
    console.info(
      `observed ΔAUC ${delong.meanDiff.toFixed(4)}; course t-test p (one-sided) by B: ` +
        course.map((c) => `B=${c.B}: t=${c.statistic.toFixed(2)} p=${c.pValue.toExponential(2)}`).join(', ') +
        `; paired bootstrap (B=2000) p=${paired.pValue.toFixed(3)} CI [${paired.ci.map((v) => v.toFixed(4)).join(', ')}]` +
        `; DeLong p=${delong.pValue.toFixed(3)}`,
    );

    // The same data, the same observed difference: only B changes, and significance appears.
    expect(course[0].pValue).toBeGreaterThan(ALPHA);
    expect(course[2].pValue).toBeLessThan(ALPHA);
    // t grows like √B (√100 = 10 from B = 50 to 5000): the test measures the replicate count, not the models.
    expect(course[2].statistic / course[0].statistic).toBeGreaterThan(4);
    // The paired tests on the same data see no evidence.
    expect(paired.pValue).toBeGreaterThan(ALPHA);
    expect(paired.ci[0]).toBeLessThan(0);
    expect(delong.pValue).toBeGreaterThan(ALPHA);
  });

  it('over ten test sets of equal models the course t-test rejects most, the paired tests about alpha', () => {
    let course = 0;
    let paired = 0;
    let delong = 0;
    const rows: string[] = [];
    for (let seed = 100; seed < 110; seed++) {
      const data = scoredPair({ n: 600, prevalence: 0.1, seed });
      // Two-sided at level alpha for all three: equal models, so any rejection is a false positive.
      const c = courseTTest({ ...data, metric: aucMetric, B: 500, seed }).pValueTwoSided;
      const p = pairedBootstrap({ ...data, metric: aucMetric, B: 200, seed }).pValue;
      const d = delongTest(data).pValueTwoSided;
      if (c < ALPHA) course++;
      if (p < ALPHA / 2 || p > 1 - ALPHA / 2) paired++;
      if (d < ALPHA) delong++;
      rows.push(`${seed}: course ${c.toExponential(1)}, paired one-sided ${p.toFixed(3)}, DeLong ${d.toFixed(3)}`);
    }
    console.info(`false positives of 10: course ${course}, paired ${paired}, DeLong ${delong}\n  ${rows.join('\n  ')}`);
    expect(course).toBeGreaterThanOrEqual(8);
    expect(paired).toBeLessThanOrEqual(2);
    expect(delong).toBeLessThanOrEqual(2);
  });

  it('two literally identical models: the paired tests never call a difference', () => {
    const data = scoredPair({ n: 1000, prevalence: 0.1, seed: 7 });
    const same = { labels: data.labels, scoresA: data.scoresA, scoresB: data.scoresA };
    const paired = pairedBootstrap({ ...same, metric: aucMetric, B: 500, seed: 3 });
    const delong = delongTest(same);
    const course = courseTTest({ ...same, metric: aucMetric, B: 500, seed: 3 });
    console.info(
      `identical models: paired p=${paired.pValue}, DeLong p=${delong.pValue}, course t-test (B=500) p=${course.pValue.toFixed(3)} ` +
        '(course replicates differ only by resampling luck)',
    );
    expect(paired.pValue).toBe(1);
    expect(paired.pValue).toBeGreaterThanOrEqual(ALPHA);
    expect(delong.pValue).toBe(0.5);
  });
});
