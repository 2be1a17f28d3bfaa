import { describe, expect, it } from 'vitest';
import { checkpoint } from './checkpoint.js';

/** Synchronous work that holds the event loop for `ms`. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('util > checkpoint', () => {
  it('lets the event loop turn during long synchronous work, so an abort from a callback is seen', async () => {
    const ac = new AbortController();
    setImmediate(() => ac.abort(new Error('stop')));
    const check = checkpoint(ac.signal, 5);
    let rounds = 0;
    const run = async (): Promise<void> => {
      for (; rounds < 1000; rounds++) {
        await check();
        busy(2);
      }
    };
    await expect(run()).rejects.toThrow('stop');
    // stopped within a turn or two of the abort, not after the 1000 rounds
    expect(rounds).toBeLessThan(20);
  });

  it('does not give the loop a turn before everyMs of work, and never throws without an abort', async () => {
    let turned = false;
    setImmediate(() => (turned = true));
    const check = checkpoint(undefined, 60_000);
    for (let i = 0; i < 100; i++) await check();
    expect(turned).toBe(false);
  });
});
