/**
 * One tracking backend's three parts, opened together from one URI: the RunTracker, the ModelRegistry, and the
 * factory of ArtifactRepositories for the artifact roots its runs and logged models hand out. The CLI (and the
 * stage context) holds one of these per process.
 */
import type { ArtifactRepository } from './ArtifactRepository.js';
import type { ModelRegistry } from './ModelRegistry.js';
import type { RunTracker } from './RunTracker.js';

export interface Tracking {
  /** The tracking URI (`http://...`, `sqlite:///...`). */
  readonly uri: string;
  readonly runs: RunTracker;
  readonly registry: ModelRegistry;
  /** The repository for one artifact root (a run's `artifactUri`, a logged model's `artifactLocation`). */
  artifacts(rootUri: string): Promise<ArtifactRepository>;
  close(): Promise<void>;
}
