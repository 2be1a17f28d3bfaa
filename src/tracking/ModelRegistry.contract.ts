/**
 * The behaviour every ModelRegistry backend must share. Versions are registered from real runs of the same
 * backend (MLflow checks that a version's run exists), so the suite opens a whole Tracking.
 */
import { randomBytes } from 'node:crypto';
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
  });
}
