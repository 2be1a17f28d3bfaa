/**
 * One object with the run, registry and per-run artifact calls the stage tests read results through, built on
 * a Tracking's three parts (runs, registry, artifacts by run), so a test reads a run's files by run id.
 */
import type { Tracking } from '../../src/tracking/Tracking.js';
import { openTracking } from '../../src/tracking/openTracking.js';
import { downloadRunArtifact, logRunArtifact, openRunArtifacts } from '../../src/tracking/runArtifacts.js';

export async function openRunView(uri: string) {
  return runView(await openTracking(uri));
}

export function runView(t: Tracking) {
  const { runs, registry } = t;
  return {
    tracking: t,
    uri: t.uri,
    getRun: runs.getRun.bind(runs),
    getExperimentByName: runs.getExperimentByName.bind(runs),
    getOrCreateExperiment: runs.getOrCreateExperiment.bind(runs),
    createRun: runs.createRun.bind(runs),
    endRun: runs.endRun.bind(runs),
    setTag: runs.setTag.bind(runs),
    searchRuns: runs.searchRuns.bind(runs),
    getMetricHistory: runs.getMetricHistory.bind(runs),
    getLoggedModel: runs.getLoggedModel.bind(runs),
    getRegisteredModel: registry.getRegisteredModel.bind(registry),
    createRegisteredModel: registry.createRegisteredModel.bind(registry),
    getModelVersion: registry.getModelVersion.bind(registry),
    getModelVersionByAlias: registry.getModelVersionByAlias.bind(registry),
    setAlias: registry.setAlias.bind(registry),
    searchModelVersions: registry.searchModelVersions.bind(registry),
    downloadArtifact: (runId: string, path: string) => downloadRunArtifact(t, runId, path),
    logArtifact: (runId: string, source: string | Uint8Array, path: string) => logRunArtifact(t, runId, source, path),
    listArtifacts: async (runId: string, path?: string) => {
      const repo = await openRunArtifacts(t, runId);
      try {
        return await repo.listArtifacts(path);
      } finally {
        await repo.close();
      }
    },
    /** Registers the model files under `artifactPath` of the run's artifacts as a new version. */
    createModelVersion: async (o: { name: string; runId: string; artifactPath: string; tags?: Record<string, string> }) => {
      const run = await runs.getRun(o.runId);
      return registry.createModelVersion({ name: o.name, runId: o.runId, source: `${run.info.artifactUri}/${o.artifactPath}`, tags: o.tags });
    },
    close: () => t.close(),
  };
}

export type RunView = ReturnType<typeof runView>;
