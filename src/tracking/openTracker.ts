/**
 * Picks the tracker backend from a URI, MLflow-style: one registry of scheme -> factory.
 *
 *   http://host:port, https://...      MlflowTracker (MLflow REST API)
 *   file:///abs/dir, /abs/dir, ./dir   EmbeddedTracker rooted at that directory
 *   embedded                           EmbeddedTracker at ./mlruns-fraudops under the working directory
 *
 * With no URI argument, MLFLOW_TRACKING_URI decides; when that is unset too, `embedded`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedTracker } from './EmbeddedTracker.js';
import type { MlflowHttpOptions } from './MlflowHttp.js';
import { MlflowTracker } from './MlflowTracker.js';
import type { Tracker } from './Tracker.js';
import { TrackingCodes, TrackingError } from './TrackingError.js';

/** Directory name of the default embedded store, relative to the working directory. */
export const DEFAULT_EMBEDDED_DIR = 'mlruns-fraudops';

export interface OpenTrackerOptions extends MlflowHttpOptions {
  /** Base for relative paths and the default embedded store; default process.cwd(). */
  cwd?: string;
  /** MLflow: check that the server answers before returning (default true). */
  probe?: boolean;
}

export type TrackerFactory = (uri: string, options: OpenTrackerOptions) => Promise<Tracker>;

const factories = new Map<string, TrackerFactory>();

/** Adds (or replaces) the backend for a URI scheme, without the colon: `registerTrackerScheme('s3', ...)`. */
export function registerTrackerScheme(scheme: string, factory: TrackerFactory): void {
  factories.set(scheme.toLowerCase(), factory);
}

const mlflow: TrackerFactory = (uri, options) => {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (e) {
    throw badUri(uri, 'is not a valid URL', e);
  }
  if (!url.hostname) throw badUri(uri, 'has no host');
  return MlflowTracker.create(uri, options);
};
registerTrackerScheme('http', mlflow);
registerTrackerScheme('https', mlflow);
registerTrackerScheme('file', (uri) => {
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch (e) {
    throw badUri(uri, 'is not an absolute file:// URL', e);
  }
  return EmbeddedTracker.create(path);
});

/**
 * Opens the tracker named by `uri` (or MLFLOW_TRACKING_URI, or the embedded default).
 * Fails with TRACKING_URI_INVALID for malformed URIs or unknown schemes, TRACKING_UNAVAILABLE (retriable) when
 * an MLflow server does not answer.
 *
 * @example
 * const tracker = await openTracker('http://127.0.0.1:5050');
 * try { ... } finally { await tracker.close(); }
 */
export async function openTracker(uri?: string, options: OpenTrackerOptions = {}): Promise<Tracker> {
  const cwd = options.cwd ?? process.cwd();
  const chosen = (uri ?? process.env.MLFLOW_TRACKING_URI ?? '').trim();
  if (chosen === '' || chosen === 'embedded') return EmbeddedTracker.create(resolve(cwd, DEFAULT_EMBEDDED_DIR));
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(chosen)?.[1];
  // No scheme (or a Windows drive letter): a plain directory path.
  if (scheme === undefined || /^[a-z]:[\\/]/i.test(chosen)) return EmbeddedTracker.create(resolve(cwd, chosen));
  const factory = factories.get(scheme.toLowerCase());
  if (!factory) {
    throw badUri(chosen, `has scheme '${scheme}:', which no tracker handles (known: ${[...factories.keys()].join(', ')}, or a path)`);
  }
  return factory(chosen, options);
}

function badUri(uri: string, why: string, cause?: unknown): TrackingError {
  return new TrackingError(TrackingCodes.URI_INVALID, `tracking URI '${uri}' ${why}`, { context: { uri }, cause });
}
