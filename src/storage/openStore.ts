/**
 * Opens an ObjectStore from a URI. One registry maps each URI scheme to a backend factory, so callers never pick
 * a class themselves and a new backend is one `register` call. Backends load lazily: opening a local store does
 * not pull in the AWS SDK.
 */
import { ConfigError } from '../errors.js';
import type { ObjectStore } from './ObjectStore.js';
import type { S3StoreOptions } from './s3Config.js';
import { parseStoreUri, type StoreLocation } from './uri.js';

export interface OpenStoreOptions {
  /** Base for relative local paths. Default: process.cwd(). */
  cwd?: string;
  /** S3 connection overrides; unset fields come from the environment (see s3Config.ts). */
  s3?: S3StoreOptions;
  /** Environment to read settings from. Default: process.env. */
  env?: Record<string, string | undefined>;
}

export type StoreFactory = (location: StoreLocation, options: OpenStoreOptions) => Promise<ObjectStore>;

export class StoreRegistry {
  private readonly factories = new Map<string, StoreFactory>();

  register(scheme: string, factory: StoreFactory): void {
    this.factories.set(scheme, factory);
  }

  async open(uri: string, options: OpenStoreOptions = {}): Promise<ObjectStore> {
    const location = parseStoreUri(uri, options.cwd);
    const factory = this.factories.get(location.scheme);
    if (!factory) {
      throw new ConfigError(`no store backend registered for ${location.scheme}:// (${uri})`, { context: { uri } });
    }
    return factory(location, options);
  }
}

export const storeRegistry = new StoreRegistry();

storeRegistry.register('file', async (location) => {
  if (location.scheme !== 'file') throw new Error('unreachable');
  const { LocalStore } = await import('./LocalStore.js');
  return LocalStore.create(location.path);
});

storeRegistry.register('s3', async (location, options) => {
  if (location.scheme !== 's3') throw new Error('unreachable');
  const { S3Store } = await import('./S3Store.js');
  return S3Store.create(location, options.s3, options.env);
});

/**
 * @example
 * const store = await openStore(process.env.FRAUDOPS_LAKE ?? './.data/lake');
 * try { console.log(await store.list('raw/')); } finally { await store.close(); }
 */
export function openStore(uri: string, options: OpenStoreOptions = {}): Promise<ObjectStore> {
  return storeRegistry.open(uri, options);
}
