import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFraudopsError } from '../../errors.js';
import { migrateLakeToDelta } from './migrateLake.js';

const dir = mkdtempSync(join(tmpdir(), 'fraudops-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lake > delta > migrate', () => {
  it('refuses a location that holds no lake commits with LAKE_EMPTY, and writes nothing there', async () => {
    const e = await migrateLakeToDelta({ lake: dir }).catch((x: unknown) => x);
    expect(isFraudopsError(e) && e.code).toBe('LAKE_EMPTY');
    expect(readdirSync(dir)).toEqual([]);
  });
});
