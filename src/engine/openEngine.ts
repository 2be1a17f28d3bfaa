/**
 * Picks the SQL engine by URI, like `openStore` and `openTracker`: `duckdb:` (the default: embedded, in this
 * process) and `sc://host:port[/;token=...]` (Spark Connect, src/engine/spark/). A stage receives an
 * `EngineFactory` and never names a concrete engine.
 */
import { ConfigError } from '../errors.js';
import type { EngineFactory, EngineOptions, SqlEngine } from './SqlEngine.js';

export const DEFAULT_ENGINE_URI = 'duckdb:';

/** Opens an engine for one URI scheme. */
export type EngineOpener = (uri: string, options: EngineOptions) => Promise<SqlEngine>;

const registry = new Map<string, EngineOpener>([
  [
    'duckdb',
    async (_uri, options) => {
      const { DuckDbEngine } = await import('./DuckDbEngine.js');
      return DuckDbEngine.create(options);
    },
  ],
  [
    'sc',
    async (uri) => {
      const { SparkConnectEngine } = await import('./spark/SparkConnectEngine.js');
      return SparkConnectEngine.create(uri);
    },
  ],
]);

/** Adds (or replaces) the opener of a scheme, e.g. `sc` for Spark Connect. */
export function registerEngine(scheme: string, opener: EngineOpener): void {
  registry.set(scheme, opener);
}

/** Schemes an engine URI may use, for help text and validation. */
export function engineSchemes(): string[] {
  return [...registry.keys()];
}

/** The scheme of an engine URI (`duckdb` also for the bare name `duckdb`). */
export function engineScheme(uri: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(uri);
  if (m) return m[1].toLowerCase();
  return uri === 'duckdb' ? 'duckdb' : undefined;
}

/** Checks an engine URI without opening anything; throws ConfigError naming the accepted schemes. */
export function checkEngineUri(uri: string): string {
  const normalized = uri === 'duckdb' ? DEFAULT_ENGINE_URI : uri;
  const scheme = engineScheme(normalized);
  if (scheme === undefined || !registry.has(scheme)) {
    throw new ConfigError(`unsupported engine "${uri}": use ${engineSchemes().map((s) => `${s}:`).join(' or ')}`, { context: { field: 'engine' } });
  }
  if (scheme === 'duckdb' && normalized !== DEFAULT_ENGINE_URI) {
    throw new ConfigError(`unsupported engine "${uri}": the embedded DuckDB engine takes no address; use "duckdb:"`, { context: { field: 'engine' } });
  }
  return normalized;
}

export async function openEngine(uri: string = DEFAULT_ENGINE_URI, options: EngineOptions): Promise<SqlEngine> {
  const normalized = checkEngineUri(uri);
  return registry.get(engineScheme(normalized)!)!(normalized, options);
}

/** An engine factory bound to one URI, as a StageContext carries it. */
export function engineFactory(uri: string = DEFAULT_ENGINE_URI): EngineFactory {
  const normalized = checkEngineUri(uri);
  return (options) => openEngine(normalized, options);
}
