/**
 * The artifact part of MLflow's three: files under one artifact root URI (a run's `artifactUri`, or a logged
 * model's location). Opened per root with `openArtifactRepository`: `s3://` and `file://` roots go straight to an
 * ObjectStore, `mlflow-artifacts:` roots through the MLflow server's proxy. Every implementation passes
 * `ArtifactRepository.contract.ts`.
 */

export interface ArtifactInfo {
  /** Path relative to the artifact root, `/`-separated. */
  path: string;
  isDir: boolean;
  /** Bytes; absent for directories. */
  size?: number;
}

/** Bytes to log as an artifact, or the path of a local file or directory to copy. */
export type ArtifactSource = string | Uint8Array;

export interface ArtifactRepository {
  /** The artifact root. */
  readonly uri: string;
  /**
   * Logs bytes or a local file as `artifactPath` (a file path under the root, e.g. `model/model.json`); a local
   * directory is copied recursively under `artifactPath`.
   */
  logArtifact(source: ArtifactSource, artifactPath: string): Promise<void>;
  /** Direct children of `path` (default: the root), sorted by path. */
  listArtifacts(path?: string): Promise<ArtifactInfo[]>;
  /** Fails with RESOURCE_NOT_FOUND when there is no such file. */
  downloadArtifact(artifactPath: string): Promise<Buffer>;
  close(): Promise<void>;
}
