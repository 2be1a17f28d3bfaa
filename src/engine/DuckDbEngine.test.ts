import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFraudopsError } from '../errors.js';
import { LocalStore } from '../storage/LocalStore.js';
import { DuckDbEngine } from './DuckDbEngine.js';
import { runEngineContract } from './SqlEngine.contract.js';
import { checkEngineUri, engineFactory, openEngine } from './openEngine.js';

runEngineContract({
  name: 'duckdb, local store',
  newEngine: (workDir) => DuckDbEngine.create({ workDir, memoryLimit: '512MB' }),
  newStore: () => LocalStore.create(mkdtempSync(join(tmpdir(), 'fraudops-engine-store-'))),
  skip: [{ reason: 'DuckDB runs in this process: raw rows reach it through stageRows, nothing is shipped', tests: ['readTextLines > numbers the lines of a stored text object where it is, with CR, bytes and UTF-8 as they are'] }],
});

describe('engine > openEngine', () => {
  it('opens DuckDB for duckdb: and the bare name, the default', async () => {
    for (const uri of ['duckdb:', 'duckdb', undefined]) {
      const engine = await openEngine(uri, { workDir: mkdtempSync(join(tmpdir(), 'fraudops-open-engine-')) });
      try {
        expect(engine.name).toBe('duckdb');
        expect(await engine.query('SELECT 42 AS x')).toEqual([{ x: 42 }]);
      } finally {
        await engine.close();
      }
    }
  });

  it('refuses an unknown scheme up front with CONFIG_INVALID naming the accepted ones', () => {
    for (const uri of ['spark', 'postgres://db', 'duckdb:/some/file', '']) {
      let error: unknown;
      try {
        engineFactory(uri);
        checkEngineUri(uri);
      } catch (e) {
        error = e;
      }
      expect(isFraudopsError(error) && error.code, uri).toBe('CONFIG_INVALID');
      expect(String((error as Error).message)).toContain('duckdb:');
    }
  });
});
