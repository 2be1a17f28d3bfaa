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
  private constructor(readonly fifos: Fifo[]) {}

  static create(dir: string, count: number, name = 'rows'): FifoFanout {
    const fifos: Fifo[] = [];
    for (let i = 0; i < Math.max(1, count); i++) fifos.push(Fifo.create(join(dir, `${name}-${i}.csv`)));
    return new FifoFanout(fifos);
  }

  get paths(): string[] {
    return this.fifos.map((f) => f.path);
  }

  async write(chunk: Buffer): Promise<void> {
    for (;;) {
      let best: Fifo | undefined;
      for (const f of this.fifos) if (!f.full && (best === undefined || f.backlog < best.backlog)) best = f;
      if (best) {
        best.enqueue(chunk);
        return;
      }
      await Promise.race(this.fifos.map((f) => f.drained()));
    }
  }

  /** Closes every pipe once the engine has opened it; stops waiting when `engineDone` settles. */
  async end(engineDone: Promise<unknown>): Promise<void> {
    for (const f of this.fifos) {
      if (await f.waitForReader(engineDone)) await f.end();
    }
  }

  async abandon(): Promise<void> {
    await Promise.all(this.fifos.map((f) => f.abandon()));
  }

  remove(): void {
    for (const f of this.fifos) f.remove();
  }
}
