/**
 * The retry policy of store and tracker calls: only errors marked `retriable` (a FraudopsError flag set where
 * the failure is known to be transient: timeouts, 5xx, dropped connections) are tried again, with exponential
 * backoff and jitter, and never after the signal aborted. Everything else fails at once.
 */
import { isFraudopsError } from '../errors.js';

export interface RetryPolicy {
  /** Attempts after the first (default 3). */
  retries: number;
  /** First delay in ms (default 200), doubled each time up to `maxDelayMs` (default 5000). */
  minDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, minDelayMs: 200, maxDelayMs: 5000 };

export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY_POLICY, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isFraudopsError(e) || !e.retriable || attempt >= policy.retries || signal?.aborted) throw e;
      const delay = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
      signal?.throwIfAborted();
    }
  }
}
