/**
 * Yield points for long synchronous work. A boosting loop or a pass over millions of rows holds the event loop,
 * and with it the process's signal handlers: a SIGTERM is not even seen, so the stage's AbortSignal never fires,
 * until the work gives the loop a turn. A checkpoint, awaited once per round or block, gives it that turn when
 * `everyMs` of work have passed since the last one, then throws the signal's reason if it was aborted. Between
 * turns it costs a clock read.
 */

/** Awaited between rounds or blocks of work; rejects with the signal's reason once it is aborted. */
export type Checkpoint = () => Promise<void>;

/** How long work runs between turns of the event loop by default: well under what a person notices. */
export const CHECKPOINT_EVERY_MS = 50;

/**
 * @example
 * const check = checkpoint(signal);
 * for (let round = 0; round < rounds; round++) {
 *   await check();
 *   growOneTree();
 * }
 */
export function checkpoint(signal?: AbortSignal, everyMs = CHECKPOINT_EVERY_MS): Checkpoint {
  let last = performance.now();
  return async () => {
    if (performance.now() - last >= everyMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
    signal?.throwIfAborted();
  };
}
