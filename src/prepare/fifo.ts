/**
 * A named pipe between our line normalizer and the SQL engine's CSV reader, so raw bytes stream from storage
 * into the engine without ever being written to disk. The write end is opened read-write, which never blocks on
 * open. The two hazards of pipes are handled here: closing the only writer before the reader opened (the reader
 * would then wait forever in open), and a reader that stops early (our writes would block forever).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, createWriteStream, openSync, readdirSync, readlinkSync, readSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export class Fifo {
  private constructor(
    readonly path: string,
    private readonly stream: WriteStream,
  ) {}

  static create(path: string): Fifo {
    rmSync(path, { force: true });
    execFileSync('mkfifo', ['-m', '600', path]);
    const fd = openSync(path, constants.O_RDWR);
    const stream = createWriteStream('', { fd, highWaterMark: 1 << 20 });
    // Write errors surface through the caller's flow (the engine's query result); never as an unhandled event.
    stream.on('error', () => undefined);
    return new Fifo(path, stream);
  }

  /** Bytes queued in this process, not yet taken by the pipe. */
  get backlog(): number {
    return this.stream.writableLength;
  }

  get full(): boolean {
    return this.stream.writableNeedDrain;
  }

  /** Queues a chunk without waiting; check `full` before the next one. */
  enqueue(chunk: Buffer): void {
    this.stream.write(chunk);
  }

  drained(): Promise<void> {
    return this.full ? once(this.stream, 'drain').then(() => undefined) : Promise.resolve();
  }

  /**
   * Waits until a second descriptor of this process (the engine's reader) refers to the pipe, so that closing
   * our end delivers end-of-file instead of dropping buffered bytes. Gives up when `engineDone` settles.
   */
  async waitForReader(engineDone: Promise<unknown>): Promise<boolean> {
    let stop = false;
    void engineDone.then(
      () => (stop = true),
      () => (stop = true),
    );
    while (!stop) {
      if (openDescriptors(this.path) >= 2) return true;
      await sleep(2);
    }
    return false;
  }

  async end(): Promise<void> {
    if (this.stream.writableFinished || this.stream.destroyed) return;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    await once(this.stream, 'close').catch(() => undefined);
  }

  /** Stops writing: queued bytes are dropped, our descriptor closes once a pending write returns. */
  destroyWriter(): void {
    this.stream.destroy();
  }

  /**
   * One step of abandoning the pipe while the engine may still use it: reads away whatever is buffered (so a write
   * of ours blocked on a full pipe returns) and, once our writer is closed, opens and closes a write end (so a
   * reader blocked opening the pipe gets end-of-file). Both never block.
   */
  unblock(): void {
    const buf = Buffer.allocUnsafe(1 << 16);
    try {
      const fd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        while (readSync(fd, buf) > 0) {
          /* discard */
        }
      } catch {
        /* EAGAIN: nothing buffered */
      } finally {
        closeSync(fd);
      }
    } catch {
      /* the pipe is gone */
    }
    if (!this.stream.closed) return;
    try {
      closeSync(openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      /* ENXIO: nobody is opening it for reading */
    }
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function openDescriptors(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}
