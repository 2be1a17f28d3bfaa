/** The ArtifactRepository of one run, found through its artifact URI. */
import type { ArtifactRepository } from './ArtifactRepository.js';
import type { Tracking } from './Tracking.js';

/** Opens the repository holding `runId`'s artifacts; close it when done. */
export async function openRunArtifacts(tracking: Tracking, runId: string): Promise<ArtifactRepository> {
  const run = await tracking.runs.getRun(runId);
  return tracking.artifacts(run.info.artifactUri);
}

/** Downloads one artifact of a run. */
export async function downloadRunArtifact(tracking: Tracking, runId: string, path: string): Promise<Buffer> {
  const repo = await openRunArtifacts(tracking, runId);
  try {
    return await repo.downloadArtifact(path);
  } finally {
    await repo.close();
  }
}

/** Logs one artifact to a run. */
export async function logRunArtifact(tracking: Tracking, runId: string, source: string | Uint8Array, path: string): Promise<void> {
  const repo = await openRunArtifacts(tracking, runId);
  try {
    await repo.logArtifact(source, path);
  } finally {
    await repo.close();
  }
}
