import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { LocalStore } from '../storage/LocalStore.js';
import { InputError } from '../errors.js';
import { courseFile, rawLine } from './testkit.js';
import { inlineNormalizer, NormalizerThread, type ChunkNormalizer, type NormalizedPart } from './normalizerThread.js';
import type { StructuralReject } from './LineNormalizer.js';
import { stageRawFile } from './stageRawFile.js';

/** A file with typed rows, text rows and structural rejects, more rows than one column chunk holds. */
function mixedFile(): string {
  const rows: string[] = [];
  for (let i = 1; i <= 5000; i++) {
    if (i % 997 === 0) rows.push('');
    else if (i % 991 === 0) rows.push('1,2,3');
    else if (i % 13 === 0) rows.push(rawLine({ id: i, terminal: 'Err' }));
    else rows.push(rawLine({ id: i }));
  }
  return courseFile(rows);
}

/** Everything a normalizer makes of `bytes` posted in chunks of `size`, flattened, with its counts. */
async function run(n: ChunkNormalizer, bytes: Buffer, size: number, rejected: StructuralReject[]) {
  const parts: NormalizedPart[] = [];
  try {
    for (let i = 0; i < bytes.length; i += size) parts.push(await n.push(bytes.subarray(i, i + size)));
    parts.push(await n.finish());
  } finally {
    await n.close();
  }
  return {
    main: Buffer.concat(parts.flatMap((p) => p.main)).toString(),
    text: Buffer.concat(parts.flatMap((p) => p.text)).toString(),
    columns: parts.flatMap((p) => p.columns).map((c) => [c.rowCount, ...c.columns.map((col) => Buffer.from(col!.buffer, col!.byteOffset, col!.byteLength).toString('hex'))]),
    rejects: [...rejected, ...parts.flatMap((p) => p.rejects)].map((r) => `${r.line}:${r.reason}:${r.raw.toString('hex')}`),
    summary: n.summary(),
  };
}

describe('prepare > normalizer thread', () => {
  let dir: string;
  let thread: NormalizerThread;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'normalizer-thread-'));
    thread = new NormalizerThread();
  });
  afterAll(async () => {
    await thread.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the same rows, chunks, rejects and counts on a worker thread as in this one', async () => {
    const bytes = Buffer.from(mixedFile());
    for (const options of [{ typed: true, columns: true }, { typed: true }, {}]) {
      const inlineRejects: StructuralReject[] = [];
      const inline = await run(inlineNormalizer('f.txt', (r) => inlineRejects.push(r), options), bytes, 4096, inlineRejects);
      const threaded = await run(thread.open('f.txt', options), bytes, 4096, []);
      expect(threaded).toEqual(inline);
      expect(inline.rejects.length).toBe(10);
      expect(inline.summary.rows).toBe(5000);
    }
  });

  it('keeps the files open on one thread apart, whatever the order of their requests', async () => {
    const options = { typed: true, columns: true };
    const a = Buffer.from(mixedFile());
    const b = Buffer.from(courseFile(Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? '1,2' : rawLine({ id: 10_000 + i })))));
    const alone = async (bytes: Buffer) => {
      const rejects: StructuralReject[] = [];
      return run(inlineNormalizer('x.txt', (r) => rejects.push(r), options), bytes, 3000, rejects);
    };
    const na = thread.open('x.txt', options);
    const nb = thread.open('x.txt', options);
    const [ra, rb] = await Promise.all([run(na, a, 3000, []), run(nb, b, 3000, [])]);
    expect(ra).toEqual(await alone(a));
    expect(rb).toEqual(await alone(b));
    expect(rb.rejects.length).toBe(429);
  });

  it("gives the normalizer's own error, with file and line, for a bad header and for an empty file", async () => {
    const bad = thread.open('bad.txt', { typed: true, columns: true });
    const err = await bad.push(Buffer.from('\u0000\u0001binary\n1,2\n')).catch((e: unknown) => e);
    await bad.close();
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: 'INPUT_NOT_TEXT', context: { file: 'bad.txt', line: 1 } });
    expect(String((err as Error).message)).toContain('bad.txt:1');
    const empty = thread.open('empty.txt', {});
    await expect(empty.finish()).rejects.toMatchObject({ code: 'INPUT_EMPTY', context: { file: 'empty.txt', line: 1 } });
    await empty.close();
  });

  it('fails pending and later requests of every open file with an error naming it when the worker dies, never hangs, and starts another', async () => {
    const own = new NormalizerThread();
    const bytes = Buffer.from(mixedFile());
    try {
      const files = ['dies.txt', 'too.txt'].map((f) => ({ f, n: own.open(f, { typed: true, columns: true }) }));
      const pending = files.flatMap(({ f, n }) => [n.push(bytes.subarray(0, 50_000)), n.push(bytes.subarray(50_000))].map((p) => ({ f, p })));
      await (own as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      for (const { f, p } of pending) {
        await p.then(
          () => undefined,
          (e: unknown) => expect(e).toMatchObject({ code: 'NORMALIZER_FAILED', context: { file: f } }),
        );
      }
      for (const { f, n } of files) {
        await expect(n.finish()).rejects.toMatchObject({ code: 'NORMALIZER_FAILED', message: expect.stringContaining(f) });
        await n.close();
      }
      const rejects: StructuralReject[] = [];
      const again = await run(own.open('again.txt', {}), bytes, 8192, []);
      expect(again).toEqual(await run(inlineNormalizer('again.txt', (r) => rejects.push(r), {}), bytes, 8192, rejects));
    } finally {
      await own.close();
    }
    await expect(async () => own.open('late.txt', {})).rejects.toMatchObject({ code: 'NORMALIZER_CLOSED' });
  });

  it('stages through the worker, stops on abort and reports a bad file by name and line', async () => {
    const raw = join(dir, 'raw');
    mkdirSync(raw, { recursive: true });
    writeFileSync(join(raw, '2019-08-22.txt'), mixedFile());
    writeFileSync(join(raw, '2019-08-23.txt'), `\u0000header\n${rawLine({ id: 1 })}\n`);
    const store = await LocalStore.create(raw);
    const engine = await DuckDbEngine.create();
    try {
      const infos = await store.list('');
      const stage = (key: string, threaded: boolean, signal?: AbortSignal) =>
        stageRawFile({
          rawStore: store,
          engine,
          info: infos.find((o) => o.key === key)!,
          rejectsPath: join(dir, `rejects-${key}-${threaded}.jsonl`),
          spoolDir: join(dir, `spool-${key}-${threaded}`),
          normalizerThread: threaded ? thread : undefined,
          signal,
          progress: () => undefined,
        });
      const inline = await stage('2019-08-22.txt', false);
      const inlineRows = await engine.query('SELECT * FROM staged ORDER BY line');
      const threaded = await stage('2019-08-22.txt', true);
      expect(threaded).toEqual(inline);
      expect(await engine.query('SELECT * FROM staged ORDER BY line')).toEqual(inlineRows);
      await expect(stage('2019-08-22.txt', true, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
      await expect(stage('2019-08-23.txt', true)).rejects.toMatchObject({ code: 'INPUT_NOT_TEXT', context: { file: '2019-08-23.txt', line: 1 } });
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
