/**
 * A named pipe between our line normalizer and the SQL engine's CSV reader, so raw bytes stream from storage
 * into the engine without ever being written to disk. The write end is opened read-write, which never blocks on
 * open; if the engine fails before reading everything, `abandon()` drains the pipe so no write stays stuck.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, openSync, readSync, closeSync, constants, rmSync, readdirSync, readlinkSync, type WriteStream } from 'node:fs';
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
    return new Fifo(path, createWriteStream('', { fd, highWaterMark: 1 << 20 }));
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
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
   * Closing the only write end before the reader has opened would drop buffered bytes and leave the reader
   * waiting forever, so `end()` first waits until a second descriptor of this process (the engine's) refers to
   * the pipe. Gives up when `failed` settles (the engine stopped without opening it).
   */
  async waitForReader(failed: Promise<unknown>): Promise<boolean> {
    let stop = false;
    void failed.then(
      () => (stop = true),
      () => (stop = true),
    );
    while (!stop) {
      if (openDescriptors(this.path) >= 2) return true;
      await new Promise((r) => setTimeout(r, 2));
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

  /** Stops writing and empties the pipe so a write blocked on a full pipe can complete. */
  async abandon(): Promise<void> {
    let drainFd: number | undefined;
    try {
      drainFd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      /* pipe already gone */
    }
    const buf = Buffer.allocUnsafe(1 << 16);
    const closed = new Promise<void>((resolve) => {
      if (this.stream.closed || this.stream.destroyed) resolve();
      else this.stream.once('close', () => resolve());
    });
    this.stream.destroy();
    for (let i = 0; drainFd !== undefined && i < 2000; i++) {
      try {
        while (readSync(drainFd, buf) > 0) {
          /* discard */
        }
      } catch {
        /* EAGAIN: empty for now */
      }
      const done = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5))]);
      if (done) break;
    }
    if (drainFd !== undefined) closeSync(drainFd);
    rmSync(this.path, { force: true });
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
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
