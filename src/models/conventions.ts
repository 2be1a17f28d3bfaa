/**
 * How fraudops uses the model registry and run artifacts, in one place: training writes these names, validation
 * and promotion read and move them, the scorer loads by them. A rename here is a rename everywhere.
 */

/** Registered model that training adds versions to and validation moves aliases on. */
export const DEFAULT_REGISTERED_MODEL = 'fraudops-fraud';
/** Experiment training and validation runs are recorded in. */
export const DEFAULT_EXPERIMENT = 'fraudops';

/** Registry aliases: the model serving now, and the one it replaced (what `rollback` returns to). */
export const ALIASES = {
  champion: 'champion',
  previousChampion: 'previous-champion',
} as const;

/** Run and model-version tags. */
export const TAGS = {
  /** On a training run: the registry version it produced. */
  modelVersion: 'fraudops.model_version',
  /** On a training run: the MLflow logged model it produced. */
  loggedModelId: 'fraudops.logged_model_id',
  /** On a run: which stage made it (`train`, `validate`). */
  stage: 'fraudops.stage',
  /** On a version: model family (`gbdt`, `logreg`). */
  modelKind: 'fraudops.model',
  featureSpecHash: 'fraudops.feature_spec_hash',
  /** On a version: `fraudops.test_<metric>` for each test metric. */
  testMetricPrefix: 'fraudops.test_',
  /** On a run and its version: the validation evidence (`validation.code`, `validation.reason`, ...). */
  validationPrefix: 'validation.',
  /** On a version: manual registry decisions (`promotion.action`, `promotion.reason`, ...). */
  promotionPrefix: 'promotion.',
} as const;

/** Paths inside a training run's artifacts. */
export const ARTIFACTS = {
  /** Folder holding the model (native artifact and ONNX); registry versions point at it. */
  modelDir: 'model',
  /** The native model file inside `modelDir`. */
  modelFile: 'model.fraudops.json',
  onnxFile: 'model.onnx',
  featureSpec: 'feature_spec.json',
  environment: 'environment.json',
  trials: 'search/trials.json',
  validationJson: 'validation/report.json',
  validationHtml: 'validation/report.html',
  validationPng: 'validation/report.png',
} as const;

/** `<modelDir>/<modelFile>`: where a run's model artifact is. */
export const MODEL_ARTIFACT_PATH = `${ARTIFACTS.modelDir}/${ARTIFACTS.modelFile}`;
