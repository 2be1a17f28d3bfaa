/**
 * Picks the tracking backend from a URI, MLflow-style: one registry of scheme -> factory.
 *
 *   http://host:port, https://...      the MLflow REST API
 *   sqlite:///rel.db, sqlite:////abs.db the embedded store: that MLflow SQLite file, artifacts in `artifacts/` beside it
 *   file:///abs/dir, /abs/dir, ./dir   the embedded store in that directory (`mlflow.db` + `artifacts/`)
 *   embedded                           the embedded store in ./mlruns-fraudops under the working directory
 *
 * With no URI argument, MLFLOW_TRACKING_URI decides; when that is unset too, `embedded`. The embedded store's
 * artifact root defaults to its `artifacts/` directory; `artifactRoot` (FRAUDOPS_ARTIFACT_ROOT) puts new
 * experiments' artifacts elsewhere, for example in an S3 bucket.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ArtifactRepository } from './ArtifactRepository.js';
import { EmbeddedModelRegistry } from './embedded/EmbeddedModelRegistry.js';
import { EmbeddedRunTracker } from './embedded/EmbeddedRunTracker.js';
import { formatError, openMlflowSqlite } from './embedded/MlflowSqliteDb.js';
import { MlflowModelRegistry } from './mlflow/MlflowModelRegistry.js';
import { MlflowRunTracker } from './mlflow/MlflowRunTracker.js';
import { MlflowHttp, type MlflowHttpOptions } from './MlflowHttp.js';
import { openArtifactRepository } from './openArtifactRepository.js';
import type { Tracking } from './Tracking.js';
import { TrackingCodes, TrackingError } from './TrackingError.js';

/** Directory name of the default embedded store, relative to the working directory. */
export const DEFAULT_EMBEDDED_DIR = 'mlruns-fraudops';
/** The embedded store's database file inside its directory. */
export const EMBEDDED_DB_FILE = 'mlflow.db';

export interface OpenTrackingOptions extends MlflowHttpOptions {
  /** Base for relative paths and the default embedded store; default process.cwd(). */
  cwd?: string;
  /** MLflow: check that the server answers before returning (default true). */
  probe?: boolean;
  /** Embedded: artifact root for new experiments (`s3://bucket/prefix`, `file:///dir`); default FRAUDOPS_ARTIFACT_ROOT, else `<store>/artifacts`. */
  artifactRoot?: string;
  env?: Record<string, string | undefined>;
  /**
   * Embedded: the store must exist already (TRACKING_STORE_MISSING otherwise). Commands that only read the
   * registry set it, so a mistyped path is an error instead of a new empty store left behind.
   */
  mustExist?: boolean;
}

export type TrackingFactory = (uri: string, options: OpenTrackingOptions) => Promise<Tracking>;

const factories = new Map<string, TrackingFactory>();

/** Adds (or replaces) the backend for a URI scheme, without the colon. */
export function registerTrackingScheme(scheme: string, factory: TrackingFactory): void {
  factories.set(scheme.toLowerCase(), factory);
}

const mlflow: TrackingFactory = async (uri, options) => {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (e) {
    throw badUri(uri, 'is not a valid URL', e);
  }
  if (!url.hostname) throw badUri(uri, 'has no host');
  const env = options.env ?? process.env;
  const base = uri.replace(/\/+$/, '');
  const http = new MlflowHttp(base, {
    token: options.token ?? env.MLFLOW_TRACKING_TOKEN,
    username: options.username ?? env.MLFLOW_TRACKING_USERNAME,
    password: options.password ?? env.MLFLOW_TRACKING_PASSWORD,
    timeoutMs: options.timeoutMs,
    artifactTimeoutMs: options.artifactTimeoutMs,
  });
  if (options.probe !== false) await http.send('POST', 'experiments/search', { max_results: 1 });
  return {
    uri: base,
    runs: new MlflowRunTracker(base, http),
    registry: new MlflowModelRegistry(base, http),
    artifacts: (root: string) => openArtifactRepository(root, { http, env }),
    close: async () => {},
  };
};
registerTrackingScheme('http', mlflow);
registerTrackingScheme('https', mlflow);
registerTrackingScheme('file', (uri, options) => {
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch (e) {
    throw badUri(uri, 'is not an absolute file:// URL', e);
  }
  return openEmbeddedDir(path, options);
});
registerTrackingScheme('sqlite', (uri, options) => {
  // SQLAlchemy's form, as MLflow takes it: sqlite:///relative.db, sqlite:////absolute.db.
  const m = /^sqlite:\/\/\/(.+)$/i.exec(uri);
  if (!m) throw badUri(uri, 'is not sqlite:///<path to .db file>');
  const file = resolve(options.cwd ?? process.cwd(), decodeURIComponent(m[1]));
  return openEmbedded(file, join(dirname(file), 'artifacts'), options);
});

/**
 * Opens the tracking backend named by `uri` (or MLFLOW_TRACKING_URI, or the embedded default).
 * Fails with TRACKING_URI_INVALID for malformed URIs, unknown schemes or a path that is a regular file,
 * TRACKING_UNAVAILABLE (retriable) when an MLflow server does not answer, TRACKING_PROTOCOL when what answers
 * is not MLflow, TRACKING_STORE_FORMAT when an embedded store is in a format this version cannot use.
 *
 * @example
 * const tracking = await openTracking('http://127.0.0.1:5050');
 * try { await tracking.runs.getOrCreateExperiment('fraudops'); } finally { await tracking.close(); }
 */
export async function openTracking(uri?: string, options: OpenTrackingOptions = {}): Promise<Tracking> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const chosen = (uri ?? env.MLFLOW_TRACKING_URI ?? '').trim();
  if (chosen === '' || chosen === 'embedded') return openEmbeddedDir(resolve(cwd, DEFAULT_EMBEDDED_DIR), options);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(chosen)?.[1];
  // No scheme (or a Windows drive letter): a plain directory path.
  if (scheme === undefined || /^[a-z]:[\\/]/i.test(chosen)) return openEmbeddedDir(resolve(cwd, chosen), options);
  const factory = factories.get(scheme.toLowerCase());
  if (!factory) {
    throw badUri(chosen, `has scheme '${scheme}:', which no tracking backend handles (known: ${[...factories.keys()].join(', ')}, or a directory path)`);
  }
  return factory(chosen, options);
}

function openEmbeddedDir(dir: string, options: OpenTrackingOptions): Promise<Tracking> {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw badUri(dir, 'is a regular file, not a directory; pass the directory of an embedded store (it is created if missing), sqlite:///<file.db>, or an http(s):// MLflow server');
  }
  if (!existsSync(join(dir, EMBEDDED_DB_FILE)) && isLegacyLayout(dir)) {
    throw formatError(
      dir,
      'holds the JSON layout of fraudops 0.1, which MLflow cannot open; this version keeps runs in MLflow\'s SQLite schema. ' +
        `Carry it over with \`fraudops tracking migrate ${dir}\` (see README "Tracking store format")`,
    );
  }
  return openEmbedded(join(dir, EMBEDDED_DB_FILE), join(dir, 'artifacts'), options);
}

/** The 0.1 embedded store: experiments/<id>.json, runs/<id>/run.json, models/<name>/model.json. */
function isLegacyLayout(dir: string): boolean {
  try {
    return readdirSync(join(dir, 'experiments')).some((f) => f.endsWith('.json')) || existsSync(join(dir, 'experiment-names'));
  } catch {
    return false;
  }
}

async function openEmbedded(file: string, defaultArtifacts: string, options: OpenTrackingOptions): Promise<Tracking> {
  const env = options.env ?? process.env;
  if (options.mustExist && !existsSync(file)) {
    throw new TrackingError(TrackingCodes.STORE_MISSING, `no tracking store at ${dirname(file)} (no ${file}); check --tracking / MLFLOW_TRACKING_URI, or train a model first`, {
      context: { uri: file },
    });
  }
  const root = options.artifactRoot ?? env.FRAUDOPS_ARTIFACT_ROOT ?? pathToFileURL(defaultArtifacts).href;
  const db = await openMlflowSqlite(file, root);
  const uri = `sqlite:///${file}`;
  let open = true;
  const close = async () => {
    if (open) db.close();
    open = false;
  };
  return {
    uri,
    runs: new EmbeddedRunTracker(uri, db, root),
    registry: new EmbeddedModelRegistry(uri, db),
    artifacts: (rootUri: string): Promise<ArtifactRepository> => openArtifactRepository(rootUri, { env }),
    close,
  };
}

function badUri(uri: string, why: string, cause?: unknown): TrackingError {
  return new TrackingError(TrackingCodes.URI_INVALID, `tracking URI '${uri}' ${why}`, { context: { uri }, cause });
}
