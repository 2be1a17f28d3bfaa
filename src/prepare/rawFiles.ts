/**
 * The raw side of preparation: where raw files are, which of them are new, changed or already in the lake, and
 * their bytes (gunzipped when they are gzip). Nothing here knows the lake's layout or the engine.
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ConfigError, InputError, StorageError } from '../errors.js';
import type { CommitRecord } from '../lake/CommitLog.js';
import type { ObjectInfo, ObjectStore } from '../storage/ObjectStore.js';
import type { ChangedFile } from './report.js';

/** Raw files are daily text files, optionally gzip-compressed; anything else under the raw root is ignored. */
export const RAW_FILE_PATTERN = /(^|\/)[^_./][^/]*\.(txt|csv)(\.gz)?$/i;

/** A local `--raw` naming one file means that file alone: the store is its directory, limited to its key. */
export function rawSource(raw: string): { uri: string; only?: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && !raw.startsWith('file:')) return { uri: raw };
  const path = raw.startsWith('file:') ? fileURLToPath(raw) : raw;
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    /* missing: reported as RAW_NOT_FOUND once listed */
  }
  return isFile ? { uri: dirname(realpathSync(path)), only: basename(realpathSync(path)) } : { uri: raw };
}

/**
 * Raw and lake must not contain each other: start-up cleanup deletes unreferenced objects under the lake, and a
 * lake inside raw would be read back as raw input. Checked before anything is touched.
 */
export function refuseOverlap(rawUri: string, lakeUri: string): void {
  const norm = (uri: string): string => {
    if (!uri.startsWith('file:')) return uri.replace(/\/+$/, '');
    const p = fileURLToPath(uri);
    let real = p;
    // Resolve what exists (the lake may not yet), so symlinked paths compare by where they really are.
    for (let head = p, tail = ''; ; ) {
      try {
        real = join(realpathSync(head), tail);
        break;
      } catch {
        const up = dirname(head);
        if (up === head) break;
        tail = join(basename(head), tail);
        head = up;
      }
    }
    return `file://${real.replace(/\/+$/, '')}`;
  };
  const a = norm(rawUri);
  const b = norm(lakeUri);
  const inside = (x: string, y: string): boolean => {
    if (x === y) return true;
    if (x.startsWith('file://') && y.startsWith('file://')) {
      const rel = relative(y.slice(7), x.slice(7));
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    }
    return x.startsWith(`${y}/`);
  };
  if (inside(a, b) || inside(b, a)) {
    throw new ConfigError(
      `--raw ${rawUri} and --lake ${lakeUri} overlap (one is inside the other); the lake's clean-up would delete raw files, or lake files would be read as raw. Use separate locations`,
      { context: { field: 'raw', raw: rawUri, lake: lakeUri } },
    );
  }
}

export interface RawInventory {
  /** Raw files not yet in the lake, in key order. */
  todo: ObjectInfo[];
  /** Raw files already committed with the same content. */
  alreadyProcessed: number;
  /** Raw files committed before whose content has changed since (never processed again). */
  changed: ChangedFile[];
}

/**
 * Lists the raw files (or the one file `only`) and sorts them against the lake's ledger. A raw location that does
 * not exist, or names a file that does not, is RAW_NOT_FOUND.
 */
export async function inventoryRawFiles(
  store: ObjectStore,
  only: string | undefined,
  ledger: ReadonlyMap<string, CommitRecord>,
  signal?: AbortSignal,
): Promise<RawInventory> {
  const listed = await store.list(only ?? '', signal);
  const candidates = listed.filter((o) => (only ? o.key === only : RAW_FILE_PATTERN.test(o.key)));
  if (candidates.length === 0 && only) {
    throw new StorageError('RAW_NOT_FOUND', `raw file ${only} in ${store.uri} does not exist`, { context: { uri: store.uri, key: only } });
  }
  if (listed.length === 0 && !(store.uri.startsWith('file:') && existsSync(fileURLToPath(store.uri)))) {
    // An empty inbox directory is normal; a directory that does not exist, or an S3 prefix that holds nothing at
    // all (S3 has no empty directories), is almost always a typo.
    const where = store.uri.startsWith('file:') ? `raw directory ${fileURLToPath(store.uri)} does not exist` : `nothing is stored under ${store.uri}`;
    throw new StorageError('RAW_NOT_FOUND', `${where}; check --raw`, { context: { uri: store.uri } });
  }
  const inventory: RawInventory = { todo: [], alreadyProcessed: 0, changed: [] };
  for (const info of candidates) {
    const done = ledger.get(info.key);
    if (!done) inventory.todo.push(info);
    else if (await sameContent(store, info, done, signal)) inventory.alreadyProcessed++;
    else inventory.changed.push(changedEntry(info, done));
  }
  return inventory;
}

function changedEntry(info: ObjectInfo, done: CommitRecord): ChangedFile {
  return {
    file: info.key,
    processed: { size: done.raw.size, etag: done.raw.etag, sha256: done.raw.sha256, commitSeq: done.seq },
    now: { size: info.size, etag: info.etag },
  };
}

/** Same size and etag means unchanged; a new etag with the same size is settled by the content hash. */
async function sameContent(store: ObjectStore, info: ObjectInfo, done: CommitRecord, signal?: AbortSignal): Promise<boolean> {
  if (info.size !== done.raw.size) return false;
  if (info.etag === done.raw.etag) return true;
  const hash = createHash('sha256');
  for await (const chunk of await store.read(info.key, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex') === done.raw.sha256;
}

/**
 * A file whose size or change token moved while it was read is still being written: it is skipped with
 * FILE_CHANGING (nothing committed, nothing recorded in the ledger) and taken whole by a later run.
 */
export async function refuseIfChanging(store: ObjectStore, info: ObjectInfo, bytesRead: number, signal?: AbortSignal): Promise<void> {
  const now = await store.head(info.key, signal);
  if (bytesRead === info.size && now && now.size === info.size && now.etag === info.etag) return;
  throw new InputError(
    'FILE_CHANGING',
    `${info.key}: the file changed while it was read (listed ${info.size} bytes, read ${bytesRead}, now ${now ? `${now.size} bytes` : 'gone'}); it is probably still being written. Skipped: a later run takes it`,
    { context: { file: info.key, listedSize: info.size, readBytes: bytesRead, nowSize: now?.size } },
  );
}

/** True when the object is gzip: by its name, else by its first two bytes (the gzip magic number). */
export async function isGzip(store: ObjectStore, info: ObjectInfo, signal?: AbortSignal): Promise<boolean> {
  if (/\.gz$/i.test(info.key)) return true;
  if (info.size < 2) return false;
  const head: Buffer[] = [];
  for await (const c of await store.read(info.key, { start: 0, end: 1, signal })) head.push(c as Buffer);
  const b = Buffer.concat(head);
  return b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * The object's bytes, gunzipped when it is gzip (by name or by magic number). `tap` sees the stored bytes
 * (for the content hash). `close()` releases the underlying stream even when the consumer stopped early.
 */
export async function openDecoded(
  store: ObjectStore,
  info: ObjectInfo,
  tap: (chunk: Buffer) => void,
  signal?: AbortSignal,
): Promise<{ chunks: AsyncIterable<Buffer>; close(): void }> {
  const gzip = await isGzip(store, info, signal);
  // Never past the listed size: a file still being appended to is detected afterwards, not half-read.
  const raw = await store.read(info.key, info.size > 0 ? { start: 0, end: info.size - 1, signal } : { signal });
  const tapped = raw.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        tap(chunk);
        cb(null, chunk);
      },
    }),
  );
  raw.on('error', (e) => tapped.destroy(e));
  const gunzip = gzip ? createGunzip() : undefined;
  if (gunzip) tapped.on('error', (e) => gunzip.destroy(e));
  const out: Readable = gunzip ? tapped.pipe(gunzip) : tapped;
  return {
    chunks: gunzip ? gzipGuard(out, info.key) : (out as AsyncIterable<Buffer>),
    close() {
      gunzip?.destroy();
      tapped.destroy();
      raw.destroy();
    },
  };
}

async function* gzipGuard(src: Readable, file: string): AsyncGenerator<Buffer> {
  try {
    for await (const c of src) yield c as Buffer;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_')) {
      throw new InputError('INPUT_BAD_GZIP', `${file}: not a valid gzip stream (${(e as Error).message})`, { context: { file }, cause: e });
    }
    throw e;
  }
}
