/**
 * Tracking in MLflow's three parts: RunTracker (runs, params, metrics, tags, inputs, logged models),
 * ModelRegistry (registered models, versions, aliases, version tags) and ArtifactRepository (files under an
 * artifact root, on an ObjectStore or MLflow's proxy). `openTracking(uri)` opens all three for one backend:
 * the embedded store (MLflow's SQLite schema) or an MLflow server.
 */
export type * from './RunTracker.js';
export type * from './ModelRegistry.js';
export type * from './ArtifactRepository.js';
export type { Tracking } from './Tracking.js';
export { BaseRunTracker } from './BaseRunTracker.js';
export { BaseModelRegistry } from './BaseModelRegistry.js';
export type { MlflowAuth, MlflowHttpOptions } from './MlflowHttp.js';
export { openArtifactRepository } from './openArtifactRepository.js';
export {
  DEFAULT_EMBEDDED_DIR,
  EMBEDDED_DB_FILE,
  openTracking,
  registerTrackingScheme,
  type OpenTrackingOptions,
  type TrackingFactory,
} from './openTracking.js';
export { ALIAS_LOCK_SUFFIX } from './AliasLock.js';
export { TrackingCodes, TrackingError, type TrackingCode } from './TrackingError.js';
export { LIMITS } from './argumentChecks.js';
export { FAILURE_TAG, STALE_RUN, reconcileStaleRuns, withRun, type WithRunOptions } from './withRun.js';
export { downloadRunArtifact, logRunArtifact, openRunArtifacts } from './runArtifacts.js';
