/**
 * The options of the validation stage, described once: the CLI's flags (`fraudops validate`), their env vars and
 * config keys, and the pipeline's validate task all come from these specs (see config/flags.ts).
 */
import type { FlagSpec } from '../config/flags.js';
import { STORE_SCHEMES, TRACKING_SCHEMES } from '../config/schemes.js';
import { checkEngineUri } from '../engine/openEngine.js';

export const VALIDATE_OPTIONS = {
  candidate: { type: 'string', description: 'model to validate: run id, runs:/<id>, models:/<name>/<version> or models:/<name>@<alias>', required: true, placeholder: '<ref>' },
  lake: { type: 'uri', description: 'lake root', env: 'FRAUDOPS_LAKE', configKey: 'lake', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
  against: { type: 'string', description: 'alias or model reference to compare with', default: 'champion', placeholder: '<alias|ref>' },
  metric: { type: 'string', description: 'metric compared', choices: ['ap', 'auc', 'cp100'], default: 'ap', configKey: 'validate.metric' },
  test: { type: 'string', description: 'statistical test', choices: ['paired-bootstrap', 'delong', 'course-t'], default: 'paired-bootstrap', configKey: 'validate.test' },
  bootstrap: { type: 'integer', description: 'bootstrap replicates', default: 1000, configKey: 'validate.bootstrap', min: 10, max: 1_000_000 },
  alpha: { type: 'number', description: 'significance level', default: 0.05, configKey: 'validate.alpha', above: 0, below: 1 },
  'min-effect': { type: 'number', description: 'smallest improvement worth promoting', default: 0, configKey: 'validate.minEffect', min: 0 },
  block: { type: 'string', description: 'bootstrap resampling unit', choices: ['none', 'day', 'card'], default: 'none' },
  welch: { type: 'boolean', description: 'course-t: Welch (unequal variances) instead of Student' },
  seed: { type: 'integer', description: 'bootstrap seed', default: 1 },
  'test-end': { type: 'date', description: 'last day of the test window (default: the lake\'s last day)', placeholder: 'YYYY-MM-DD' },
  'test-days': { type: 'integer', description: 'test window length', default: 7, min: 1, max: 3660 },
  'min-test-days': { type: 'integer', description: 'days of the test window the lake must hold (default: all of them)', configKey: 'validate.minTestDays', min: 1, max: 3660 },
  'min-test-frauds': { type: 'integer', description: 'frauds the test window must hold for a decision', default: 20, configKey: 'validate.minTestFrauds', min: 1, max: 1_000_000 },
  'dry-run': { type: 'boolean', description: 'decide and report, but record nothing and move no alias' },
  tracking: { type: 'uri', description: 'tracking URI', env: 'MLFLOW_TRACKING_URI', configKey: 'tracking', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
  'registered-model': { type: 'string', description: 'registered model name', default: 'fraudops-fraud', configKey: 'registeredModel' },
  engine: { type: 'string', description: 'SQL engine URI (duckdb: embedded; sc://host:port[/;token=...] Spark Connect)', default: 'duckdb:', env: 'FRAUDOPS_ENGINE', configKey: 'engine', placeholder: '<uri>', check: checkEngineUri },
  'work-dir': { type: 'string', description: 'scratch directory', env: 'FRAUDOPS_WORK_DIR', configKey: 'workDir', placeholder: '<dir>' },
} satisfies Record<string, FlagSpec>;
