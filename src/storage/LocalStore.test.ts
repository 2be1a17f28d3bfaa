import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import { LocalStore } from './LocalStore.js';
import { runObjectStoreContract } from './ObjectStore.contract.js';
import { openStore } from './openStore.js';

const base = await fs.mkdtemp(path.join(os.tmpdir(), 'fraudops-localstore-'));
let n = 0;
const fresh = (): string => path.join(base, `store-${n++}`);

afterAll(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

runObjectStoreContract({ name: 'storage > local', newStore: () => LocalStore.create(fresh()) });

describe('storage > local', () => {
  it('opens plain paths and file:// URLs through openStore', async () => {
    const dir = fresh();
    const a = await openStore(dir);
    const b = await openStore(`file://${dir}`);
    expect(a).toBeInstanceOf(LocalStore);
    expect(a.uri).toBe(b.uri);
    await a.write('x', 'y');
    expect((await b.readBytes('x')).toString()).toBe('y');
  });

  it('hides temporary files from list, and removes those of writers that died', async () => {
    const dir = fresh();
    const s = await LocalStore.create(dir);
    await s.write('a', '1');
    const live = `.fraudops-tmp-${process.pid}-0a0b-a`;
    // A pid far above the kernel's pid_max: no such process can exist.
    const dead = '.fraudops-tmp-999999999-0c0d-a';
    await fs.writeFile(path.join(dir, live), 'in progress');
    await fs.writeFile(path.join(dir, dead), 'left by a killed writer');
    expect((await s.list('')).map((o) => o.key)).toEqual(['a']);
    expect((await fs.readdir(dir)).sort()).toEqual([live, 'a'].sort());
  });

  it('returns the file itself from localPath', async () => {
    const dir = fresh();
    const s = await LocalStore.create(dir);
    await s.write('p/q.parquet', 'z');
    expect(await s.localPath('p/q.parquet', '/unused')).toBe(path.join(dir, 'p', 'q.parquet'));
  });

  it.skipIf(process.getuid?.() === 0)('reports unreadable files with OBJECT_UNREADABLE', async () => {
    const dir = fresh();
    const s = await LocalStore.create(dir);
    await s.write('secret', 'x');
    await fs.chmod(path.join(dir, 'secret'), 0o000);
    const err = await s.read('secret').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('OBJECT_UNREADABLE');
  });
});
