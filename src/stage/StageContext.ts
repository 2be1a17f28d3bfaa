/**
 * The composition root of a stage run. A process (the CLI, the scheduler, the scorer) builds one context and
 * hands it to every stage it runs: stages take `(options, ctx)` and get their resources from here instead of
 * opening their own. It holds object stores by URI and tracking backends (run tracker, model registry and
 * artifact repositories) by URI, each opened once and closed with the context; the engine factory; the work
 * directory; one typed event stream for progress and logs; the AbortSignal; and the retry policy, which the
 * stores and trackers it hands out already apply to their calls that are safe to repeat (see retrying.ts).
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DEFAULT_ENGINE_URI, engineFactory } from '../engine/openEngine.js';
import type { EngineFactory } from '../engine/SqlEngine.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { openStore } from '../storage/openStore.js';
import type { OpenTrackingOptions } from '../tracking/openTracking.js';
import type { Tracking } from '../tracking/Tracking.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry.js';
import { retryingStore, retryingTracking } from './retrying.js';

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
  /** The store at `uri`, opened once per context; its repeatable calls follow the retry policy. */
  store(uri: string): Promise<ObjectStore>;
  /**
   * The tracking backend at `uri` (default: MLFLOW_TRACKING_URI, else the embedded store), opened once per
   * context; its repeatable calls follow the retry policy. `mustExist`: an embedded store must exist already
   * (commands that only read the registry never create one).
   */
  tracking(uri?: string, options?: Pick<OpenTrackingOptions, 'mustExist'>): Promise<Tracking>;
  emit(event: StageEvent): void;
  /** Runs `fn`, retrying errors marked `retriable` under the context's policy. */
  retry<T>(fn: () => Promise<T>): Promise<T>;
  /** Closes the stores and tracking backends the context opened. */
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
  const trackings = new Map<string, Promise<Tracking>>();
  const onEvent = o.onEvent ?? (() => {});
  const retry = <T>(fn: () => Promise<T>) => withRetry(fn, retryPolicy, signal);
  return {
    signal,
    workDir,
    engines,
    retryPolicy,
    store(uri) {
      let s = stores.get(uri);
      if (!s) {
        s = openStore(uri).then((store) => retryingStore(store, retry));
        s.catch(() => stores.delete(uri));
        stores.set(uri, s);
      }
      return s;
    },
    tracking(uri, options = {}) {
      const key = `${options.mustExist ? 'existing' : 'any'} ${uri ?? ''}`;
      let t = trackings.get(key);
      if (!t) {
        // Loaded on use: commands that never track (and --help) do not pay for the tracking backends.
        t = import('../tracking/openTracking.js')
          .then(({ openTracking }) => openTracking(uri, { mustExist: options.mustExist }))
          .then((tracking) => retryingTracking(tracking, retry));
        t.catch(() => trackings.delete(key));
        trackings.set(key, t);
      }
      return t;
    },
    emit: onEvent,
    retry,
    async close() {
      const open = [...stores.values()];
      const openTrackings = [...trackings.values()];
      stores.clear();
      trackings.clear();
      for (const s of open) await (await s.catch(() => undefined))?.close();
      for (const t of openTrackings) await (await t.catch(() => undefined))?.close();
    },
  };
}

/**
 * A stage's progress reporter: each report is one typed event on the context's stream (the CLI draws it; the
 * pipeline logs it), and also goes to the stage's own callback when its caller passed one.
 */
export function stageProgress(ctx: StageContext | undefined, stage: string, callback?: (message: string) => void): (message: string, counts?: { done: number; total: number; unit: string }) => void {
  return (message, counts) => {
    ctx?.emit({ type: 'progress', stage, message, ...counts });
    callback?.(message);
  };
}

/** A resource and how to let it go: closes what the stage opened itself, leaves what the context owns. */
export interface Held<T> {
  value: T;
  release(): Promise<void>;
}

/** The store at `uri` from the context, or (without one) opened for this stage alone. */
export async function holdStore(ctx: StageContext | undefined, uri: string): Promise<Held<ObjectStore>> {
  if (ctx) return { value: await ctx.store(uri), release: async () => {} };
  const store = await openStore(uri);
  return { value: store, release: () => store.close() };
}

/** The tracking backend at `uri` from the context, or (without one) opened for this stage alone. */
export async function holdTracking(ctx: StageContext | undefined, uri: string | undefined, options: Pick<OpenTrackingOptions, 'mustExist'> = {}): Promise<Held<Tracking>> {
  if (ctx) return { value: await ctx.tracking(uri, options), release: async () => {} };
  const { openTracking } = await import('../tracking/openTracking.js');
  const tracking = await openTracking(uri, options);
  return { value: tracking, release: () => tracking.close() };
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
