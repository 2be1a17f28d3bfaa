/**
 * The composition root of a stage run. A process (the CLI, the scheduler, the scorer) builds one context and
 * hands it to every stage it runs: stages take `(options, ctx)` and get their resources from here instead of
 * opening their own. It holds object stores by URI (opened once, closed with the context), the engine factory,
 * the work directory, one typed event stream for progress and logs, the AbortSignal, and the retry policy.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DEFAULT_ENGINE_URI, engineFactory } from '../engine/openEngine.js';
import type { EngineFactory } from '../engine/SqlEngine.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { openStore } from '../storage/openStore.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry.js';

/** What a stage reports while it works; the CLI draws progress events on a TTY and prints logs. */
export type StageEvent =
  | { type: 'progress'; stage: string; message: string; done?: number; total?: number; unit?: string }
  | { type: 'log'; stage: string; level: 'info' | 'warn'; message: string };

export interface StageContext {
  readonly signal: AbortSignal;
  /** Scratch space stages create their temporary directories in (default: the OS temp dir). */
  readonly workDir: string;
  /** Opens the SQL engine the process was configured with (`--engine`). */
  readonly engines: EngineFactory;
  readonly retryPolicy: RetryPolicy;
  /** The store at `uri`, opened once per context. */
  store(uri: string): Promise<ObjectStore>;
  emit(event: StageEvent): void;
  /** Runs `fn`, retrying errors marked `retriable` under the context's policy. */
  retry<T>(fn: () => Promise<T>): Promise<T>;
  /** Closes the stores the context opened. */
  close(): Promise<void>;
}

export interface StageContextOptions {
  signal?: AbortSignal;
  workDir?: string;
  /** Engine URI (default `duckdb:`). */
  engine?: string;
  onEvent?: (event: StageEvent) => void;
  retryPolicy?: RetryPolicy;
}

export function createStageContext(o: StageContextOptions = {}): StageContext {
  const signal = o.signal ?? new AbortController().signal;
  const workDir = o.workDir ?? tmpdir();
  mkdirSync(workDir, { recursive: true });
  const engines = engineFactory(o.engine ?? DEFAULT_ENGINE_URI);
  const retryPolicy = o.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const stores = new Map<string, Promise<ObjectStore>>();
  const onEvent = o.onEvent ?? (() => {});
  return {
    signal,
    workDir,
    engines,
    retryPolicy,
    store(uri) {
      let s = stores.get(uri);
      if (!s) {
        s = openStore(uri);
        s.catch(() => stores.delete(uri));
        stores.set(uri, s);
      }
      return s;
    },
    emit: onEvent,
    retry: (fn) => withRetry(fn, retryPolicy, signal),
    async close() {
      const open = [...stores.values()];
      stores.clear();
      for (const s of open) await (await s.catch(() => undefined))?.close();
    },
  };
}

/** What stages take from a context when their options do not say otherwise. */
export interface ContextualOptions {
  signal?: AbortSignal;
  workDir?: string;
  engines?: EngineFactory;
}

/** The options with the context's signal, work directory and engine factory filled in where they are unset. */
export function withContext<T extends ContextualOptions>(o: T, ctx: StageContext | undefined): T {
  if (!ctx) return o;
  return { ...o, signal: o.signal ?? ctx.signal, workDir: o.workDir ?? ctx.workDir, engines: o.engines ?? ctx.engines };
}
