/**
 * Hands normalized rows to the SQL engine in bounded batches of small files in memory-backed storage
 * (/dev/shm when there is one). The engine reads each batch with its parallel CSV reader — every core parses and
 * classifies — while the next batch is being normalized, and each batch's files are deleted as soon as it is
 * loaded. Loads run one at a time, in order; at most `maxQueued` complete batches wait for their load (one by
 * default, more when a file is read ahead while the engine still works on the one before), plus the one being
 * filled, so memory stays bounded whatever the size of the raw file, and no copy of the raw file is ever
 * written to disk.
 */
import { existsSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CHUNK_BYTES = 2 << 20;
export const BATCH_BYTES = 8 << 20;

/**
 * Memory-backed scratch space for the batch files, falling back to the work directory where there is none or it
 * is too small (containers often mount a 64 MB /dev/shm).
 */
export function spoolRoot(workDir: string): string {
  try {
    if (existsSync('/dev/shm')) {
      const fs = statfsSync('/dev/shm');
      if (fs.bavail * fs.bsize >= 8 * BATCH_BYTES) return '/dev/shm';
    }
  } catch {
    /* not a filesystem we can ask */
  }
  return workDir;
}

export class BatchSpool {
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private batch: string[] = [];
  private batchBytes = 0;
  private fileNo = 0;
  private loading: Promise<void> = Promise.resolve();
  /** Complete batches handed to `load` whose load has not finished yet. */
  private queued = 0;
  private room: Array<() => void> = [];
  private failed: unknown;
  private discarded = false;

  /** `load(paths)` must read the files into the engine; it runs for one batch at a time, in order. */
  constructor(
    private readonly dir: string,
    private readonly load: (paths: string[]) => Promise<void>,
    private readonly chunkLimit = CHUNK_BYTES,
    private readonly batchLimit = BATCH_BYTES,
    private readonly maxQueued = 1,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Adds normalized bytes; waits only when a full batch is ready and `maxQueued` earlier ones are still loading. */
  async write(buf: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    this.chunks.push(buf);
    this.chunkBytes += buf.length;
    if (this.chunkBytes >= this.chunkLimit) this.flushChunk();
    if (this.batchBytes >= this.batchLimit) await this.flushBatch();
  }

  /** Loads what is left and waits for every batch. */
  async end(): Promise<void> {
    this.flushChunk();
    await this.flushBatch();
    await this.loading;
    if (this.failed) throw this.failed;
  }

  /**
   * Waits for the batch in flight (its error is the caller's to report), skips the batches still waiting, and
   * deletes every spooled file.
   */
  async discard(): Promise<void> {
    this.discarded = true;
    await this.loading.catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flushChunk(): void {
    if (this.chunkBytes === 0) return;
    const path = join(this.dir, `rows-${this.fileNo++}.csv`);
    writeFileSync(path, this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.chunkBytes));
    this.batch.push(path);
    this.batchBytes += this.chunkBytes;
    this.chunks = [];
    this.chunkBytes = 0;
  }

  private async flushBatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const paths = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    while (this.queued >= this.maxQueued && !this.failed) await new Promise<void>((r) => this.room.push(r));
    if (this.failed) throw this.failed;
    this.queued++;
    this.loading = this.loading.then(async () => {
      try {
        if (!this.failed && !this.discarded) await this.load(paths);
      } catch (e) {
        this.failed = e;
      } finally {
        for (const p of paths) rmSync(p, { force: true });
        this.queued--;
        this.room.shift()?.();
      }
    });
  }
}
