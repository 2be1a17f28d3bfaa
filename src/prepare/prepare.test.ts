import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { prepare } from './prepare.js';
import { spoolRoot } from './BatchSpool.js';
import { courseFile, rawLine } from './testkit.js';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { sqlStringList } from '../engine/SqlEngine.js';
import { liveParts } from '../lake/readLake.js';
import { openStore } from '../storage/openStore.js';

let dir: string;
let raw: string;
let lake: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prepare-test-'));
  raw = join(dir, 'raw');
  lake = join(dir, 'lake');
  mkdirSync(raw);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = () => prepare({ raw, lake, workDir: dir });

async function lakeRows(): Promise<Array<Record<string, unknown>>> {
  const store = await openStore(lake);
  const { paths } = await liveParts(store, join(dir, 'cache'));
  await store.close();
  if (paths.length === 0) return [];
  const engine = await DuckDbEngine.create();
  try {
    return await engine.query(
      `SELECT transaction_id::INTEGER AS id, customer_id::INTEGER AS customer, terminal_id::INTEGER AS terminal, terminal_id_missing, tx_time_days::INTEGER AS days, tx_amount AS amount, source_file, source_line::INTEGER AS line FROM read_parquet(${sqlStringList(paths)}) ORDER BY transaction_id, source_file`,
    );
  } finally {
    await engine.close();
  }
}

function quarantineLines(): Array<{ file: string; line: number; reason: string; raw: string | null; raw_base64: string | null }> {
  const qdir = join(lake, 'quarantine');
  let files: string[] = [];
  try {
    files = readdirSync(qdir).sort();
  } catch {
    return [];
  }
  return files.flatMap((f) =>
    readFileSync(join(qdir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
  );
}

describe('prepare > cleaning rules', () => {
  it('keeps, fixes, flags and quarantines each defect, naming the line of every rejected row', async () => {
    writeFileSync(
      join(raw, '2019-08-22.txt'),
      courseFile([
        { id: 0 },
        { id: 1, customer: -17 },
        { id: 2, customer: 999999 },
        { id: 3, customer: -999999 },
        { id: 4, terminal: 'Err' },
        { id: 5, terminal: 'None' },
        { id: 6, terminal: '' },
        { id: 7, datetime: '2019-08-22 24:05:11' },
        { id: 8, days: 5 },
        { id: 9, amount: '0.00' },
        { id: '10.5' },
        { id: 11, fraud: 2 },
        { id: 12, amount: '-3.00' },
        { id: 13, terminal: 'T13' },
        { id: 14, seconds: 'abc' },
        { id: 15 },
      ]),
    );
    const r = await run();
    expect(r.ok).toBe(true);
    expect(r.rowsIn).toBe(16);
    expect(r.fixed).toEqual({ negative_customer_id: 1, missing_terminal_id: 3, time_days_mismatch: 1 });
    expect(r.flagged).toEqual({ zero_amount: 1 });
    expect(r.quarantinedTotal).toBe(8);
    expect(r.quarantined).toMatchObject({
      sentinel_customer_id: 2,
      bad_datetime: 1,
      bad_transaction_id: 1,
      bad_label: 1,
      bad_amount: 1,
      bad_terminal_id: 1,
      bad_time_seconds: 1,
    });
    expect(r.kept).toBe(8);
    expect(r.rowsIn).toBe(r.kept + r.duplicates + r.quarantinedTotal);

    const rows = await lakeRows();
    expect(rows.map((x) => x.id)).toEqual([0, 1, 4, 5, 6, 8, 9, 15]);
    const byId = new Map(rows.map((x) => [x.id, x]));
    expect(byId.get(1)!.customer).toBe(17);
    expect(byId.get(4)).toMatchObject({ terminal: 0, terminal_id_missing: true });
    expect(byId.get(0)).toMatchObject({ terminal: 42, terminal_id_missing: false, line: 2, source_file: '2019-08-22.txt' });
    expect(byId.get(8)!.days).toBe(0);

    const q = quarantineLines();
    expect(q.map((x) => [x.line, x.reason])).toEqual([
      [4, 'sentinel_customer_id'],
      [5, 'sentinel_customer_id'],
      [9, 'bad_datetime'],
      [12, 'bad_transaction_id'],
      [13, 'bad_label'],
      [14, 'bad_amount'],
      [15, 'bad_terminal_id'],
      [16, 'bad_time_seconds'],
    ]);
    expect(q[2].raw).toBe(rawLine({ id: 7, datetime: '2019-08-22 24:05:11' }));
  });

  it('accepts a plain CSV header as well as the course header', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([{ id: 0 }, { id: 1 }], { header: 'csv' }));
    const r = await run();
    expect(r.perFile[0].headerStyle).toBe('csv');
    expect(r.kept).toBe(2);
  });
});

describe('prepare > bad input', () => {
  it('reports an empty file with its name and leaves the other files processed', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), '');
    writeFileSync(join(raw, '2019-08-23.txt'), courseFile([{ id: 0 }]));
    const r = await run();
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([expect.objectContaining({ file: '2019-08-22.txt', code: 'INPUT_EMPTY', line: 1 })]);
    expect(r.files).toBe(1);
    expect(r.kept).toBe(1);
  });

  it('rejects binary garbage as a whole file and writes nothing of it', async () => {
    const garbage = Buffer.alloc(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 256;
    writeFileSync(join(raw, '2019-08-22.txt'), garbage);
    const r = await run();
    expect(r.errors).toEqual([expect.objectContaining({ file: '2019-08-22.txt', code: 'INPUT_NOT_TEXT', line: 1 })]);
    expect(await lakeRows()).toEqual([]);
    expect(existsSync(join(lake, 'transactions'))).toBe(false);
  });

  it('quarantines binary lines inside an otherwise good file as not_text, keeping their bytes', async () => {
    const good = courseFile([{ id: 0 }, { id: 1 }]);
    const bad = Buffer.from([0x31, 0x2c, 0x00, 0xff, 0xfe, 0x2c, 0x0a]);
    writeFileSync(join(raw, '2019-08-22.txt'), Buffer.concat([Buffer.from(good), bad, Buffer.from(`${rawLine({ id: 2 })}\n`)]));
    const r = await run();
    expect(r.quarantined.not_text).toBe(1);
    expect(r.kept).toBe(3);
    const [q] = quarantineLines();
    expect(q).toMatchObject({ line: 4, reason: 'not_text', raw: null });
    expect(Buffer.from(q.raw_base64!, 'base64')).toEqual(bad.subarray(0, bad.length - 1));
  });

  it('reads CRLF line endings', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([{ id: 0 }, { id: 1 }, { id: 2 }], { eol: '\r\n' }));
    const r = await run();
    expect(r.kept).toBe(3);
    expect(r.quarantinedTotal).toBe(0);
    expect(r.perFile[0].crlfLines).toBe(4);
  });

  it('quarantines a truncated last line and keeps a complete last line without newline', async () => {
    const text = courseFile([{ id: 0 }, { id: 1 }], { finalNewline: true }) + rawLine({ id: 2 }).slice(0, 20);
    writeFileSync(join(raw, '2019-08-22.txt'), text);
    writeFileSync(join(raw, '2019-08-23.txt'), courseFile([{ id: 3 }], { finalNewline: false }));
    const r = await run();
    expect(r.quarantined.truncated_line).toBe(1);
    expect(r.kept).toBe(3);
    expect(quarantineLines()).toEqual([expect.objectContaining({ file: '2019-08-22.txt', line: 4, reason: 'truncated_line' })]);
  });

  it('quarantines rows with a wrong column count and blank lines, with line numbers', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([{ id: 0 }, `${rawLine({ id: 1 })},extra`, '1,2,3', '', { id: 4 }]));
    // Three of five rows are rejects: above the default reject-ratio guard, which is not what this test is about.
    const r = await prepare({ raw, lake, workDir: dir, maxRejectRatio: 1 });
    expect(r.quarantined.column_count).toBe(2);
    expect(r.quarantined.blank_line).toBe(1);
    expect(quarantineLines().map((q) => [q.line, q.reason])).toEqual([
      [3, 'column_count'],
      [4, 'column_count'],
      [5, 'blank_line'],
    ]);
    expect(r.kept).toBe(2);
  });

  it('reads gzip-compressed .txt.gz files and reports a corrupt one', async () => {
    writeFileSync(join(raw, '2019-08-22.txt.gz'), gzipSync(courseFile([{ id: 0 }, { id: 1 }])));
    const broken = gzipSync(courseFile([{ id: 2 }, { id: 3 }]));
    writeFileSync(join(raw, '2019-08-23.txt.gz'), broken.subarray(0, broken.length - 12));
    const r = await run();
    expect(r.perFile.map((f) => [f.file, f.kept])).toEqual([['2019-08-22.txt.gz', 2]]);
    expect(r.errors).toEqual([expect.objectContaining({ file: '2019-08-23.txt.gz', code: 'INPUT_BAD_GZIP' })]);
    expect((await lakeRows()).map((x) => x.id)).toEqual([0, 1]);
  });

  it('names the header field that is wrong', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), 'transaction_id,when,customer_id,terminal_id,tx_amount,tx_time_seconds,tx_time_days,tx_fraud,tx_fraud_scenario\n');
    writeFileSync(join(raw, '2019-08-23.txt'), `${rawLine({ id: 0 })}\n`);
    const r = await run();
    expect(r.errors.map((e) => [e.file, e.code, e.line])).toEqual([
      ['2019-08-22.txt', 'INPUT_BAD_HEADER', 1],
      ['2019-08-23.txt', 'INPUT_BAD_HEADER', 1],
    ]);
    expect(r.errors[0].message).toContain('tx_datetime');
  });

  it('fails on a raw directory that does not exist, and accepts an empty one', async () => {
    await expect(prepare({ raw: join(dir, 'no-such-dir'), lake, workDir: dir })).rejects.toMatchObject({ code: 'RAW_NOT_FOUND' });
    expect(await run()).toMatchObject({ ok: true, files: 0, rowsIn: 0 });
  });

  it('reports an object that disappears between listing and reading', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([{ id: 0 }]));
    writeFileSync(join(raw, '2019-08-23.txt'), courseFile([{ id: 1 }]));
    const r = await prepare({
      raw,
      lake,
      workDir: dir,
      onProgress: (p) => {
        if (p.file === '2019-08-22.txt') rmSync(join(raw, '2019-08-23.txt'), { force: true });
      },
    });
    expect(r.errors).toEqual([expect.objectContaining({ file: '2019-08-23.txt', code: 'OBJECT_NOT_FOUND' })]);
    expect(r.kept).toBe(1);
  });
});

describe('prepare > engine failure', () => {
  it('fails with the engine error, removes its spooled batches and commits nothing', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => ({ id: i }));
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile(rows));
    await expect(prepare({ raw, lake, workDir: dir, memoryLimit: '1MB' })).rejects.toMatchObject({ code: 'ENGINE_FAILED' });
    expect(await lakeRows()).toEqual([]);
    expect(readdirSync(spoolRoot(dir)).filter((e) => e.startsWith(`fraudops-prepare-${process.pid}-`))).toEqual([]);
    const again = await prepare({ raw, lake, workDir: dir });
    expect(again.kept).toBe(60_000);
  });
});

describe('prepare > dedup', () => {
  it('keeps the first occurrence inside a file, across files and across runs', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([{ id: 0 }, { id: 1 }, { id: 0 }, { id: 2 }]));
    writeFileSync(join(raw, '2019-08-23.txt'), courseFile([{ id: 3 }, { id: 1 }]));
    const first = await run();
    expect(first.duplicates).toBe(2);
    expect(first.duplicatesOfLake).toBe(1);
    expect(first.perFile.map((f) => f.duplicates)).toEqual([1, 1]);

    writeFileSync(join(raw, '2019-08-24.txt'), courseFile([{ id: 4 }, { id: 2 }, { id: 4 }, { id: 3 }]));
    const second = await run();
    expect(second.files).toBe(1);
    expect(second.duplicates).toBe(3);
    expect(second.duplicatesOfLake).toBe(2);
    const rows = await lakeRows();
    expect(rows.map((x) => x.id)).toEqual([0, 1, 2, 3, 4]);
    expect(rows.find((x) => x.id === 1)).toMatchObject({ source_file: '2019-08-22.txt', line: 3 });
  });
});

describe('prepare > incremental', () => {
  it('processes only new files and reports a changed file without reprocessing it', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([{ id: 0 }, { id: 1 }]));
    const first = await run();
    expect(first.files).toBe(1);

    const again = await run();
    expect(again).toMatchObject({ files: 0, alreadyProcessed: 1, rowsIn: 0, ok: true });

    // Same bytes, new modification time: not a change.
    utimesSync(join(raw, '2019-08-22.txt'), new Date(), new Date(Date.now() + 5000));
    writeFileSync(join(raw, '2019-08-23.txt'), courseFile([{ id: 2 }]));
    const third = await run();
    expect(third).toMatchObject({ files: 1, alreadyProcessed: 1, kept: 1, changed: [] });

    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([{ id: 0 }, { id: 1 }, { id: 9 }]));
    const fourth = await run();
    expect(fourth.ok).toBe(false);
    expect(fourth.files).toBe(0);
    expect(fourth.changed).toEqual([expect.objectContaining({ file: '2019-08-22.txt' })]);
    expect((await lakeRows()).map((x) => x.id)).toEqual([0, 1, 2]);
  });

  it('ignores files that are not raw transaction files', async () => {
    writeFileSync(join(raw, '_manifest.json'), '{}');
    writeFileSync(join(raw, 'notes.md'), '# hi');
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([{ id: 0 }]));
    const r = await run();
    expect(r.files).toBe(1);
    expect(r.errors).toEqual([]);
  });

  it('deletes parts that no commit references before it writes', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([{ id: 0 }]));
    await run();
    const orphanDir = join(lake, 'transactions', 'day=2019-08-30');
    mkdirSync(orphanDir, { recursive: true });
    writeFileSync(join(orphanDir, 'part-0000000009-x.parquet'), 'leftover');
    writeFileSync(join(raw, '2019-08-23.txt'), courseFile([{ id: 1 }]));
    await run();
    expect(readdirSync(orphanDir)).toEqual([]);
    expect((await lakeRows()).map((x) => x.id)).toEqual([0, 1]);
    unlinkSync(join(raw, '2019-08-23.txt'));
  });
});
