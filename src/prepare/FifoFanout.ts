/**
 * Several named pipes read by one multi-file CSV scan, so the engine parses and classifies on several threads
 * instead of one. Every forwarded line carries its own line number, so which pipe a chunk takes does not matter:
 * each chunk goes to the pipe with the least backlog that is not full. That routing can never deadlock, whatever
 * order the engine opens and reads the pipes in: a pipe the engine is waiting on is empty, hence not full, and
 * gets the next chunk. The pipes are closed in order, each once the engine has opened it.
 */
import { join } from 'node:path';
import { Fifo } from './fifo.js';

export class FifoFanout {
  private engineSettled = false;

  private constructor(
    readonly fifos: Fifo[],
    private readonly engineDone: Promise<unknown>,
  ) {
    void engineDone.then(
      () => (this.engineSettled = true),
      () => (this.engineSettled = true),
    );
  }

  /**
   * Creates the pipes and starts the engine's reading query with their paths. A query that ends while rows are
   * still being written (it failed) makes the next `write` reject with its error instead of waiting forever.
   */
  static open(dir: string, count: number, startQuery: (paths: string[]) => Promise<unknown>): { fanout: FifoFanout; query: Promise<unknown> } {
    const fifos: Fifo[] = [];
    for (let i = 0; i < Math.max(1, count); i++) fifos.push(Fifo.create(join(dir, `rows-${i}.csv`)));
    const query = startQuery(fifos.map((f) => f.path));
    query.catch(() => undefined);
    return { fanout: new FifoFanout(fifos, query), query };
  }

  async write(chunk: Buffer): Promise<void> {
    for (;;) {
      if (this.engineSettled) {
        await this.engineDone;
        throw new Error('the engine stopped reading before the end of the input');
      }
      let best: Fifo | undefined;
      for (const f of this.fifos) if (!f.full && (best === undefined || f.backlog < best.backlog)) best = f;
      if (best) {
        best.enqueue(chunk);
        return;
      }
      await Promise.race([...this.fifos.map((f) => f.drained()), this.engineDone.catch(() => undefined)]);
    }
  }

  /** Closes every pipe once the engine has opened it; stops waiting when `engineDone` settles. */
  async end(): Promise<void> {
    for (const f of this.fifos) {
      if (await f.waitForReader(this.engineDone)) await f.end();
    }
  }

  /**
   * Gives up on the pipes after a failure on our side: closes our writers, then keeps unblocking the engine
   * (end-of-file for a reader, room for a blocked write) until its query has finished, whichever pipe it is on.
   */
  async abandon(): Promise<void> {
    for (const f of this.fifos) f.destroyWriter();
    while (!this.engineSettled) {
      for (const f of this.fifos) f.unblock();
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  remove(): void {
    for (const f of this.fifos) f.remove();
  }
}
