import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { generate } from './generate.js';
import { withTempDir } from './testkit.js';

describe('generator > generate', () => {
  it.each([1, 2])('stops when aborted and leaves no partial files (workers=%i)', async (workers) => {
    await withTempDir(async (dir) => {
      const controller = new AbortController();
      const reason = new Error('stop');
      const run = generate(
        { out: dir, days: 50, customers: 2000, terminals: 4000, workers },
        { signal: controller.signal, onProgress: (p) => p.daysDone === 2 && controller.abort(reason) },
      );
      await expect(run).rejects.toBe(reason);
      const names = await readdir(dir);
      expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect(names).not.toContain('_manifest.json');
      expect(names.length).toBeLessThan(50);
    });
  }, 30_000);

  it('rejects invalid options with a ConfigError before writing anything', async () => {
    await expect(generate({ out: '/nonexistent/never', days: 0 })).rejects.toBeInstanceOf(ConfigError);
    await expect(generate({ out: '/nonexistent/never', startDate: '2019-02-30' })).rejects.toBeInstanceOf(ConfigError);
    await expect(generate({ out: '/nonexistent/never', noiseRates: { zero_amount: 2 } })).rejects.toBeInstanceOf(ConfigError);
  });
});
