/**
 * The one way a local file is published: written in full under a temporary name beside its target, synced,
 * then renamed into place (atomic replace) or hard-linked (atomic create-if-absent, so of two writers exactly
 * one wins). Readers never see half a file. `LocalStore`, the embedded tracker and the generator's local sink
 * all write through here. The writer's pid is part of the temporary name, so a later listing can tell what a
 * killed writer left behind (`isOrphanedTemp`).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, constants as fsc, type WriteStream } from 'node:fs';
import { copyFile, link, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { processIsGone } from '../util/processes.js';
import { writeNewFile } from './directWrite.js';

/** Temporary files start with this; `LocalStore.list()` hides them. */
export const TMP_PREFIX = '.fraudops-tmp-';

export interface PublishOptions {
  /** Create only: resolve `false` instead of replacing an existing file. */
  exclusive?: boolean;
  /** fsync the data before publishing (default true). */
  durable?: boolean;
}

/** A temporary path next to `target`, carrying this process's pid. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}-${path.basename(target)}.tmp`);
}

/** True for a temporary file whose writing process no longer exists. */
export function isOrphanedTemp(name: string): boolean {
  if (!name.startsWith(TMP_PREFIX)) return false;
  const pid = Number(name.slice(TMP_PREFIX.length).split('-')[0]);
  return processIsGone(pid);
}

/**
 * Fills a temporary file through `fill(tmp)` and publishes it as `target`. Returns false only for an
 * `exclusive` publish that found `target` already there.
 */
export async function publishFile(target: string, fill: (tmp: string) => Promise<void>, options: PublishOptions = {}): Promise<boolean> {
  const tmp = tempPathFor(target);
  try {
    await mkdir(path.dirname(target), { recursive: true });
    await fill(tmp);
    if (options.durable !== false) await syncFile(tmp);
    if (!options.exclusive) {
      await rename(tmp, target);
      return true;
    }
    return await linkExclusive(tmp, target);
  } finally {
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}

/** Replaces `target` with `data` atomically. */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: PublishOptions = {}): Promise<boolean> {
  return publishFile(target, async (tmp) => void (await writeNewFile(tmp, data)), options);
}

/** Copies the local file `source` to `target` atomically. */
export async function copyFileAtomic(source: string, target: string, options: PublishOptions = {}): Promise<boolean> {
  return publishFile(target, (tmp) => copyFile(source, tmp, fsc.COPYFILE_EXCL), options);
}

/** A file written as a stream under a temporary name; `commit` publishes it, `abort` drops it. */
export interface AtomicWriteStream {
  readonly stream: WriteStream;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function openAtomicWriteStream(target: string, options: { durable?: boolean; highWaterMark?: number } = {}): Promise<AtomicWriteStream> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const stream = createWriteStream(tmp, { flags: 'wx', flush: options.durable !== false, highWaterMark: options.highWaterMark });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  let failed: unknown;
  stream.on('error', (e) => (failed = e));
  const ended = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (stream.closed) return failed ? reject(failed) : resolve();
      stream.end(() => (failed ? reject(failed) : resolve()));
    });
  return {
    stream,
    async commit() {
      try {
        await ended();
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { force: true }).catch(() => undefined);
        throw e;
      }
    },
    async abort() {
      stream.destroy();
      await rm(tmp, { force: true });
    },
  };
}

async function syncFile(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function linkExclusive(tmp: string, target: string): Promise<boolean> {
  try {
    await link(tmp, target);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw e;
    // Filesystems without hard links: an exclusive copy still lets only one writer win, but a reader may
    // briefly see the new file before it is complete.
    try {
      await copyFile(tmp, target, fsc.COPYFILE_EXCL);
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e2;
    }
  }
}
