import { describe, expect, it } from 'vitest';
import { COURSE_HEADER, SENTINEL_CUSTOMER_ID } from '../quality.js';
import { generate } from './generate.js';
import { dayFiles, readLines, readManifest, withTempDir } from './testkit.js';

const DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

function epochSeconds(datetime: string): number {
  const m = DATETIME.exec(datetime);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
}

describe('generator > format', () => {
  it('writes the course header, 9 columns, contiguous increasing ids, chronological rows with consistent times', async () => {
    await withTempDir(async (dir) => {
      const result = await generate({ out: dir, days: 4, customers: 400, terminals: 800, seed: 3, startDate: '2019-08-22' });
      const files = await dayFiles(dir);
      expect(files).toEqual(['2019-08-22.txt', '2019-08-23.txt', '2019-08-24.txt', '2019-08-25.txt']);
      const start = Date.UTC(2019, 7, 22) / 1000;
      let nextId = 0;
      let rows = 0;
      const problems: string[] = [];
      const check = (ok: boolean, what: string, line: string): void => {
        if (!ok && problems.length < 20) problems.push(`${what}: ${line}`);
      };
      for (const [day, name] of files.entries()) {
        const { header, lines } = await readLines(dir, name);
        expect(header).toBe(COURSE_HEADER);
        expect(lines.length).toBeGreaterThan(100);
        let lastSeconds = -1;
        for (const line of lines) {
          const f = line.split(',');
          check(f.length === 9, 'column count', line);
          const [id, datetime, customer, terminal, amount, seconds, days, fraud, scenario] = f;
          check(id === String(nextId++), 'id', line);
          check(datetime.slice(0, 10) === name.slice(0, 10), 'date matches file', line);
          check(epochSeconds(datetime) - start === Number(seconds), 'datetime = start + seconds', line);
          check(Math.floor(Number(seconds) / 86400) === day && days === String(day), 'days', line);
          check(Number(seconds) >= lastSeconds, 'chronological', line);
          lastSeconds = Number(seconds);
          check(/^\d+$/.test(customer) && Number(customer) !== SENTINEL_CUSTOMER_ID, 'customer id', line);
          check(/^\d+$/.test(terminal), 'terminal id', line);
          check(/^\d+\.\d\d$/.test(amount) && Number(amount) > 0, 'amount', line);
          check(/^(0,0|1,1|1,2|1,3)$/.test(`${fraud},${scenario}`), 'label', line);
        }
        rows += lines.length;
      }
      expect(problems).toEqual([]);
      expect(result.totals.rows).toBe(rows);
      expect(result.totals.transactions).toBe(rows);
      const manifest = await readManifest(dir);
      expect(manifest.files.map((f) => f.rows)).toEqual(result.files.map((f) => f.rows));
      expect(manifest.files.map((f) => f.firstTransactionId)).toEqual(
        result.files.map((_, i) => result.files.slice(0, i).reduce((s, f) => s + f.transactions, 0)),
      );
    });
  }, 30_000);

  it('skips the sentinel customer id when there are more than 999,999 customers', async () => {
    // Only the id mapping matters here: one day of a large, sparse population.
    const { customerId } = await import('./options.js');
    expect(customerId(999998)).toBe(999998);
    expect(customerId(999999)).toBe(1000000);
  });
});
