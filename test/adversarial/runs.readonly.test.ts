/**
 * Commands that only look at pipeline runs never create a pipeline database: `runs list --db <folder>` on a
 * folder without one used to initialise a 39 MB embedded database there and answer "no runs yet". Like a
 * missing tracking store, it is now PIPELINE_DB_MISSING (exit 2), and the folder is left as it was.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorCode, runCli } from './support/lakeRace.js';

const dir = mkdtempSync(join(tmpdir(), 'runs-readonly-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runs > read-only', () => {
  for (const args of [['runs', 'list'], ['runs', 'show', 'pipeline:daily:2026-12-01'], ['runs', 'logs', 'pipeline:daily:2026-12-01']]) {
    it(`\`${args.join(' ')}\` on a folder without a pipeline database is PIPELINE_DB_MISSING and creates nothing`, async () => {
      const db = join(dir, `none-${args[1]}`);
      const r = await runCli([...args, '--db', db, '--json']).done;
      expect(r.code, r.stderr).toBe(2);
      expect(errorCode(r)).toBe('PIPELINE_DB_MISSING');
      expect(existsSync(db)).toBe(false);
    }, 60_000);
  }
});
