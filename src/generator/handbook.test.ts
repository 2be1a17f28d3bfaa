import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from './generate.js';
import { dayFiles, withTempDir } from './testkit.js';

/** Published figures of the Fraud Detection Handbook's simulated dataset (chapter 3). */
const HANDBOOK = { rows: 1_754_155, fraudRate: 0.0084, shares: [0.066, 0.618, 0.315] };

describe('generator > handbook statistics', () => {
  it('183 days of 5,000 customers / 10,000 terminals: rows within ±2 %, fraud rate within ±0.10 pp, scenario shares within ±3 pp', async () => {
    await withTempDir(async (dir) => {
      const result = await generate({
        out: dir,
        startDate: '2018-04-01',
        days: 183,
        customers: 5000,
        terminals: 10000,
        seed: 1,
        workers: 2,
      });
      expect(result.options.compromisedTerminalsPerDay).toBe(2);
      expect(result.options.compromisedCustomersPerDay).toBe(3);
      // Count from the files themselves, not from the generator's own totals.
      let rows = 0;
      const byScenario = [0, 0, 0, 0];
      for (const name of await dayFiles(dir)) {
        const text = await readFile(path.join(dir, name), 'latin1');
        let start = text.indexOf('\n') + 1;
        while (start < text.length) {
          const end = text.indexOf('\n', start);
          byScenario[text.charCodeAt(end - 1) - 48]++;
          rows++;
          start = end + 1;
        }
      }
      const frauds = byScenario[1] + byScenario[2] + byScenario[3];
      expect(rows).toBe(result.totals.rows);
      expect(frauds).toBe(result.fraud.total);
      expect(Math.abs(rows / HANDBOOK.rows - 1)).toBeLessThan(0.02);
      expect(Math.abs(frauds / rows - HANDBOOK.fraudRate)).toBeLessThan(0.001);
      for (let s = 1; s <= 3; s++) {
        expect(Math.abs(byScenario[s] / frauds - HANDBOOK.shares[s - 1]), `scenario ${s}`).toBeLessThan(0.03);
      }
    });
  }, 120_000);
});
