import { describe, expect, it } from 'vitest';
import { NOISE_DEFECTS, type NoiseDefect } from '../quality.js';
import { generate } from './generate.js';
import { expectedAccounting } from './manifest.js';
import { dayFiles, readLines, readManifest, withTempDir } from './testkit.js';

const CLOCK = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;

function zero(): Record<NoiseDefect, number> {
  return Object.fromEntries(Object.keys(NOISE_DEFECTS).map((k) => [k, 0])) as Record<NoiseDefect, number>;
}

/** Classifies one row independently of the generator: the defects it visibly carries. */
function rowDefects(f: string[], startEpoch: number, problems: string[]): NoiseDefect[] {
  const [, datetime, customer, terminal, amount, seconds, days] = f;
  const found: NoiseDefect[] = [];
  if (terminal === 'Err' || terminal === 'None' || terminal === '') found.push('terminal_missing');
  const parsed = CLOCK.test(datetime) ? Date.parse(`${datetime.replace(' ', 'T')}Z`) / 1000 : Number.NaN;
  if (Number.isNaN(parsed)) found.push('bad_datetime');
  if (customer === '999999' || customer === '-999999') found.push('sentinel_customer_id');
  else if (customer.startsWith('-')) found.push('negative_customer_id');
  if (amount === '0.00') found.push('zero_amount');
  if (Number(days) !== Math.floor(Number(seconds) / 86400)) found.push('time_days_mismatch');
  // A clean row: datetime, seconds and days agree.
  if (found.length === 0 && parsed - startEpoch !== Number(seconds)) problems.push(`inconsistent clean row: ${f.join(',')}`);
  return found;
}

describe('generator > noise', () => {
  it('manifest counts equal the defects found by re-reading the files', async () => {
    await withTempDir(async (dir) => {
      const rates = {
        terminal_missing: 0.01,
        bad_datetime: 0.008,
        time_days_mismatch: 0.006,
        duplicate_within_file: 0.005,
        duplicate_across_files: 0.005,
        negative_customer_id: 0.004,
        sentinel_customer_id: 0.003,
        zero_amount: 0.003,
      };
      const result = await generate({
        out: dir,
        days: 6,
        customers: 500,
        terminals: 1000,
        seed: 99,
        startDate: '2019-08-22',
        noise: 'course',
        noiseRates: rates,
        workers: 2,
      });
      const manifest = await readManifest(dir);
      expect(manifest.files).toEqual(result.files);
      const startEpoch = Date.UTC(2019, 7, 22) / 1000;
      const earlier = new Map<string, string>(); // id → line, rows of earlier files
      const totals = zero();
      const problems: string[] = [];
      const check = (ok: boolean, what: string, line: string): void => {
        if (!ok && problems.length < 20) problems.push(`${what}: ${line}`);
      };
      for (const [i, name] of (await dayFiles(dir)).entries()) {
        const entry = manifest.files[i];
        expect(entry.file).toBe(name);
        const { lines } = await readLines(dir, name);
        const found = zero();
        const here = new Map<string, string>();
        const defective = new Set<string>();
        let lastBaseId = -1;
        for (const line of lines) {
          const f = line.split(',');
          check(f.length === 9, 'column count', line);
          const id = f[0];
          if (here.has(id)) {
            check(here.get(id) === line, 'within-file duplicate is an exact copy', line);
            check(!defective.has(id), 'duplicated row is clean', line);
            found.duplicate_within_file++;
            continue;
          }
          if (earlier.has(id)) {
            check(earlier.get(id) === line, 'cross-file duplicate is an exact copy', line);
            check(rowDefects(f, startEpoch, problems).length === 0, 'duplicated row is clean', line);
            found.duplicate_across_files++;
            continue;
          }
          // Other rows keep unique, increasing ids.
          check(Number(id) > lastBaseId, 'increasing id', line);
          lastBaseId = Number(id);
          here.set(id, line);
          const d = rowDefects(f, startEpoch, problems);
          check(d.length <= 1, 'at most one defect per row', line);
          if (d.length === 1) {
            found[d[0]]++;
            defective.add(id);
          }
        }
        expect(problems).toEqual([]);
        expect(found, name).toEqual(entry.defects);
        expect(lines.length).toBe(entry.rows);
        expect(entry.rows - found.duplicate_within_file - found.duplicate_across_files).toBe(entry.transactions);
        expect(entry.expected).toEqual(expectedAccounting(lines.length, found));
        for (const [id, line] of here) if (!defective.has(id)) earlier.set(id, line);
        for (const k of Object.keys(totals) as NoiseDefect[]) totals[k] += found[k];
      }
      expect(manifest.totals.defects).toEqual(totals);
      // Raised rates on ~1,000 rows per file: every defect kind shows up somewhere.
      for (const k of Object.keys(totals) as NoiseDefect[]) expect(totals[k], k).toBeGreaterThan(0);
      const e = manifest.totals.expected;
      expect(e.duplicates).toBe(totals.duplicate_within_file + totals.duplicate_across_files);
      expect(e.quarantined).toEqual({ bad_datetime: totals.bad_datetime, sentinel_customer_id: totals.sentinel_customer_id });
      expect(e.fixed).toEqual({
        missing_terminal_id: totals.terminal_missing,
        time_days_mismatch: totals.time_days_mismatch,
        negative_customer_id: totals.negative_customer_id,
      });
      expect(e.flagged).toEqual({ zero_amount: totals.zero_amount });
      expect(e.kept).toBe(manifest.totals.rows - e.duplicates - totals.bad_datetime - totals.sentinel_customer_id);
    });
  }, 60_000);

  it('noise none writes no defects', async () => {
    await withTempDir(async (dir) => {
      const result = await generate({ out: dir, days: 2, customers: 200, terminals: 400, seed: 5 });
      expect(Object.values(result.defects).every((n) => n === 0)).toBe(true);
      expect(result.totals.expected.kept).toBe(result.totals.rows);
    });
  }, 30_000);
});
