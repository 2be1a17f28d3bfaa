/**
 * Hostile raw input, each case as it was found: symlinked files and directories skipped silently (and a symlink
 * loop); a `--raw` that is one file; raw input inside the lake deleted as "uncommitted objects"; rows dated
 * years away from their file's day, absurd amounts and labels that contradict their scenario kept as clean; a
 * file of garbage after one good row passing with ok: true; quoted CSV quarantined under misleading reasons; a
 * file still being written read past its listed size. Local store, in process.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/prepare/prepare.js';
import { courseFile, rawLine, type RawRow } from '../../src/prepare/testkit.js';
import { COURSE_HEADER, RAW_COLUMNS } from '../../src/quality.js';

let dir: string;
let raw: string;
let lake: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prepare-input-'));
  raw = join(dir, 'raw');
  lake = join(dir, 'lake');
  mkdirSync(raw);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rows = (n: number, from = 0): RawRow[] => Array.from({ length: n }, (_, i) => ({ id: from + i }));
const run = (o: Partial<Parameters<typeof prepare>[0]> = {}) => prepare({ raw, lake, workDir: dir, ...o });

describe('prepare > raw input > locations', () => {
  it('follows symlinked files and directories, and survives a symlink loop', async () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(join(elsewhere, 'sub'), { recursive: true });
    writeFileSync(join(elsewhere, '2019-08-22.txt'), courseFile(rows(3)));
    writeFileSync(join(elsewhere, 'sub', '2019-08-23.txt'), courseFile(rows(2, 10)));
    symlinkSync(join(elsewhere, '2019-08-22.txt'), join(raw, '2019-08-22.txt'));
    symlinkSync(join(elsewhere, 'sub'), join(raw, 'linked'));
    symlinkSync(raw, join(raw, 'loop'));
    const r = await run();
    expect(r.files).toBe(2);
    expect(r.kept).toBe(5);
  });

  it('a --raw that is one file prepares that file', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile(rows(3)));
    writeFileSync(join(raw, '2019-08-23.txt'), courseFile(rows(3, 10)));
    const r = await run({ raw: join(raw, '2019-08-22.txt') });
    expect(r.files).toBe(1);
    expect(r.kept).toBe(3);
  });

  it('a missing --raw is RAW_NOT_FOUND, whether a directory or a file name', async () => {
    await expect(run({ raw: join(dir, 'rwa') })).rejects.toMatchObject({ code: 'RAW_NOT_FOUND' });
    await expect(run({ raw: join(raw, '2019-08-22.txt') })).rejects.toMatchObject({ code: 'RAW_NOT_FOUND' });
  });

  it('raw inside the lake, or the lake inside raw, is refused before anything is touched', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile(rows(3)));
    await run();
    const inside = join(lake, 'transactions', 'incoming');
    mkdirSync(inside, { recursive: true });
    writeFileSync(join(inside, '2019-08-23.txt'), courseFile(rows(3, 10)));
    await expect(run({ raw: inside })).rejects.toMatchObject({ code: 'CONFIG_INVALID', context: { field: 'raw' } });
    expect(readdirSync(inside)).toEqual(['2019-08-23.txt']);
    await expect(run({ raw: lake })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(run({ lake: join(raw, 'lake') })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(existsSync(join(raw, 'lake'))).toBe(false);
  });
});

describe('prepare > raw input > plausibility', () => {
  it('quarantines rows dated far from the file day, absurd amounts and labels that contradict the scenario', async () => {
    writeFileSync(
      join(raw, '2019-08-22.txt'),
      courseFile([
        { id: 1 },
        { id: 2, datetime: '0001-01-01 00:00:00' },
        { id: 3, datetime: '9999-12-31 23:59:59' },
        { id: 4, amount: '123456789012.50' },
        { id: 5, fraud: 1, scenario: 0 },
        { id: 6, fraud: 0, scenario: 3 },
        { id: 7, fraud: 1, scenario: 2 },
        { id: 8, datetime: '2019-08-21 23:59:00' },
        ...rows(10, 100),
      ]),
    );
    const r = await run();
    expect(r.kept).toBe(13);
    expect(r.quarantined.implausible_datetime).toBe(2);
    expect(r.quarantined.implausible_amount).toBe(1);
    expect(r.quarantined.inconsistent_label).toBe(2);
    expect(r.rowsIn).toBe(r.kept + r.duplicates + r.quarantinedTotal);
  });
});

describe('prepare > raw input > garbage and quoting', () => {
  it('a file that is mostly garbage is an error and nothing of it is committed', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), `${courseFile(rows(1))}${randomBytes(200_000).toString('latin1')}`);
    writeFileSync(join(raw, '2019-08-23.txt'), courseFile(rows(3, 10)));
    const r = await run();
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([expect.objectContaining({ file: '2019-08-22.txt', code: 'TOO_MANY_REJECTS' })]);
    expect(r.files).toBe(1);
    expect(r.kept).toBe(3);
    // The guard is a flag: allowing every row to be rejected takes the file.
    const again = await run({ maxRejectRatio: 1 });
    expect(again.files).toBe(1);
  });

  it('quoted CSV is rejected naming the quoting, not quarantined under other reasons', async () => {
    const quoted = (r: RawRow) => rawLine(r).split(',').map((f) => `"${f}"`).join(',');
    writeFileSync(join(raw, '2019-08-22.txt'), [RAW_COLUMNS.map((c) => `"${c}"`).join(','), quoted({ id: 1 }), quoted({ id: 2 })].join('\n') + '\n');
    writeFileSync(join(raw, '2019-08-23.txt'), [COURSE_HEADER, rawLine({ id: 10 }), quoted({ id: 11 }), rawLine({ id: 12 }), rawLine({ id: 13 })].join('\n') + '\n');
    const r = await run();
    expect(r.errors).toEqual([expect.objectContaining({ file: '2019-08-22.txt', code: 'INPUT_QUOTED_CSV' })]);
    expect(r.quarantined.quoted_field).toBe(1);
    expect(r.kept).toBe(3);
  });
});

describe('prepare > raw input > files being written', () => {
  it('a file that grows while it is read is skipped with a reason and taken whole on a later run', async () => {
    const file = join(raw, '2019-08-22.txt');
    writeFileSync(file, courseFile(rows(2000)));
    let grown = false;
    const r = await run({
      onProgress: () => {
        if (grown) return;
        grown = true;
        appendFileSync(file, `${rows(500, 5000).map(rawLine).join('\n')}\n`);
      },
    });
    expect(grown).toBe(true);
    expect(r.errors).toEqual([expect.objectContaining({ file: '2019-08-22.txt', code: 'FILE_CHANGING' })]);
    expect(r.files).toBe(0);
    const later = await run();
    expect(later.ok).toBe(true);
    expect(later.files).toBe(1);
    expect(later.kept).toBe(2500);
    expect((await run()).alreadyProcessed).toBe(1);
  });
});
