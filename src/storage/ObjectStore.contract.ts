/**
 * The behaviour every ObjectStore backend must share, written once and run against each backend (a temp
 * directory in unit tests, the real S3 API server in integration tests). A backend that cannot support a case
 * lists it in `skip` with a reason, so gaps are visible in the test report instead of hidden in the code.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import type { ObjectStore } from './ObjectStore.js';

export interface ContractSkip {
  reason: string;
  /** Test titles as written below, e.g. "ifNoneMatch > lets exactly one of two concurrent writers win". */
  tests: string[];
}

export interface ObjectStoreContractOptions {
  name: string;
  /** A fresh, empty store for each test; the suite closes it. */
  newStore: () => Promise<ObjectStore>;
  skip?: ContractSkip[];
}

const MiB = 1024 * 1024;
/** Larger than two 16 MiB parts, so S3 uploads go multipart with a short last part. */
const LARGE_SIZE = 40 * MiB;
const LARGE_TIMEOUT = 120_000;

/** Deterministic bytes for any offset, so a range of a streamed body can be checked without keeping it. */
function pattern(offset: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    const o = offset + i;
    b[i] = (o ^ (o >>> 8) ^ (o >>> 16) * 31) & 0xff;
  }
  return b;
}

function patternStream(size: number, chunk = MiB): Readable {
  return Readable.from(
    (function* () {
      for (let off = 0; off < size; off += chunk) yield pattern(off, Math.min(chunk, size - off));
    })(),
    { objectMode: false },
  );
}

async function sha256(stream: Readable): Promise<{ hash: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of stream) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { hash: h.digest('hex'), size };
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function storageError(p: Promise<unknown>): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StorageError);
    return e as StorageError;
  }
  throw new Error('expected a StorageError, but the call succeeded');
}

export function runObjectStoreContract({ name, newStore, skip = [] }: ObjectStoreContractOptions): void {
  const skipped = new Map<string, string>();
  for (const s of skip) for (const t of s.tests) skipped.set(t, s.reason);
  const tmpDirs: string[] = [];

  /** `it` with a fresh store, closed afterwards; honours the skip list by the "group > title" path. */
  const test = (group: string, title: string, body: (store: ObjectStore) => Promise<void>, timeout?: number): void => {
    const reason = skipped.get(`${group} > ${title}`);
    if (reason !== undefined) {
      it.skip(`${title} (skipped: ${reason})`, () => undefined);
      return;
    }
    it(
      title,
      async () => {
        const store = await newStore();
        try {
          await body(store);
        } finally {
          await store.close();
        }
      },
      timeout,
    );
  };
  const scratch = async (): Promise<string> => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fraudops-contract-'));
    tmpDirs.push(dir);
    return dir;
  };

  describe(name, () => {
    afterAll(async () => {
      await Promise.all(tmpDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
    });

    describe('write', () => {
      const g = 'write';
      test(g, 'round-trips a Buffer', async (s) => {
        const data = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
        const info = await s.write('bin/data.bin', data);
        expect(info).toMatchObject({ key: 'bin/data.bin', size: data.length });
        expect(await s.readBytes('bin/data.bin')).toEqual(data);
      });
      test(g, 'round-trips a string as UTF-8', async (s) => {
        await s.write('text/hello.txt', 'héllo, мир ✓');
        expect((await s.readBytes('text/hello.txt')).toString('utf8')).toBe('héllo, мир ✓');
        expect(await text(await s.read('text/hello.txt'))).toBe('héllo, мир ✓');
      });
      test(g, 'writes an empty object', async (s) => {
        const info = await s.write('empty', '');
        expect(info.size).toBe(0);
        expect((await s.readBytes('empty')).length).toBe(0);
      });
      test(g, 'replaces an existing object', async (s) => {
        await s.write('k', 'first version');
        await s.write('k', 'second');
        expect((await s.readBytes('k')).toString()).toBe('second');
        expect((await s.head('k'))?.size).toBe(6);
      });
      test(
        g,
        'streams a large body without knowing its length',
        async (s) => {
          const expected = await sha256(patternStream(LARGE_SIZE));
          const info = await s.write('big/large.bin', patternStream(LARGE_SIZE));
          expect(info.size).toBe(LARGE_SIZE);
          expect(await sha256(await s.read('big/large.bin'))).toEqual(expected);
          // A range across the first 16 MiB part boundary.
          const start = 16 * MiB - 100;
          const range = await s.read('big/large.bin', { start, end: start + 199 });
          const chunks: Buffer[] = [];
          for await (const c of range) chunks.push(c as Buffer);
          expect(Buffer.concat(chunks)).toEqual(pattern(start, 200));
          await s.delete(['big/large.bin']);
        },
        LARGE_TIMEOUT,
      );
      test(g, 'uploads a local file with writeFile', async (s) => {
        const dir = await scratch();
        const file = path.join(dir, 'part.parquet');
        await fs.writeFile(file, pattern(0, 100_000));
        const info = await s.writeFile('lake/part.parquet', file);
        expect(info.size).toBe(100_000);
        expect(await s.readBytes('lake/part.parquet')).toEqual(pattern(0, 100_000));
      });
      test(g, 'fails writeFile from a missing local file with SOURCE_UNREADABLE', async (s) => {
        const dir = await scratch();
        const err = await storageError(s.writeFile('x', path.join(dir, 'nope')));
        expect(err.code).toBe('SOURCE_UNREADABLE');
        expect(await s.head('x')).toBeUndefined();
      });
      test(g, 'stops with ABORTED when the signal has fired, leaving nothing behind', async (s) => {
        const signal = AbortSignal.abort();
        expect((await storageError(s.write('a.txt', 'x', { signal }))).code).toBe('ABORTED');
        expect((await storageError(s.write('b.bin', patternStream(1000), { signal }))).code).toBe('ABORTED');
        expect((await storageError(s.read('a.txt', { signal }))).code).toMatch(/ABORTED|OBJECT_NOT_FOUND/);
        expect(await s.list('')).toEqual([]);
      });
      test(g, 'rejects keys that escape the root with INVALID_KEY', async (s) => {
        for (const key of ['../x', '/abs', 'a//b', 'a/./b', 'dir/', '']) {
          expect((await storageError(s.write(key, 'x'))).code).toBe('INVALID_KEY');
        }
      });
    });

    describe('head', () => {
      const g = 'head';
      test(g, 'describes an object', async (s) => {
        const before = Date.now();
        await s.write('a/b.txt', '12345');
        const info = await s.head('a/b.txt');
        expect(info).toMatchObject({ key: 'a/b.txt', size: 5 });
        expect(info?.etag).toBeTruthy();
        expect(info?.lastModified).toBeInstanceOf(Date);
        // Second-resolution servers round down; allow a few seconds of clock skew.
        expect(info!.lastModified.getTime()).toBeGreaterThan(before - 5_000);
      });
      test(g, 'returns undefined for a missing key', async (s) => {
        expect(await s.head('missing.txt')).toBeUndefined();
      });
      test(g, 'changes the etag when the content changes', async (s) => {
        const first = await s.write('e.txt', 'aaaa');
        const second = await s.write('e.txt', 'bbbb');
        expect(second.etag).not.toBe(first.etag);
        expect((await s.head('e.txt'))?.etag).toBe(second.etag);
      });
    });

    describe('list', () => {
      const g = 'list';
      const keys = ['b.txt', 'a/z.txt', 'a/b/c.txt', 'a/b.txt', 'ab.txt', 'c/d/e/f.txt'];
      const seed = async (s: ObjectStore): Promise<void> => {
        for (const k of keys) await s.write(k, `content of ${k}`);
      };
      test(g, 'lists everything, sorted by key, for an empty prefix', async (s) => {
        await seed(s);
        const listed = await s.list('');
        expect(listed.map((o) => o.key)).toEqual([...keys].sort());
        expect(listed.find((o) => o.key === 'a/b.txt')?.size).toBe('content of a/b.txt'.length);
        expect(listed.every((o) => o.etag && o.lastModified instanceof Date)).toBe(true);
      });
      test(g, 'filters by a directory prefix including nested keys', async (s) => {
        await seed(s);
        expect((await s.list('a/')).map((o) => o.key)).toEqual(['a/b.txt', 'a/b/c.txt', 'a/z.txt']);
        expect((await s.list('c/d/')).map((o) => o.key)).toEqual(['c/d/e/f.txt']);
      });
      test(g, 'treats the prefix as a string prefix, not a directory', async (s) => {
        await seed(s);
        expect((await s.list('a')).map((o) => o.key)).toEqual(['a/b.txt', 'a/b/c.txt', 'a/z.txt', 'ab.txt']);
        expect((await s.list('a/b')).map((o) => o.key)).toEqual(['a/b.txt', 'a/b/c.txt']);
      });
      test(g, 'returns an empty list when nothing matches', async (s) => {
        expect(await s.list('')).toEqual([]);
        await seed(s);
        expect(await s.list('zzz/')).toEqual([]);
      });
      test(g, 'agrees with head', async (s) => {
        await seed(s);
        const [listed] = await s.list('a/z.txt');
        const head = await s.head('a/z.txt');
        expect(listed).toMatchObject({ key: head?.key, size: head?.size, etag: head?.etag });
      });
    });

    describe('read', () => {
      const g = 'read';
      test(g, 'reads an inclusive byte range', async (s) => {
        await s.write('r.txt', '0123456789');
        expect(await text(await s.read('r.txt', { start: 2, end: 5 }))).toBe('2345');
        expect(await text(await s.read('r.txt', { start: 7 }))).toBe('789');
        expect(await text(await s.read('r.txt', { end: 2 }))).toBe('012');
        expect(await text(await s.read('r.txt', { start: 9, end: 9 }))).toBe('9');
      });
      test(g, 'returns a Node Readable', async (s) => {
        await s.write('r.txt', 'stream me');
        const body = await s.read('r.txt');
        expect(body).toBeInstanceOf(Readable);
        expect(await text(body)).toBe('stream me');
      });
      test(g, 'fails with OBJECT_NOT_FOUND for a missing key', async (s) => {
        for (const call of [() => s.read('no/such.txt'), () => s.readBytes('no/such.txt')]) {
          const err = await storageError(call());
          expect(err.code).toBe('OBJECT_NOT_FOUND');
          expect(err.context).toMatchObject({ uri: s.uri, key: 'no/such.txt' });
        }
      });
    });

    describe('ifNoneMatch', () => {
      const g = 'ifNoneMatch';
      test(g, 'creates a new object and refuses a second write with OBJECT_EXISTS', async (s) => {
        await s.write('commits/0001.json', '{"v":1}', { ifNoneMatch: true });
        const err = await storageError(s.write('commits/0001.json', '{"v":2}', { ifNoneMatch: true }));
        expect(err.code).toBe('OBJECT_EXISTS');
        expect(err.context).toMatchObject({ key: 'commits/0001.json' });
        expect((await s.readBytes('commits/0001.json')).toString()).toBe('{"v":1}');
      });
      test(g, 'refuses a stream body over an existing object', async (s) => {
        await s.write('c.bin', 'x');
        const err = await storageError(s.write('c.bin', patternStream(1000), { ifNoneMatch: true }));
        expect(err.code).toBe('OBJECT_EXISTS');
      });
      test(g, 'lets exactly one of two concurrent writers win', async (s) => {
        const results = await Promise.allSettled(
          ['writer-a', 'writer-b', 'writer-c'].map((w) => s.write('commits/0002.json', w, { ifNoneMatch: true })),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect((r.reason as StorageError).code).toBe('OBJECT_EXISTS');
        }
      });
    });

    describe('delete', () => {
      const g = 'delete';
      test(g, 'deletes objects and ignores missing keys', async (s) => {
        await s.write('d/1', 'x');
        await s.write('d/2', 'y');
        await s.write('keep', 'z');
        await s.delete(['d/1', 'd/2', 'd/never-existed']);
        expect((await s.list('')).map((o) => o.key)).toEqual(['keep']);
        await s.delete([]);
        await s.delete(['d/1']);
        expect(await s.head('d/1')).toBeUndefined();
      });
    });

    describe('localPath', () => {
      const g = 'localPath';
      test(g, 'gives a readable file, the same one while the etag is unchanged', async (s) => {
        const cache = await scratch();
        await s.write('lake/x.parquet', 'parquet bytes');
        const p1 = await s.localPath('lake/x.parquet', cache);
        expect(await fs.readFile(p1, 'utf8')).toBe('parquet bytes');
        const p2 = await s.localPath('lake/x.parquet', cache);
        expect(p2).toBe(p1);
        expect(path.extname(p1)).toBe('.parquet');
      });
      test(g, 'follows new content', async (s) => {
        const cache = await scratch();
        await s.write('v.txt', 'old');
        await s.localPath('v.txt', cache);
        await s.write('v.txt', 'new!');
        expect(await fs.readFile(await s.localPath('v.txt', cache), 'utf8')).toBe('new!');
      });
      test(g, 'fails with OBJECT_NOT_FOUND for a missing key', async (s) => {
        const err = await storageError(s.localPath('gone.parquet', await scratch()));
        expect(err.code).toBe('OBJECT_NOT_FOUND');
        expect(err.context).toMatchObject({ key: 'gone.parquet' });
      });
    });
  });
}
