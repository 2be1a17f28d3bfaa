/**
 * File primitives for the embedded store: whole-file writes that readers never see half-done and exclusive
 * creation that two processes cannot both win (both through storage/atomicFile.ts, the one atomic-write path),
 * and a per-key lock that serialises read-modify-write cycles inside one process.
 */
import { readFile } from 'node:fs/promises';
import { copyFileAtomic as copyAtomic, writeFileAtomic as writeAtomic } from '../storage/atomicFile.js';

/** Replaces `path` atomically. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeAtomic(path, data);
}

/** Copies a local file to `path` atomically. */
export async function copyFileAtomic(source: string, path: string): Promise<void> {
  await copyAtomic(source, path);
}

/** Creates `path` with `data` unless it exists; returns false when someone else got there first. */
export function createFileExclusive(path: string, data: string): Promise<boolean> {
  return writeAtomic(path, data, { exclusive: true });
}

/** Parsed JSON, or undefined when the file does not exist. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Runs tasks with the same key one after another (in this process). */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
