/**
 * The hardware floors a stage is compared with: reading the same files (`cat` to /dev/null, page cache warm) and
 * writing the same number of bytes (`dd` from /dev/zero, no fsync, like the generator). Neither parses nor
 * formats anything, so "ours ÷ floor" says how much of our time is work rather than I/O.
 */
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { measureCommand, type Measurement } from './measureCommand.js';

/** `cat FILE...` with output to /dev/null; batches the argument list so thousands of files stay under ARG_MAX. */
export async function readFloor(files: string[], signal?: AbortSignal): Promise<Measurement> {
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += 2000) batches.push(files.slice(i, i + 2000));
  if (batches.length === 1) return measureCommand('cat', batches[0], { stdout: 'ignore', signal });
  // One process for all batches, so the timing has a single start-up cost.
  const script = 'for f in "$@"; do cat -- "$f"; done';
  return measureCommand('sh', ['-c', script, 'sh', ...files], { stdout: 'ignore', signal });
}

/** Reads every file once, unmeasured, so the page cache holds them for every measurement that follows. */
export async function warmUp(files: string[], signal?: AbortSignal): Promise<void> {
  await readFloor(files, signal);
}

/** Writes `bytes` zero bytes into `dir` with dd (1 MiB blocks), timed, then deletes the file. */
export async function writeFloor(dir: string, bytes: number, signal?: AbortSignal): Promise<Measurement> {
  const file = join(dir, `.write-floor-${process.pid}.bin`);
  flushDirtyPages();
  try {
    const count = Math.max(1, Math.ceil(bytes / 2 ** 20));
    return await measureCommand('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${count}`, 'status=none'], {
      stdout: 'ignore',
      signal,
    });
  } finally {
    await rm(file, { force: true });
  }
}

/** Lets the kernel write back what the previous step left dirty, so it does not slow the next measurement. */
export function flushDirtyPages(): void {
  try {
    execFileSync('sync');
  } catch {
    /* sync is a courtesy; without it measurements are only noisier */
  }
}
