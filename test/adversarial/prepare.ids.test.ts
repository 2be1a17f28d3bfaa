/**
 * Transaction ids are exact 64-bit integers end to end: from the raw text through the commit record's id ranges
 * (decimal strings, never JS numbers) to deduplication across files and runs. Ids above 2^53 used to be rounded
 * in the commit record, so the part holding an id was not read when the same id came again.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/prepare/prepare.js';
import { courseFile, type RawRow } from '../../src/prepare/testkit.js';
import { DuckDbEngine } from '../../src/engine/DuckDbEngine.js';
import { sqlStringList } from '../../src/engine/SqlEngine.js';
import { liveParts } from '../../src/lake/readLake.js';
import { openStore } from '../../src/storage/openStore.js';

let dir: string;
let raw: string;
let lake: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prepare-ids-'));
  raw = join(dir, 'raw');
  lake = join(dir, 'lake');
  mkdirSync(raw);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const row = (id: string, seconds = 3600): RawRow => ({ id, seconds, datetime: `2019-08-22 01:00:${String(seconds % 60).padStart(2, '0')}` });

async function lakeIds(): Promise<string[]> {
  const store = await openStore(lake);
  try {
    const { paths } = await liveParts(store, join(dir, 'cache'));
    const engine = await DuckDbEngine.create();
    try {
      const rows = await engine.query<{ id: bigint }>(`SELECT transaction_id AS id FROM read_parquet(${sqlStringList(paths)}) ORDER BY transaction_id`);
      return rows.map((r) => r.id.toString());
    } finally {
      await engine.close();
    }
  } finally {
    await store.close();
  }
}

describe('prepare > ids > exact 64-bit integers', () => {
  it('deduplicates 9007199254740993 across files and runs, and records id ranges exactly', async () => {
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([row('5'), row('9007199254740993', 3601)]));
    const first = await prepare({ raw, lake, workDir: dir });
    expect(first.ok).toBe(true);
    writeFileSync(join(raw, '2019-08-23.txt'), courseFile([row('9007199254740993', 3602), row('9007199254740995', 3603)]));
    const second = await prepare({ raw, lake, workDir: dir });
    expect(second.ok).toBe(true);
    expect(second.duplicatesOfLake).toBe(1);
    expect(await lakeIds()).toEqual(['5', '9007199254740993', '9007199254740995']);

    const store = await openStore(lake);
    const { log } = await liveParts(store, join(dir, 'cache'));
    await store.close();
    const [p1] = log.commits[0].parts;
    expect([String(p1.minId), String(p1.maxId)]).toEqual(['5', '9007199254740993']);
    expect(typeof p1.maxId).toBe('string');
  });

  it('accepts the largest int64, 9223372036854775807, and quarantines one past it as bad_transaction_id', async () => {
    writeFileSync(
      join(raw, '2019-08-22.txt'),
      courseFile([row('9223372036854775807'), row('9223372036854775808', 3601), row('18446744073709551615', 3602)]),
    );
    // Two of three rows are rejects on purpose: lift the reject-ratio guard, which is not this test's subject.
    const report = await prepare({ raw, lake, workDir: dir, maxRejectRatio: 1 });
    expect(report.kept).toBe(1);
    expect(report.quarantined.bad_transaction_id).toBe(2);
    expect(await lakeIds()).toEqual(['9223372036854775807']);
    // And it is a duplicate when it comes again.
    writeFileSync(join(raw, '2019-08-23.txt'), courseFile([row('9223372036854775807', 3605)]));
    const again = await prepare({ raw, lake, workDir: dir });
    expect(again.duplicatesOfLake).toBe(1);
  });
});
