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
import type { ColumnChunk } from '../engine/SqlEngine.js';

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
  private side: Buffer[] = [];
  private sideBytes = 0;
  private columnChunks: ColumnChunk[] = [];
  private batch: string[] = [];
  private sideBatch: string[] = [];
  private batchBytes = 0;
  private fileNo = 0;
  private loading: Promise<void> = Promise.resolve();
  /** Complete batches handed to `load` whose load has not finished yet. */
  private queued = 0;
  private room: Array<() => void> = [];
  private failed: unknown;
  private discarded = false;

  /**
   * `load(paths, sidePaths, columns)` must read the files into the engine (`sidePaths`: those of the bytes given to
   * `writeSide` meanwhile) and append the column chunks given to `writeColumns`; it runs for one batch at a time,
   * in order.
   */
  constructor(
    private readonly dir: string,
    private readonly load: (paths: string[], sidePaths: string[], columns: ColumnChunk[]) => Promise<void>,
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

  /** Adds bytes of a second stream, loaded with the batch the next `write` bytes go into (or a later one). */
  async writeSide(buf: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    this.side.push(buf);
    this.sideBytes += buf.length;
    if (this.sideBytes >= this.chunkLimit) this.flushChunk();
    if (this.batchBytes >= this.batchLimit) await this.flushBatch();
  }

  /** Adds rows as column chunks (kept in memory, not written to files), loaded with the batch they fall in. */
  async writeColumns(chunk: ColumnChunk): Promise<void> {
    if (this.failed) throw this.failed;
    this.columnChunks.push(chunk);
    for (const c of chunk.columns) this.batchBytes += c?.byteLength ?? 0;
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
    if (this.chunkBytes > 0) {
      this.batch.push(this.writeChunk('rows', this.chunks, this.chunkBytes));
      this.batchBytes += this.chunkBytes;
      this.chunks = [];
      this.chunkBytes = 0;
    }
    if (this.sideBytes > 0) {
      this.sideBatch.push(this.writeChunk('side', this.side, this.sideBytes));
      this.batchBytes += this.sideBytes;
      this.side = [];
      this.sideBytes = 0;
    }
  }

  private writeChunk(name: string, chunks: Buffer[], bytes: number): string {
    const path = join(this.dir, `${name}-${this.fileNo++}.csv`);
    writeFileSync(path, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes));
    return path;
  }

  private async flushBatch(): Promise<void> {
    if (this.batch.length === 0 && this.sideBatch.length === 0 && this.columnChunks.length === 0) return;
    const paths = this.batch;
    const sidePaths = this.sideBatch;
    const columns = this.columnChunks;
    this.batch = [];
    this.sideBatch = [];
    this.columnChunks = [];
    this.batchBytes = 0;
    while (this.queued >= this.maxQueued && !this.failed) await new Promise<void>((r) => this.room.push(r));
    if (this.failed) throw this.failed;
    this.queued++;
    this.loading = this.loading.then(async () => {
      try {
        if (!this.failed && !this.discarded) await this.load(paths, sidePaths, columns);
      } catch (e) {
        this.failed = e;
      } finally {
        for (const p of [...paths, ...sidePaths]) rmSync(p, { force: true });
        this.queued--;
        this.room.shift()?.();
      }
    });
  }
}
