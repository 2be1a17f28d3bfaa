/**
 * Store and tracker handles whose calls go through the context's retry policy. Only calls that are safe to
 * repeat are retried: reads, and writes that leave the same state however often they run (setting a tag or an
 * alias, ending a run, deleting an object). A create-only write, a new run, a new version or a metric point is
 * never repeated, because a timeout does not say whether the first attempt took effect.
 */
import type { ObjectStore, WriteOptions } from '../storage/ObjectStore.js';
import type { ModelRegistry } from '../tracking/ModelRegistry.js';
import type { RunTracker } from '../tracking/RunTracker.js';
import type { Tracking } from '../tracking/Tracking.js';

type Retry = <T>(fn: () => Promise<T>) => Promise<T>;

/** ObjectStore calls that may be repeated: reads and deletes (a plain overwrite is repeated only without `ifNoneMatch`). */
export const IDEMPOTENT_STORE_CALLS = ['list', 'head', 'read', 'readBytes', 'localPath', 'delete'] as const;
export const IDEMPOTENT_TRACKER_CALLS = ['getExperiment', 'getExperimentByName', 'getRun', 'getMetricHistory', 'searchRuns', 'getLoggedModel', 'setTag', 'endRun'] as const;
export const IDEMPOTENT_REGISTRY_CALLS = ['getRegisteredModel', 'getModelVersion', 'getModelVersionByAlias', 'searchModelVersions', 'setAlias', 'deleteAlias', 'setModelVersionTag'] as const;

/** `target` with the named async methods retried by `retry`; every other member is the target's own. */
export function retryingCalls<T extends object>(target: T, methods: readonly string[], retry: Retry): T {
  const retried = new Set(methods);
  return new Proxy(target, {
    get(t, key, receiver) {
      const value = Reflect.get(t, key, receiver) as unknown;
      if (typeof key !== 'string' || typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!retried.has(key)) return fn.bind(t);
      return (...args: unknown[]) => retry(() => Promise.resolve(fn.apply(t, args)));
    },
  });
}

export function retryingStore(store: ObjectStore, retry: Retry): ObjectStore {
  const wrapped = retryingCalls(store, IDEMPOTENT_STORE_CALLS, retry);
  return new Proxy(wrapped, {
    get(t, key, receiver) {
      // An overwrite is idempotent; a create-only write (ifNoneMatch) is not.
      if (key === 'write' || key === 'writeFile') {
        const fn = Reflect.get(store, key) as (k: string, body: unknown, o?: WriteOptions) => Promise<unknown>;
        return (k: string, body: unknown, o?: WriteOptions) =>
          o?.ifNoneMatch || (key === 'write' && !isRepeatable(body)) ? fn.call(store, k, body, o) : retry(() => fn.call(store, k, body, o));
      }
      return Reflect.get(t, key, receiver) as unknown;
    },
  });
}

/** A body that can be sent again: bytes or text, not a stream that the first attempt consumed. */
function isRepeatable(body: unknown): boolean {
  return typeof body === 'string' || body instanceof Uint8Array;
}

export function retryingTracking(tracking: Tracking, retry: Retry): Tracking {
  return {
    uri: tracking.uri,
    runs: retryingCalls<RunTracker>(tracking.runs, IDEMPOTENT_TRACKER_CALLS, retry),
    registry: retryingCalls<ModelRegistry>(tracking.registry, IDEMPOTENT_REGISTRY_CALLS, retry),
    artifacts: (root) => retry(() => tracking.artifacts(root)),
    close: () => tracking.close(),
  };
}
