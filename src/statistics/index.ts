/**
 * Model validation statistics for `fraudops validate`: compare a candidate with the champion on the same
 * test window and decide whether to promote it. Defaults are the paired bootstrap (any metric, optional
 * day/card blocks) and DeLong's test (ROC AUC); the course's unpaired t-test on bootstrap replicates is kept
 * for comparison only.
 * Rendering the comparison as a report lives in `validationReport/`.
 */
export { pairedBootstrap } from './pairedBootstrap.js';
export type { PairedBootstrapInput, PairedBootstrapResult } from './pairedBootstrap.js';
export { delongTest } from './delong.js';
export type { DeLongInput, DeLongResult } from './delong.js';
export { courseTTest } from './courseTTest.js';
export type { CourseTTestResult } from './courseTTest.js';
export type { ModelPairInput } from './replicateTools.js';
export { ttestInd, tPValue } from './ttest.js';
export type { Alternative, TTestOptions, TTestResult } from './ttest.js';
export { decide } from './decide.js';
export type { ComparisonStats, DecideInput, Decision, DecisionCode, DecisionPolicy, ValidationTest } from './decide.js';
export { aucMetric, averagePrecisionMetric, cardPrecisionMetric } from './resampledMetrics.js';
export type { ResampledMetric } from './resampledMetrics.js';
export { studentTCdf, studentTSf } from './studentT.js';
export { erfc, normalCdf, normalSf } from './erfc.js';
