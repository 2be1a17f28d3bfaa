/**
 * Reads a consumer's message stream in batches: what is buffered now, or the first arrivals within a wait.
 *
 * Why a class and not `stream.read()` in a loop: the `@platformatic/kafka` 1.x message stream starts a fetch only
 * while someone listens to it (`readableFlowing` not null), yet Node calls its `_read()` on any `read()` and then
 * counts the stream as reading until the next push. A `read()` made while no listener is attached (between two
 * waits, e.g. while a batch is being scored and committed) therefore starts no fetch and leaves the stream marked
 * as reading, so no later `read()` or listener starts one either: the stream stops with records waiting. That is
 * how the scorer stalled on a large backlog. The reader keeps one `readable` listener attached for its whole life,
 * as Node's own async iterator does, so the stream always has a consumer and every `read()` can fetch. It also
 * keeps an `error` listener, so an error between two batches is thrown by the next `next()` instead of crashing
 * the process.
 */
import type { Message, MessagesStream } from '@platformatic/kafka';

export class BatchReader<K = Buffer, V = Buffer, HK = Buffer, HV = Buffer> {
  private wake: (() => void) | undefined;
  private error: Error | undefined;
  private readonly onEvent = () => this.wake?.();
  private readonly onError = (e: Error) => {
    this.error ??= e;
    this.wake?.();
  };

  constructor(private readonly stream: MessagesStream<K, V, HK, HV>) {
    stream.on('readable', this.onEvent);
    stream.on('end', this.onEvent);
    stream.on('close', this.onEvent);
    stream.on('error', this.onError);
  }

  /**
   * Up to `max` messages; undefined once the stream ended. Waits at most `waitMs` for the first message, then at
   * most `lingerMs` more (default: what is left of `waitMs`) for others to fill the batch. A linger of 0 returns
   * what is buffered as soon as there is anything: the lowest latency, for a caller that batches elsewhere.
   */
  async next(max: number, waitMs: number, signal?: AbortSignal, lingerMs?: number): Promise<Message<K, V, HK, HV>[] | undefined> {
    const out: Message<K, V, HK, HV>[] = [];
    let deadline = performance.now() + waitMs;
    while (out.length < max) {
      if (this.error) throw this.error;
      if (this.stream.destroyed || this.stream.readableEnded) return out.length ? out : undefined;
      const m = this.stream.read() as Message<K, V, HK, HV> | null;
      if (m !== null) {
        if (out.length === 0 && lingerMs !== undefined) deadline = performance.now() + lingerMs;
        out.push(m);
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0 || signal?.aborted) break;
      await this.waitForEvent(left, signal);
    }
    return out;
  }

  /** Detaches the listeners; the stream itself is closed by its owner. */
  close(): void {
    this.stream.off('readable', this.onEvent);
    this.stream.off('end', this.onEvent);
    this.stream.off('close', this.onEvent);
    // A late error of a stream being closed is expected and must not crash the process.
    this.stream.off('error', this.onError);
    this.stream.on('error', () => undefined);
    this.wake?.();
  }

  private waitForEvent(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}
