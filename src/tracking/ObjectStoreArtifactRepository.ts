/**
 * Artifacts on an ObjectStore: the root URI (`s3://bucket/prefix/...` or `file:///dir/...`) is the store root, each
 * artifact path a key. This is what lets the embedded store keep artifacts in an S3 bucket, and the MLflow
 * backend write straight to S3 when the server hands out `s3://` artifact URIs instead of proxying.
 * The layout is MLflow's own (`<root>/<path>`), so MLflow's clients read the same files.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isFraudopsError } from '../errors.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import type { ArtifactInfo, ArtifactRepository, ArtifactSource } from './ArtifactRepository.js';
import { invalid, notFound } from './TrackingError.js';
import { artifactPath } from './argumentChecks.js';

export class ObjectStoreArtifactRepository implements ArtifactRepository {
  constructor(private readonly store: ObjectStore) {}

  get uri(): string {
    return this.store.uri;
  }

  async logArtifact(source: ArtifactSource, path: string): Promise<void> {
    const key = artifactPath(path, false);
    if (typeof source !== 'string') {
      if (!(source instanceof Uint8Array)) throw invalid('artifact source must be bytes or a local path', { field: 'source' });
      await this.store.write(key, Buffer.from(source.buffer, source.byteOffset, source.byteLength));
      return;
    }
    const st = await stat(source).catch(() => undefined);
    if (!st) throw notFound('local artifact file', { file: source });
    if (st.isFile()) {
      await this.store.writeFile(key, source);
      return;
    }
    for (const rel of await walkFiles(source)) await this.store.writeFile(`${key}/${rel}`, join(source, ...rel.split('/')));
  }

  async listArtifacts(path?: string): Promise<ArtifactInfo[]> {
    const dir = artifactPath(path, true);
    const prefix = dir === '' ? '' : `${dir}/`;
    const children = new Map<string, ArtifactInfo>();
    for (const o of await this.store.list(prefix)) {
      const rest = o.key.slice(prefix.length);
      const slash = rest.indexOf('/');
      const name = slash < 0 ? rest : rest.slice(0, slash);
      if (name === '') continue;
      const child = `${prefix}${name}`;
      children.set(child, slash < 0 ? { path: child, isDir: false, size: o.size } : { path: child, isDir: true });
    }
    return [...children.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async downloadArtifact(path: string): Promise<Buffer> {
    const key = artifactPath(path, false);
    try {
      return await this.store.readBytes(key);
    } catch (e) {
      if (isFraudopsError(e) && e.code === 'OBJECT_NOT_FOUND') throw notFound(`artifact ${key}`, { uri: this.uri, path: key });
      throw e;
    }
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** Files under `dir`, as `/`-separated paths relative to it, sorted. */
async function walkFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walkFiles(join(dir, e.name), rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}
