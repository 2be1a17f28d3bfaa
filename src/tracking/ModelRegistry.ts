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
  close(): Promise<void>;
}
