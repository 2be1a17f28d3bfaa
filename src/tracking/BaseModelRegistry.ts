/**
 * What every ModelRegistry backend shares: argument checks (names, version numbers, alias rules, tag limits).
 * Backends implement only the protected `do*` operations and may assume their arguments are valid.
 */
import { acquireAliasLock, type AliasLock, type AliasLockOptions } from './AliasLock.js';
import { tagList, type KeyValue } from './BaseRunTracker.js';
import type { CreateModelVersionOptions, ModelRegistry, ModelVersion, RegisteredModel } from './ModelRegistry.js';
import { invalid } from './TrackingError.js';
import * as v from './argumentChecks.js';

export interface NormalizedCreateVersion {
  name: string;
  source: string;
  runId?: string;
  tags: KeyValue[];
  description: string;
}

export abstract class BaseModelRegistry implements ModelRegistry {
  abstract readonly uri: string;

  protected abstract doCreateRegisteredModel(name: string, description: string, tags: KeyValue[]): Promise<RegisteredModel>;
  protected abstract doGetRegisteredModel(name: string): Promise<RegisteredModel>;
  protected abstract doCreateModelVersion(options: NormalizedCreateVersion): Promise<ModelVersion>;
  protected abstract doGetModelVersion(name: string, version: string): Promise<ModelVersion>;
  protected abstract doSearchModelVersions(name: string): Promise<ModelVersion[]>;
  protected abstract doSetModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void>;
  protected abstract doSetAlias(name: string, alias: string, version: string): Promise<void>;
  protected abstract doDeleteAlias(name: string, alias: string): Promise<void>;
  protected abstract doGetModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  abstract close(): Promise<void>;

  async createRegisteredModel(name: string, options: { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    return this.doCreateRegisteredModel(v.checkName('model name', name), options.description ?? '', tagList(options.tags ?? {}));
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.doGetRegisteredModel(v.checkName('model name', name));
  }

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    if (typeof options.source !== 'string' || options.source.trim() === '') throw invalid('a model version needs a source URI', { field: 'source' });
    return this.doCreateModelVersion({
      name: v.checkName('model name', options.name),
      source: options.source,
      runId: options.runId === undefined ? undefined : v.checkId('run id', options.runId),
      tags: tagList(options.tags ?? {}),
      description: options.description ?? '',
    });
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.doGetModelVersion(v.checkName('model name', name), v.modelVersion(version));
  }

  async searchModelVersions(name: string): Promise<ModelVersion[]> {
    const versions = await this.doSearchModelVersions(v.checkName('model name', name));
    return versions.sort((a, b) => Number(b.version) - Number(a.version));
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    const k = v.checkKey('tag', key);
    return this.doSetModelVersionTag(v.checkName('model name', name), v.modelVersion(version), { key: k, value: v.tagValue(k, value) });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    return this.doSetAlias(v.checkName('model name', name), v.alias(alias), v.modelVersion(version));
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    return this.doDeleteAlias(v.checkName('model name', name), v.alias(alias));
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.doGetModelVersionByAlias(v.checkName('model name', name), v.alias(alias));
  }

  async lockAliases(name: string, options: AliasLockOptions): Promise<AliasLock> {
    return acquireAliasLock(this, v.checkName('model name', name), options);
  }
}
