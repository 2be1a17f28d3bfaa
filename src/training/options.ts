/**
 * The options of the training stage, described once: the CLI's flags (`fraudops train`), their env vars and
 * config keys, and the pipeline's train task all come from these specs (see config/flags.ts).
 */
import type { FlagSpec } from '../config/flags.js';
import { STORE_SCHEMES, TRACKING_SCHEMES } from '../config/schemes.js';
import { checkEngineUri } from '../engine/openEngine.js';

export const TRAIN_OPTIONS = {
  lake: { type: 'uri', description: 'lake root', env: 'FRAUDOPS_LAKE', configKey: 'lake', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
  'train-start': { type: 'date', description: 'first training day', placeholder: 'YYYY-MM-DD' },
  'train-days': { type: 'integer', description: 'training window length', default: 7, configKey: 'train.trainDays', min: 1, max: 3660 },
  'delay-days': { type: 'integer', description: 'delay window length (labels not yet known)', default: 7, configKey: 'train.delayDays', min: 0, max: 3660 },
  'test-days': { type: 'integer', description: 'test window length', default: 7, configKey: 'train.testDays', min: 1, max: 3660 },
  model: { type: 'string', description: 'model family', choices: ['gbdt', 'logreg', 'auto'], default: 'gbdt', configKey: 'train.model' },
  search: { type: 'string', description: 'search strategy for boosted trees', choices: ['grid', 'random'], default: 'random', configKey: 'train.search' },
  trials: { type: 'integer', description: 'boosted-tree candidates to try (default 8; with --budget, up to 1000)', configKey: 'train.trials', min: 1, max: 10000 },
  budget: { type: 'duration', durationUnit: 's', description: 'wall-clock budget of the search, e.g. 5m: candidates are tried until it is spent (not reproducible across machines; a bare number is seconds)', configKey: 'train.budget', min: 1000, max: 7 * 86_400_000 },
  folds: { type: 'integer', description: 'prequential validation folds', default: 4, configKey: 'train.folds', min: 1, max: 100 },
  ensemble: { type: 'integer', description: 'average the best N boosted-tree candidates into the model (1: the best alone)', default: 3, configKey: 'train.ensemble', min: 1, max: 100 },
  'max-train-rows': { type: 'integer', description: 'training sets above this many rows keep every fraud and a weighted sample of legitimate rows, about this many in all', default: 500_000, configKey: 'train.maxTrainRows', min: 1000, max: 1_000_000_000 },
  'max-validation-rows': { type: 'integer', description: 'search folds whose validation window holds more rows are measured on a sample of whole cards of about this size', default: 1_000_000, configKey: 'train.maxValidationRows', min: 1000, max: 1_000_000_000 },
  'early-stopping': { type: 'integer', description: 'boosted-tree candidates stop once the fold\'s validation log loss has not improved for this many rounds; the refit grows the mean kept (0: off)', default: 0, configKey: 'train.earlyStopping', min: 0, max: 100_000 },
  workers: { type: 'integer', description: 'threads the search, the refit and the test scoring run on side by side (default: one per core; 1: the main thread alone); the model is the same for any count', configKey: 'train.workers', min: 1, max: 256 },
  metric: { type: 'string', description: 'search objective', choices: ['ap', 'auc', 'cp100'], default: 'ap', configKey: 'train.metric' },
  seed: { type: 'integer', description: 'random seed', default: 1 },
  tracking: { type: 'uri', description: 'tracking URI (http(s)://, file path, or "embedded")', env: 'MLFLOW_TRACKING_URI', configKey: 'tracking', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
  experiment: { type: 'string', description: 'experiment name', default: 'fraudops', env: 'MLFLOW_EXPERIMENT_NAME', configKey: 'experiment' },
  'registered-model': { type: 'string', description: 'registered model name', default: 'fraudops-fraud', configKey: 'registeredModel' },
  engine: { type: 'string', description: 'SQL engine URI (duckdb: embedded; sc://host:port[/;token=...] Spark Connect)', default: 'duckdb:', env: 'FRAUDOPS_ENGINE', configKey: 'engine', placeholder: '<uri>', check: checkEngineUri },
  'work-dir': { type: 'string', description: 'scratch directory', env: 'FRAUDOPS_WORK_DIR', configKey: 'workDir', placeholder: '<dir>' },
} satisfies Record<string, FlagSpec>;
