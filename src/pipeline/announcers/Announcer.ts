/**
 * Tells the outside world that a model was promoted, after the pipeline's validate task decided so: for example a
 * GitHub `repository_dispatch` that starts a release. One interface; implementations are chosen by URI through
 * `openAnnouncer` (`none` by default).
 */

export interface Announcement {
  modelName: string;
  version: string;
  /** The pipeline run that produced the model (its workflow id). */
  runId: string;
  /** Hash of the pipeline definition that ran. */
  specHash: string;
  /** The validation decision code, e.g. `PROMOTED`. */
  decision: string;
}

export interface AnnounceResult {
  /** False when the announcer does nothing (`none`). */
  delivered: boolean;
  /** Where it went, for the run record (never a secret). */
  target: string;
  detail?: string;
}

export interface Announcer {
  readonly uri: string;
  announce(announcement: Announcement, signal?: AbortSignal): Promise<AnnounceResult>;
}
