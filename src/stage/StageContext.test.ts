import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepare } from '../prepare/prepare.js';
import { courseFile } from '../prepare/testkit.js';
import { COMMITS_PREFIX } from '../lake/layout.js';
import { createStageContext, holdStore, type StageEvent } from './StageContext.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stage-context-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('stage > context', () => {
  it('carries a stage\'s progress as typed events and lends it the stores it opened once', async () => {
    const raw = join(dir, 'raw');
    mkdirSync(raw);
    writeFileSync(join(raw, '2019-08-22.txt'), courseFile([{ id: 1 }, { id: 2 }, { id: 3 }]));
    const events: StageEvent[] = [];
    const ctx = createStageContext({ workDir: join(dir, 'work'), onEvent: (e) => events.push(e) });
    try {
      const report = await prepare({ raw, lake: join(dir, 'lake') }, ctx);
      expect(report.ok).toBe(true);
      const progress = events.filter((e) => e.type === 'progress' && e.stage === 'prepare');
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)).toMatchObject({ unit: 'bytes', message: expect.stringContaining('2019-08-22.txt') });
      // The stage used the context's store: the same one is handed out again, still open after the stage ended.
      const lake = await ctx.store(join(dir, 'lake'));
      expect(await ctx.store(join(dir, 'lake'))).toBe(lake);
      expect((await lake.list(COMMITS_PREFIX)).length).toBe(1);
      const held = await holdStore(ctx, join(dir, 'lake'));
      expect(held.value).toBe(lake);
      await held.release();
      expect((await lake.list(COMMITS_PREFIX)).length).toBe(1); // releasing a context's store leaves it open
    } finally {
      await ctx.close();
    }
  });
});
