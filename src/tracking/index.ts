/**
 * Experiment tracking and model registry: one `Tracker` interface, an embedded file store and an MLflow REST
 * client behind it, chosen by URI with `openTracker`.
 */
export type * from './Tracker.js';
export { BaseTracker } from './BaseTracker.js';
export { EmbeddedTracker } from './EmbeddedTracker.js';
export { MlflowTracker } from './MlflowTracker.js';
export type { MlflowAuth, MlflowHttpOptions } from './MlflowHttp.js';
export { DEFAULT_EMBEDDED_DIR, openTracker, registerTrackerScheme, type OpenTrackerOptions, type TrackerFactory } from './openTracker.js';
export { TrackingCodes, TrackingError, type TrackingCode } from './TrackingError.js';
export { LIMITS } from './argumentChecks.js';
export { FAILURE_TAG, withRun, type WithRunOptions } from './withRun.js';
