/**
 * The behaviour every ModelRegistry backend must share. Versions are registered from real runs of the same
 * backend (MLflow checks that a version's run exists), so the suite opens a whole Tracking.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRegistry } from './ModelRegistry.js';
import { codeOf, type ContractOptions } from './RunTracker.contract.js';
import type { RunInfo } from './RunTracker.js';
import type { Tracking } from './Tracking.js';
import { TrackingCodes } from './TrackingError.js';

export function runModelRegistryContract({ name, open, skip = {} }: ContractOptions): void {
  describe(`tracking > registry > ${name}`, () => {
    const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    let tracking: Tracking;
    let r: ModelRegistry;
    let run: RunInfo;
    const test = (title: string, fn: () => Promise<void>) =>
      skip[title] ? it.skip(`${title} (skipped: ${skip[title]})`, fn) : it(title, fn, 60_000);

    beforeAll(async () => {
      tracking = await open();
      r = tracking.registry;
      const experimentId = (await tracking.runs.getOrCreateExperiment(`registry-${suffix}`)).experimentId;
      run = await tracking.runs.createRun({ experimentId, runName: 'register' });
    }, 60_000);
    afterAll(async () => {
      await tracking?.close();
    });

    test('models, versions, version tags', async () => {
      const model = `fraud-gbm-${suffix}`;
      const created = await r.createRegisteredModel(model, { description: 'card fraud', tags: { domain: 'cards' } });
      expect(created.name).toBe(model);
      expect(await codeOf(r.createRegisteredModel(model))).toBe(TrackingCodes.ALREADY_EXISTS);
      expect((await r.getRegisteredModel(model)).tags.domain).toBe('cards');
      expect(await codeOf(r.getRegisteredModel(`missing-${suffix}`))).toBe(TrackingCodes.NOT_FOUND);

      const source = `${run.artifactUri}/model`;
      const v1 = await r.createModelVersion({ name: model, runId: run.runId, source, tags: { auc: '0.91' } });
      expect(v1.version).toBe('1');
      expect(v1.source).toBe(source);
      expect(v1.runId).toBe(run.runId);
      expect(v1.tags.auc).toBe('0.91');
      await r.setModelVersionTag(model, '1', 'validated', 'true');
      const got = await r.getModelVersion(model, '1');
      expect(got.tags).toEqual({ auc: '0.91', validated: 'true' });
      expect(got.status).toBe('READY');
      expect(await codeOf(r.getModelVersion(model, '99'))).toBe(TrackingCodes.NOT_FOUND);
      expect(await codeOf(r.createModelVersion({ name: `missing-${suffix}`, runId: run.runId, source }))).toBe(TrackingCodes.NOT_FOUND);
      expect(await codeOf(r.createModelVersion({ name: model, runId: run.runId, source: '' }))).toBe(TrackingCodes.INVALID_PARAMETER);
    });

    test('versions are listed newest first, with their aliases', async () => {
      const model = `fraud-list-${suffix}`;
      await r.createRegisteredModel(model);
      for (let i = 0; i < 3; i++) await r.createModelVersion({ name: model, runId: run.runId, source: `${run.artifactUri}/model` });
      await r.setAlias(model, 'champion', '2');
      const versions = await r.searchModelVersions(model);
      expect(versions.map((v) => [v.version, v.aliases])).toEqual([['3', []], ['2', ['champion']], ['1', []]]);
      expect(await codeOf(r.searchModelVersions(`missing-${suffix}`))).toBe(TrackingCodes.NOT_FOUND);
    });

    test('aliases move between versions and can be deleted', async () => {
      const model = `fraud-alias-${suffix}`;
      await r.createRegisteredModel(model);
      await r.createModelVersion({ name: model, runId: run.runId, source: `${run.artifactUri}/model` });
      await r.createModelVersion({ name: model, runId: run.runId, source: `${run.artifactUri}/model` });

      await r.setAlias(model, 'champion', '1');
      await r.setAlias(model, 'challenger', '2');
      expect((await r.getModelVersionByAlias(model, 'champion')).version).toBe('1');
      await r.setAlias(model, 'champion', '2');
      expect((await r.getModelVersionByAlias(model, 'champion')).version).toBe('2');
      expect((await r.getModelVersion(model, '1')).aliases).toEqual([]);
      expect((await r.getModelVersion(model, '2')).aliases).toEqual(['challenger', 'champion']);
      expect((await r.getRegisteredModel(model)).aliases).toEqual({ champion: '2', challenger: '2' });

      await r.deleteAlias(model, 'champion');
      expect(await codeOf(r.getModelVersionByAlias(model, 'champion'))).toBe(TrackingCodes.NOT_FOUND);
      expect((await r.getRegisteredModel(model)).aliases).toEqual({ challenger: '2' });
      expect(await codeOf(r.setAlias(model, 'latest', '1'))).toBe(TrackingCodes.INVALID_PARAMETER);
      expect(await codeOf(r.setAlias(model, 'v3', '1'))).toBe(TrackingCodes.INVALID_PARAMETER);
      expect(await codeOf(r.setAlias(model, 'champion', '9'))).toBe(TrackingCodes.NOT_FOUND);
      expect(await codeOf(r.getModelVersionByAlias(`missing-${suffix}`, 'champion'))).toBe(TrackingCodes.NOT_FOUND);
    });

    describe('alias lock', () => {
      const lockOptions = () => ({ runId: run.runId, source: `${run.artifactUri}/model` });

      test('one holder at a time: concurrent read-modify-write of an alias loses no update', async () => {
        const model = `fraud-lock-${suffix}`;
        await r.createRegisteredModel(model);
        const holders = 4;
        for (let i = 0; i <= holders; i++) await r.createModelVersion({ name: model, runId: run.runId, source: `${run.artifactUri}/model` });
        await r.setAlias(model, 'champion', '1');
        // Each holder is its own client (its own connection), as separate processes would be.
        const clients = await Promise.all(Array.from({ length: holders }, () => open()));
        const spans: Array<[number, number, number]> = [];
        try {
          await Promise.all(
            clients.map(async (c) => {
              const lock = await c.registry.lockAliases(model, lockOptions());
              try {
                const start = performance.now();
                const now = Number((await c.registry.getModelVersionByAlias(model, 'champion')).version);
                await new Promise((res) => setTimeout(res, 50));
                lock.assertHeld();
                await c.registry.setAlias(model, 'champion', String(now + 1));
                spans.push([lock.ticket, start, performance.now()]);
              } finally {
                await lock.release();
              }
            }),
          );
        } finally {
          await Promise.all(clients.map((c) => c.close()));
        }
        expect((await r.getModelVersionByAlias(model, 'champion')).version).toBe(String(1 + holders));
        spans.sort((a, b) => a[1] - b[1]);
        for (let i = 1; i < spans.length; i++) {
          expect(spans[i][1], 'a holder entered before the one before it left').toBeGreaterThanOrEqual(spans[i - 1][2]);
          expect(spans[i][0], 'holders take their turns in ticket order').toBeGreaterThan(spans[i - 1][0]);
        }
        // The lock's tickets live in their own registered model, not among the model's versions.
        expect((await r.searchModelVersions(model)).length).toBe(holders + 1);
      });

      test('a waiter gives up with PROMOTION_BUSY after waitMs, and leaves no ticket in the way', async () => {
        const model = `fraud-lock-busy-${suffix}`;
        await r.createRegisteredModel(model);
        const held = await r.lockAliases(model, lockOptions());
        try {
          expect(await codeOf(r.lockAliases(model, { ...lockOptions(), waitMs: 300 }))).toBe('PROMOTION_BUSY');
        } finally {
          await held.release();
        }
        // The waiter's ticket was abandoned, not left live: the next holder does not wait for it.
        const started = Date.now();
        const next = await r.lockAliases(model, { ...lockOptions(), waitMs: 5_000 });
        await next.release();
        expect(Date.now() - started).toBeLessThan(5_000);
      });

      test('a holder that was killed is passed once its hold runs out', async () => {
        const model = `fraud-lock-crash-${suffix}`;
        await r.createRegisteredModel(model);
        // A real process takes the lock with a short ttl and is killed with SIGKILL while holding it.
        const script = `
          const { openTracking } = await import(${JSON.stringify(new URL('./openTracking.ts', import.meta.url).href)});
          const t = await openTracking(process.argv[1]);
          await t.registry.lockAliases(process.argv[2], { runId: process.argv[3], source: process.argv[4], ttlMs: 1500 });
          process.stdout.write('held\\n');
          setInterval(() => {}, 1000);`;
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, tracking.uri, model, run.runId, `${run.artifactUri}/model`], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        await new Promise<void>((res, rej) => {
          child.stdout.on('data', () => out.includes('held') && res());
          child.on('exit', (code) => rej(new Error(`lock holder exited early (${code})`)));
        });
        const killedAt = Date.now();
        child.kill('SIGKILL');
        await once(child, 'exit');
        const lock = await r.lockAliases(model, { ...lockOptions(), waitMs: 30_000 });
        await lock.release();
        // It waited for the dead holder's hold to run out (it cannot tell a dead holder from a slow one sooner).
        expect(Date.now() - killedAt).toBeGreaterThanOrEqual(500);
      });

      test('a holder frozen past its hold is fenced: assertHeld fails before it moves anything', async () => {
        const model = `fraud-lock-frozen-${suffix}`;
        await r.createRegisteredModel(model);
        const lock = await r.lockAliases(model, { ...lockOptions(), ttlMs: 3000 });
        try {
          expect(() => lock.assertHeld()).not.toThrow();
          // The whole process stalls (a GC pause, a stopped VM): no timer can renew the hold meanwhile.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
          expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ code: 'PROMOTION_BUSY' }));
        } finally {
          await lock.release();
        }
      });
    });
  });
}
