import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedTracker } from './EmbeddedTracker.js';
import { runTrackerContract } from './Tracker.contract.js';

const dirs: string[] = [];
async function freshStore(): Promise<EmbeddedTracker> {
  const dir = await mkdtemp(join(tmpdir(), 'fraudops-embedded-'));
  dirs.push(dir);
  return EmbeddedTracker.create(dir);
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

runTrackerContract({ name: 'embedded', newTracker: freshStore });

describe('tracking > embedded > store', () => {
  it('concurrent getOrCreate of one name yields one experiment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fraudops-embedded-'));
    dirs.push(dir);
    // Two instances on one directory stand in for two processes.
    const [a, b] = await Promise.all([EmbeddedTracker.create(dir), EmbeddedTracker.create(dir)]);
    const got = await Promise.all([...Array(4)].map((_, i) => (i % 2 ? a : b).getOrCreateExperiment('race')));
    expect(new Set(got.map((e) => e.experimentId)).size).toBe(1);
  });

  it('concurrent tag writes in one process are not lost and leave no temp files', async () => {
    const t = await freshStore();
    const exp = await t.getOrCreateExperiment('tags');
    const { runId } = await t.createRun({ experimentId: exp.experimentId });
    await Promise.all([...Array(20)].map((_, i) => t.setTag(runId, `k${i}`, String(i))));
    const tags = (await t.getRun(runId)).data.tags;
    expect([...Array(20)].every((_, i) => tags[`k${i}`] === String(i))).toBe(true);
    const files = await readdir(join(t.root, 'runs', runId));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reopening the directory sees the same data', async () => {
    const t = await freshStore();
    const exp = await t.getOrCreateExperiment('persist');
    const { runId } = await t.createRun({ experimentId: exp.experimentId, runName: 'p' });
    await t.logMetric(runId, 'auc', 0.8);
    const again = await EmbeddedTracker.create(t.root);
    expect((await again.getRun(runId)).data.metrics.auc).toBe(0.8);
    expect((await again.getOrCreateExperiment('persist')).experimentId).toBe(exp.experimentId);
  });
});
