import { mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DIRECT_MIN_BYTES, writeNewFile } from './directWrite.js';

/** Filesystems that take O_DIRECT (ext4, xfs, btrfs) by their statfs magic. */
const DIRECT_FILESYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e]);

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('storage > direct writes of large files', () => {
  const dirs: string[] = [];
  const dirIn = async (parent: string) => {
    const dir = await mkdtemp(path.join(parent, 'fraudops-direct-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('writes the same bytes whatever the length (block multiples, a padded last block, several steps), past the page cache where the filesystem allows it', async () => {
    const dir = await dirIn(os.tmpdir());
    const direct = process.platform === 'linux' && DIRECT_FILESYSTEMS.has((await statfs(dir)).type);
    const lengths = [DIRECT_MIN_BYTES, DIRECT_MIN_BYTES + 1, 8 << 20, (8 << 20) + 4095, (19 << 20) + 777];
    for (const [i, n] of lengths.entries()) {
      const data = bytes(n, i + 1);
      const file = path.join(dir, `f${i}`);
      const wrote = await writeNewFile(file, data);
      // Other filesystems (overlay, network) may take direct I/O or not: the bytes must be right either way.
      if (direct) expect(wrote).toBe(true);
      expect(Buffer.from(await readFile(file)).equals(Buffer.from(data)), `length ${n}`).toBe(true);
    }
  });

  it('writes small files the usual way, and large ones on tmpfs (direct since Linux 6.6, buffered before) alike', async () => {
    const dir = await dirIn(os.tmpdir());
    const small = bytes(DIRECT_MIN_BYTES - 1, 9);
    expect(await writeNewFile(path.join(dir, 'small'), small)).toBe(false);
    expect(Buffer.from(await readFile(path.join(dir, 'small'))).equals(Buffer.from(small))).toBe(true);
    if (process.platform !== 'linux' || !existsSync('/dev/shm')) return;
    const shm = await dirIn('/dev/shm');
    const large = bytes(DIRECT_MIN_BYTES + 12345, 10);
    await writeNewFile(path.join(shm, 'large'), large);
    expect(Buffer.from(await readFile(path.join(shm, 'large'))).equals(Buffer.from(large))).toBe(true);
  });

  it('refuses a file that exists and stops on an aborted signal', async () => {
    const dir = await dirIn(os.tmpdir());
    const file = path.join(dir, 'there');
    await writeFile(file, 'old');
    await expect(writeNewFile(file, bytes(DIRECT_MIN_BYTES, 3))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(file, 'utf8')).toBe('old');
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(writeNewFile(path.join(dir, 'aborted'), bytes(DIRECT_MIN_BYTES, 4), controller.signal)).rejects.toThrow('stopped');
  });
});
