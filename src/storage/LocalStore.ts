/**
 * ObjectStore over a local directory. Keys map to files under the root; writes land in a temporary file in the
 * target directory and are renamed into place, so readers never see a half-written object, and `ifNoneMatch`
 * writes publish with link(), which fails if the name exists, so of two concurrent committers exactly one wins.
 */
import { constants as fsc, createReadStream, createWriteStream, type BigIntStats, type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { StorageError } from '../errors.js';
import { checkKey, checkPrefix, compareKeys } from './keys.js';
import type { ObjectInfo, ObjectStore, ReadOptions, WriteOptions } from './ObjectStore.js';
import { isOrphanedTemp, publishFile, TMP_PREFIX } from './atomicFile.js';
import { writeNewFile } from './directWrite.js';

type Access = 'read' | 'write';

export class LocalStore implements ObjectStore {
  readonly uri: string;

  private constructor(readonly root: string) {
    this.uri = pathToFileURL(root).href;
  }

  /**
   * Opens the directory `root`. It is created by the first write, not here: opening a mistyped input directory
   * must not leave an empty one behind that makes the typo look like "no files yet".
   */
  static async create(root: string): Promise<LocalStore> {
    return new LocalStore(path.resolve(root));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    checkKey(this.uri, key);
    try {
      const st = await fs.stat(this.pathOf(key), { bigint: true });
      return st.isFile() ? info(key, st) : undefined;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw this.fail(e, key, 'read');
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    checkPrefix(this.uri, prefix);
    // Only walk the directory the prefix points into; "a/b" may match "a/b/..." and "a/bc".
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut < 0 ? '' : prefix.slice(0, cut);
    const out: ObjectInfo[] = [];
    await this.walk(dirKey, prefix, out, new Set());
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async read(key: string, options: ReadOptions = {}): Promise<Readable> {
    checkKey(this.uri, key);
    // Opening first turns a missing or unreadable file into a StorageError here, not an 'error' event later.
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.pathOf(key), 'r');
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw Object.assign(new Error('not a regular file'), { code: 'ENOENT' });
      }
    } catch (e) {
      throw this.fail(e, key, 'read');
    }
    // 1 MiB chunks (the default is 64 KiB): a reader that handles each chunk in one pass pays its per-chunk cost less often.
    return createReadStream('', { fd: handle, start: options.start, end: options.end, signal: options.signal, highWaterMark: 1 << 20 });
  }

  async readBytes(key: string): Promise<Buffer> {
    checkKey(this.uri, key);
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (e) {
      throw this.fail(e, key, 'read');
    }
  }

  async write(key: string, body: Readable | Buffer | string, options: WriteOptions = {}): Promise<ObjectInfo> {
    // publishFile fsyncs before publishing, so a published name never points at data still only in the page cache.
    return this.publish(key, options, async (tmp) => {
      if (typeof body === 'string' || Buffer.isBuffer(body)) {
        // A large body goes past the page cache where the filesystem allows it (directWrite.ts).
        await writeNewFile(tmp, body, options.signal);
      } else {
        await pipeline(body, createWriteStream(tmp, { flags: 'wx' }), { signal: options.signal });
      }
    });
  }

  async writeFile(key: string, localPath: string, options: WriteOptions = {}): Promise<ObjectInfo> {
    checkKey(this.uri, key);
    try {
      await fs.access(localPath, fsc.R_OK);
    } catch (e) {
      throw new StorageError('SOURCE_UNREADABLE', `cannot read ${localPath} to store as ${key}: ${String(e)}`, {
        context: { uri: this.uri, key, file: localPath },
        cause: e,
      });
    }
    return this.publish(key, options, async (tmp) => {
      options.signal?.throwIfAborted();
      await fs.copyFile(localPath, tmp, fsc.COPYFILE_EXCL);
    });
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) checkKey(this.uri, key);
    for (const key of keys) {
      try {
        await fs.unlink(this.pathOf(key));
      } catch (e) {
        if (!isMissing(e)) throw this.fail(e, key, 'write');
      }
    }
  }

  /** The file itself: no copy, so `cacheDir` is unused. */
  async localPath(key: string, _cacheDir?: string, _signal?: AbortSignal): Promise<string> {
    if (!(await this.head(key))) throw this.notFound(key);
    return this.pathOf(key);
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }

  /**
   * Writes via `fill(tmp)` into a temporary file next to the target, then publishes it (atomicFile.ts): rename()
   * (atomic replace) normally, link() (atomic create-if-absent) for `ifNoneMatch`.
   */
  private async publish(key: string, options: WriteOptions, fill: (tmp: string) => Promise<void>): Promise<ObjectInfo> {
    checkKey(this.uri, key);
    const target = this.pathOf(key);
    try {
      if (options.ifNoneMatch && (await this.head(key))) throw this.exists(key);
      if (!(await publishFile(target, fill, { exclusive: options.ifNoneMatch }))) throw this.exists(key);
      return info(key, await fs.stat(target, { bigint: true }));
    } catch (e) {
      throw e instanceof StorageError ? e : this.fail(e, key, 'write');
    }
  }

  /**
   * Symlinks are followed (a store is often a directory of links into where files really are); `ancestors` holds
   * the real paths of the directories being walked, so a link back up the tree is not followed again.
   * A link to nothing is not an object.
   */
  private async walk(dirKey: string, prefix: string, out: ObjectInfo[], ancestors: Set<string>): Promise<void> {
    const dir = dirKey ? this.pathOf(dirKey) : this.root;
    let entries: Dirent[];
    let real: string;
    try {
      real = await fs.realpath(dir);
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw this.fail(e, dirKey, 'read');
    }
    if (ancestors.has(real)) return; // a symlink loop
    ancestors.add(real);
    try {
      for (const entry of entries) {
        if (entry.name.startsWith(TMP_PREFIX)) {
          if (isOrphanedTemp(entry.name)) await fs.rm(path.join(dir, entry.name), { force: true }).catch(() => undefined);
          continue;
        }
        const key = dirKey ? `${dirKey}/${entry.name}` : entry.name;
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          const target = await fs.stat(path.join(dir, entry.name)).catch(() => undefined);
          isDir = target?.isDirectory() ?? false;
          isFile = target?.isFile() ?? false;
        }
        await this.visit(key, prefix, out, ancestors, isDir, isFile, dir, entry.name);
      }
    } finally {
      ancestors.delete(real);
    }
  }

  private async visit(key: string, prefix: string, out: ObjectInfo[], ancestors: Set<string>, isDir: boolean, isFile: boolean, dir: string, name: string): Promise<void> {
    if (isDir) {
      // Descend only where keys can still match the prefix.
      if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.walk(key, prefix, out, ancestors);
    } else if (isFile && key.startsWith(prefix)) {
      try {
        out.push(info(key, await fs.stat(path.join(dir, name), { bigint: true })));
      } catch (e) {
        if (!isMissing(e)) throw this.fail(e, key, 'read'); // deleted while listing: skip
      }
    }
  }

  private notFound(key: string): StorageError {
    return new StorageError('OBJECT_NOT_FOUND', `no object ${key} in ${this.uri}`, { context: { uri: this.uri, key } });
  }

  private exists(key: string): StorageError {
    return new StorageError('OBJECT_EXISTS', `object ${key} already exists in ${this.uri}`, {
      context: { uri: this.uri, key },
    });
  }

  private fail(e: unknown, key: string, access: Access): StorageError {
    if (e instanceof StorageError) return e;
    const code = (e as NodeJS.ErrnoException).code;
    const context = { uri: this.uri, key };
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
      return access === 'read'
        ? new StorageError('OBJECT_NOT_FOUND', `no object ${key} in ${this.uri}`, { context, cause: e })
        : new StorageError('STORAGE_IO', `cannot write ${key} in ${this.uri}: ${String(e)}`, { context, cause: e });
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return access === 'read'
        ? new StorageError('OBJECT_UNREADABLE', `permission denied reading ${key} in ${this.uri}`, { context, cause: e })
        : new StorageError('ACCESS_DENIED', `permission denied writing ${key} in ${this.uri}`, { context, cause: e });
    }
    if ((e as Error).name === 'AbortError') {
      return new StorageError('ABORTED', `${access} of ${key} in ${this.uri} was aborted`, { context, cause: e });
    }
    const retriable = code === 'EAGAIN' || code === 'EBUSY' || code === 'EMFILE' || code === 'ENFILE';
    return new StorageError('STORAGE_IO', `${access} of ${key} in ${this.uri} failed: ${String(e)}`, {
      context,
      retriable,
      cause: e,
    });
  }
}

/**
 * The etag is size + mtime + inode, not a content hash: hashing every file (the raw inputs reach 100 GB) on each
 * run would cost a full read. Every write replaces the file through rename/link, so a new version always gets a
 * new inode, and in-place edits by other tools change mtime (nanoseconds, so two writes in one
 * millisecond still differ).
 */
function info(key: string, st: BigIntStats): ObjectInfo {
  return {
    key,
    size: Number(st.size),
    etag: `${st.size.toString(16)}-${st.mtimeNs.toString(16)}-${st.ino.toString(16)}`,
    lastModified: st.mtime,
  };
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
