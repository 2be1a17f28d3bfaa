import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { LocalStore } from '../storage/LocalStore.js';
import { InputError } from '../errors.js';
import { courseFile, rawLine } from './testkit.js';
import { inlineNormalizer, ThreadedNormalizer, type ChunkNormalizer, type NormalizedPart } from './normalizerThread.js';
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
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'normalizer-thread-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the same rows, chunks, rejects and counts on a worker thread as in this one', async () => {
    const bytes = Buffer.from(mixedFile());
    for (const options of [{ typed: true, columns: true }, { typed: true }, {}]) {
      const inlineRejects: StructuralReject[] = [];
      const inline = await run(inlineNormalizer('f.txt', (r) => inlineRejects.push(r), options), bytes, 4096, inlineRejects);
      const threaded = await run(new ThreadedNormalizer('f.txt', options), bytes, 4096, []);
      expect(threaded).toEqual(inline);
      expect(inline.rejects.length).toBe(10);
      expect(inline.summary.rows).toBe(5000);
    }
  });

  it("gives the normalizer's own error, with file and line, for a bad header and for an empty file", async () => {
    const bad = new ThreadedNormalizer('bad.txt', { typed: true, columns: true });
    const err = await bad.push(Buffer.from('\u0000\u0001binary\n1,2\n')).catch((e: unknown) => e);
    await bad.close();
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: 'INPUT_NOT_TEXT', context: { file: 'bad.txt', line: 1 } });
    expect(String((err as Error).message)).toContain('bad.txt:1');
    const empty = new ThreadedNormalizer('empty.txt', {});
    await expect(empty.finish()).rejects.toMatchObject({ code: 'INPUT_EMPTY', context: { file: 'empty.txt', line: 1 } });
    await empty.close();
  });

  it('fails pending and later requests with an error naming the file when its worker dies, never hangs', async () => {
    const n = new ThreadedNormalizer('dies.txt', { typed: true, columns: true });
    const bytes = Buffer.from(mixedFile());
    const pending = [n.push(bytes.subarray(0, 50_000)), n.push(bytes.subarray(50_000))];
    await (n as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    for (const p of [...pending, n.push(bytes), n.finish()]) {
      await p.then(
        () => undefined,
        (e: unknown) => expect(e).toMatchObject({ code: 'NORMALIZER_FAILED', context: { file: 'dies.txt' } }),
      );
    }
    await expect(n.finish()).rejects.toMatchObject({ code: 'NORMALIZER_FAILED', message: expect.stringContaining('dies.txt') });
    await n.close();
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
      const stage = (key: string, normalizerThread: boolean, signal?: AbortSignal) =>
        stageRawFile({
          rawStore: store,
          engine,
          info: infos.find((o) => o.key === key)!,
          rejectsPath: join(dir, `rejects-${key}-${normalizerThread}.jsonl`),
          spoolDir: join(dir, `spool-${key}-${normalizerThread}`),
          normalizerThread,
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
