/**
 * Errors raised by every tracker backend. Callers branch on `code` (and retry on `retriable`), never on the
 * message, so the embedded store and the MLflow client raise the same codes for the same mistakes.
 */
import { FraudopsError, type FraudopsErrorOptions } from '../errors.js';

export const TrackingCodes = {
  /** The tracking server cannot be reached (refused, DNS, timeout, 502/503/504). Retriable; context.uri set. */
  UNAVAILABLE: 'TRACKING_UNAVAILABLE',
  /** The tracking URI itself is malformed or names a scheme no backend handles. */
  URI_INVALID: 'TRACKING_URI_INVALID',
  /** Unknown experiment, run, metric, artifact, model, version or alias. */
  NOT_FOUND: 'RESOURCE_NOT_FOUND',
  /** Creating something that must be unique and already exists (registered model name). */
  ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  /** A name, value or argument the store rejects (bad key, too long, changing a logged param...). */
  INVALID_PARAMETER: 'INVALID_PARAMETER',
  /** The server refused our credentials (401/403). */
  PERMISSION_DENIED: 'TRACKING_PERMISSION_DENIED',
  /** The server answered, but not as MLflow does: an HTML page, `{}` where a run was due, a cut-short JSON body. */
  PROTOCOL: 'TRACKING_PROTOCOL',
  /** The store's files are in a format this version cannot use (the pre-0.2 embedded layout, a newer schema). */
  STORE_FORMAT: 'TRACKING_STORE_FORMAT',
  /** An embedded store that a reading command was pointed at does not exist (reading never creates one). */
  STORE_MISSING: 'TRACKING_STORE_MISSING',
  /** Anything else the store reported. */
  FAILED: 'TRACKING_FAILED',
} as const;

export type TrackingCode = (typeof TrackingCodes)[keyof typeof TrackingCodes];

export class TrackingError extends FraudopsError {
  constructor(code: TrackingCode, message: string, options: FraudopsErrorOptions = {}) {
    super(code, message, options);
  }
}

export function notFound(what: string, context: FraudopsErrorOptions['context'] = {}): TrackingError {
  return new TrackingError(TrackingCodes.NOT_FOUND, `${what} not found`, { context });
}

export function invalid(message: string, context: FraudopsErrorOptions['context'] = {}): TrackingError {
  return new TrackingError(TrackingCodes.INVALID_PARAMETER, message, { context });
}
