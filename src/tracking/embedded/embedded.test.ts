/**
 * The three tracking contracts against the embedded store (MLflow's SQLite schema, artifacts in a local
 * directory), and how it opens: a fresh directory, an existing store, sqlite:// URIs, and the paths it refuses.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runArtifactRepositoryContract } from '../ArtifactRepository.contract.js';
import { runModelRegistryContract } from '../ModelRegistry.contract.js';
import { codeOf, runRunTrackerContract } from '../RunTracker.contract.js';
import { openArtifactRepository } from '../openArtifactRepository.js';
import { EMBEDDED_DB_FILE, openTracking } from '../openTracking.js';
import { TrackingCodes } from '../TrackingError.js';

const root = mkdtempSync(join(tmpdir(), 'fraudops-embedded-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const store = join(root, 'store');

runRunTrackerContract({ name: 'embedded', open: () => openTracking(store) });
runModelRegistryContract({ name: 'embedded', open: () => openTracking(store) });
let n = 0;
runArtifactRepositoryContract({
  name: 'embedded (local directory)',
  newRepository: () => openArtifactRepository(pathToFileURL(join(root, 'artifacts', String(++n))).href),
});

describe('tracking > embedded > opening', () => {
  it('keeps runs in <dir>/mlflow.db and artifacts under <dir>/artifacts, reopening the same store', async () => {
    const dir = join(root, 'reopen');
    const a = await openTracking(dir);
    const exp = await a.runs.getOrCreateExperiment('e');
    const run = await a.runs.createRun({ experimentId: exp.experimentId });
    expect(a.uri).toBe(`sqlite:///${join(dir, EMBEDDED_DB_FILE)}`);
    expect(run.artifactUri).toBe(`${pathToFileURL(join(dir, 'artifacts')).href}/${exp.experimentId}/${run.runId}/artifacts`);
    await a.close();
    const b = await openTracking(`sqlite:///${join(dir, EMBEDDED_DB_FILE)}`);
    expect((await b.runs.getRun(run.runId)).info.experimentId).toBe(exp.experimentId);
    await b.close();
  });

  it('a regular file as --tracking is TRACKING_URI_INVALID, a non-SQLite file as sqlite:// is TRACKING_STORE_FORMAT', async () => {
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'hello');
    expect(await codeOf(openTracking(file))).toBe(TrackingCodes.URI_INVALID);
    expect(await codeOf(openTracking(pathToFileURL(file).href))).toBe(TrackingCodes.URI_INVALID);
    expect(await codeOf(openTracking(`sqlite:///${file}`))).toBe(TrackingCodes.STORE_FORMAT);
  });

  it('a store in the 0.1 JSON layout is refused with TRACKING_STORE_FORMAT, and left untouched', async () => {
    const dir = join(root, 'legacy');
    mkdirSync(join(dir, 'experiments'), { recursive: true });
    writeFileSync(join(dir, 'experiments', '1.json'), '{"experimentId":"1","name":"fraudops"}');
    expect(await codeOf(openTracking(dir))).toBe(TrackingCodes.STORE_FORMAT);
    expect(await codeOf(openTracking(join(dir, 'experiments', '1.json')))).toBe(TrackingCodes.URI_INVALID);
  });

  it('an artifact root from FRAUDOPS_ARTIFACT_ROOT applies to new experiments', async () => {
    const dir = join(root, 'elsewhere');
    const artifacts = pathToFileURL(join(root, 'shared-artifacts')).href;
    const t = await openTracking(dir, { env: { FRAUDOPS_ARTIFACT_ROOT: artifacts } });
    const exp = await t.runs.getOrCreateExperiment('e');
    expect(exp.artifactLocation).toBe(`${artifacts}/${exp.experimentId}`);
    await t.close();
  });
});
