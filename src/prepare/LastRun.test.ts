import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyAccount, type QualityReport } from './report.js';
import { LocalStore } from '../storage/LocalStore.js';
import { readLastRun, writeLastRun } from './LastRun.js';
import { LAST_RUN_KEY } from '../lake/layout.js';

function report(o: Partial<QualityReport>): QualityReport {
  return { ok: true, raw: 'file:///raw', lake: 'file:///lake', files: 0, alreadyProcessed: 3, changed: [], errors: [], perFile: [], durationMs: 5, ...emptyAccount(), ...o };
}

describe('lake > last run', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('keeps the last run only, and reads nothing before the first or from a record that does not parse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'last-run-'));
    dirs.push(dir);
    const store = await LocalStore.create(dir);
    expect(await readLastRun(store)).toBeUndefined();
    await writeLastRun(store, report({ files: 2, rowsIn: 10, kept: 10 }));
    await writeLastRun(store, report({ errors: [{ file: 'x.txt', code: 'INPUT_BAD_HEADER', message: 'bad header', line: 1 }] }));
    const last = await readLastRun(store);
    expect([last?.files, last?.totals.rowsIn, last?.errors.map((e) => e.file)]).toEqual([0, 0, ['x.txt']]);
    await store.write(LAST_RUN_KEY, '{not json');
    expect(await readLastRun(store)).toBeUndefined();
    await store.close();
  });
});
