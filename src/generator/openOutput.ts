/**
 * Where generated files go. Local directories are written directly with node:fs (the fast path: each day file is
 * written to a temporary name and renamed when complete, through storage/atomicFile.ts); `s3://` URIs go through the
 * ObjectStore seam. Day files are written as a sequence of chunks through a `ChunkSink`.
 */
import type { WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ConfigError, StorageError } from '../errors.js';
import { openAtomicWriteStream, writeFileAtomic } from '../storage/atomicFile.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
// openStore loads the S3 backend (and the AWS SDK) only for s3:// URIs.
import { openStore } from '../storage/openStore.js';

/** Receives one file as a sequence of chunks; each chunk is handed over (the caller never touches it again). */
export interface ChunkSink {
  write(chunk: Uint8Array): Promise<void>;
  /** Completes the file (it becomes visible under its final name only now). */
  close(): Promise<void>;
  /** Drops a partial file. */
  abort(): Promise<void>;
  /** True when a chunk is no longer referenced once its `write` has resolved, so the caller may refill it. */
  readonly releasesChunks?: boolean;
}

export interface Output {
  readonly uri: string;
  /** Set for local outputs: workers open files themselves instead of shipping bytes to the main thread. */
  readonly localDir?: string;
  openFile(name: string): Promise<ChunkSink>;
  /** Writes a small file atomically (temp + rename locally; a single put on object stores). */
  writeText(name: string, text: string): Promise<void>;
  close(): Promise<void>;
}

function writeChunk(stream: WriteStream | PassThrough, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * A local file written under a temporary name, renamed into place by `close` (storage/atomicFile.ts). Not
 * fsynced: generated files are reproducible from the seed, and syncing gigabytes would dominate generation.
 */
export async function openLocalFile(dir: string, name: string): Promise<ChunkSink> {
  const file = await openAtomicWriteStream(path.join(dir, name), { durable: false, highWaterMark: 1 << 20 });
  return {
    // fs.WriteStream calls back once the bytes are in the file.
    releasesChunks: true,
    write: (chunk) => writeChunk(file.stream, chunk),
    close: () => file.commit(),
    abort: () => file.abort(),
  };
}

function storeSink(store: ObjectStore, name: string): ChunkSink {
  const body = new PassThrough({ highWaterMark: 8 << 20 });
  const upload = store.write(name, body, { contentType: 'text/plain' });
  upload.catch(() => undefined); // surfaced by close()
  return {
    write: (chunk) => writeChunk(body, chunk),
    async close() {
      body.end();
      await upload;
    },
    async abort() {
      body.destroy(new Error('aborted'));
      await upload.catch(() => undefined);
    },
  };
}

/**
 * Opens an output root: a directory path, a `file://` URL or `s3://bucket/prefix`.
 * @example
 * const out = await openOutput('/data/raw');
 * const sink = await out.openFile('2019-08-22.txt');
 */
export async function openOutput(uri: string): Promise<Output> {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 's3') {
    let store: ObjectStore;
    try {
      store = await openStore(uri);
    } catch (e) {
      if (e instanceof ConfigError || e instanceof StorageError) throw e;
      throw new StorageError('STORE_UNAVAILABLE', `cannot open ${uri}: ${(e as Error).message}`, {
        context: { uri },
        cause: e,
      });
    }
    return {
      uri: store.uri,
      openFile: async (name) => storeSink(store, name),
      async writeText(name, text) {
        await store.write(name, Buffer.from(text, 'utf8'), { contentType: 'application/json' });
      },
      close: () => store.close(),
    };
  }
  let dir: string;
  if (scheme === 'file') dir = fileURLToPath(uri);
  else if (scheme === undefined) dir = path.resolve(uri);
  else throw new ConfigError(`unsupported output URI ${uri}: use a directory, file:///dir or s3://bucket/prefix`, { context: { uri } });
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new StorageError('OUTPUT_UNWRITABLE', `cannot create ${dir}: ${(e as Error).message}`, { context: { uri }, cause: e });
  }
  return {
    uri: dir,
    localDir: dir,
    openFile: (name) => openLocalFile(dir, name),
    async writeText(name, text) {
      await writeFileAtomic(path.join(dir, name), text);
    },
    close: async () => undefined,
  };
}
