/**
 * The model-registry part of MLflow's three: registered models, their numbered versions, aliases that point at
 * one version each (`champion`), and version tags (evidence). Every backend passes `ModelRegistry.contract.ts`.
 */

export interface RegisteredModel {
  name: string;
  description: string;
  tags: Record<string, string>;
  /** alias -> version */
  aliases: Record<string, string>;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
}

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface ModelVersion {
  name: string;
  /** Decimal string: "1", "2"... */
  version: string;
  /** Where the version's files are: a run's artifact path or a logged model's location. */
  source: string;
  runId?: string;
  status: ModelVersionStatus;
  description: string;
  tags: Record<string, string>;
  aliases: string[];
  creationTimestamp: number;
}

export interface CreateModelVersionOptions {
  name: string;
  /** URI of the version's files, e.g. `<run artifactUri>/model`. */
  source: string;
  /** The run that produced it. */
  runId?: string;
  tags?: Record<string, string>;
  description?: string;
}

export interface ModelRegistry {
  readonly uri: string;
  createRegisteredModel(name: string, options?: { description?: string; tags?: Record<string, string> }): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  /** Every version of `name`, newest first. */
  searchModelVersions(name: string): Promise<ModelVersion[]>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  /** Points `alias` at `version`, moving it off whichever version held it. */
  setAlias(name: string, alias: string, version: string): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  /** Fails with RESOURCE_NOT_FOUND when the alias is not set. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  /**
   * Waits until this process alone may move `name`'s aliases (across processes and hosts; see AliasLock.ts). Read
   * the aliases again once it is held, call `assertHeld()` right before moving one, and `release()` in a finally.
   * Fails with PROMOTION_BUSY when earlier holders keep it past `waitMs`.
   */
  lockAliases(name: string, options: AliasLockOptions): Promise<AliasLock>;
  close(): Promise<void>;
}

export interface AliasLockOptions {
  /** The run the ticket is registered against (MLflow wants a version's run to exist): the run doing the move. */
  runId: string;
  /** The ticket version's source: a location of that run's artifacts. */
  source: string;
  /** How long a hold lasts without renewal; default 2 min. */
  ttlMs?: number;
  /** How long to wait for earlier holders before failing with PROMOTION_BUSY; default 5 min. */
  waitMs?: number;
  signal?: AbortSignal;
}

/** One holder's turn on a registered model's aliases. Release it in a `finally`. */
export interface AliasLock {
  /** The registered model whose aliases this guards. */
  readonly name: string;
  readonly ticket: number;
  /**
   * The fencing check right before an alias moves: throws PROMOTION_BUSY when this hold has run out or is about to
   * (within ttl/3), i.e. the process stalled and a later holder may already treat it as abandoned.
   */
  assertHeld(): void;
  release(): Promise<void>;
}
