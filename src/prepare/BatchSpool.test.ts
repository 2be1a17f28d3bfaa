import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchSpool } from './BatchSpool.js';

describe('prepare > batch spool', () => {
  it('hands over every byte in order, in bounded batches, one load at a time, and leaves no file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const spoolDir = join(dir, 'spool');
    const seen: Buffer[] = [];
    const batchSizes: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const spool = new BatchSpool(
      spoolDir,
      async (paths) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        batchSizes.push(paths.reduce((s, p) => s + readFileSync(p).length, 0));
        for (const p of paths) seen.push(readFileSync(p));
        inFlight--;
      },
      100,
      300,
    );
    const parts = Array.from({ length: 50 }, (_, i) => Buffer.from(`line ${i},${'x'.repeat(i % 7)}\n`));
    for (const p of parts) await spool.write(p);
    await spool.end();
    await spool.discard();
    expect(Buffer.concat(seen).toString()).toBe(Buffer.concat(parts).toString());
    expect(batchSizes.length).toBeGreaterThan(1);
    expect(Math.max(...batchSizes)).toBeLessThan(300 + 2 * 100);
    expect(maxInFlight).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects the next write with the load error and cleans up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const spool = new BatchSpool(join(dir, 's'), async () => Promise.reject(new Error('engine down')), 10, 20);
    await expect(
      (async () => {
        for (let i = 0; i < 100; i++) await spool.write(Buffer.from('0123456789\n'));
        await spool.end();
      })(),
    ).rejects.toThrow('engine down');
    await spool.discard();
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads ahead into at most maxQueued batches while the engine is busy, then loads them in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const spoolDir = join(dir, 'spool');
    let release!: () => void;
    const engineFree = new Promise<void>((r) => (release = r));
    const seen: Buffer[] = [];
    const spool = new BatchSpool(
      spoolDir,
      async (paths) => {
        await engineFree;
        for (const p of paths) seen.push(readFileSync(p));
      },
      10,
      20,
      3,
    );
    const parts = Array.from({ length: 40 }, (_, i) => Buffer.from(`${String(i).padStart(9, '0')}\n`));
    let written = 0;
    const writer = (async () => {
      for (const p of parts) {
        await spool.write(p);
        written++;
      }
      await spool.end();
    })();
    await new Promise((r) => setTimeout(r, 20));
    // Three batches of two 10-byte lines wait for the engine, a fourth is full and its writer waits for room.
    expect(written).toBe(7);
    expect(readdirSync(spoolDir).length).toBe(8);
    release();
    await writer;
    await spool.discard();
    expect(Buffer.concat(seen).toString()).toBe(Buffer.concat(parts).toString());
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
