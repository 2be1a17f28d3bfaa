/**
 * Helpers for the generator's tests: temporary output directories and a reader for generated day files.
 * Test-only; nothing in the product imports this.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Manifest } from './manifest.js';

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fraudops-gen-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Day files of an output directory, sorted by name. */
export async function dayFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^\d{4}-\d{2}-\d{2}\.txt$/.test(n)).sort();
}

export async function readText(dir: string, name: string): Promise<string> {
  return readFile(path.join(dir, name), 'latin1');
}

/** Header and data lines of a day file (the final newline is required and removed). */
export async function readLines(dir: string, name: string): Promise<{ header: string; lines: string[] }> {
  const text = await readText(dir, name);
  if (!text.endsWith('\n')) throw new Error(`${name} does not end with a newline`);
  const all = text.slice(0, -1).split('\n');
  return { header: all[0], lines: all.slice(1) };
}

export async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(dir, '_manifest.json'), 'utf8')) as Manifest;
}
