/**
 * Artifacts through an MLflow server's artifact proxy (`api/2.0/mlflow-artifacts/artifacts/...`), for runs whose
 * artifact URI is `mlflow-artifacts:/...`: the server holds the object-store credentials, the client needs none.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ArtifactInfo, ArtifactRepository, ArtifactSource } from './ArtifactRepository.js';
import type { MlflowHttp } from './MlflowHttp.js';
import { TrackingCodes, TrackingError, invalid, notFound } from './TrackingError.js';
import { artifactPath } from './argumentChecks.js';

export class MlflowProxyArtifactRepository implements ArtifactRepository {
  private readonly base: string;

  constructor(readonly uri: string, private readonly http: MlflowHttp) {
    const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(uri);
    if (!m) throw invalid(`${uri} is not an mlflow-artifacts: URI`, { uri });
    this.base = m[1].replace(/\/+$/, '');
  }

  private urlPath(path: string): string {
    return [this.base, path].filter(Boolean).join('/').split('/').map(encodeURIComponent).join('/');
  }

  async logArtifact(source: ArtifactSource, path: string): Promise<void> {
    const p = artifactPath(path, false);
    if (typeof source !== 'string') {
      if (!(source instanceof Uint8Array)) throw invalid('artifact source must be bytes or a local path', { field: 'source' });
      await this.put(p, source);
      return;
    }
    const st = await stat(source).catch(() => undefined);
    if (!st) throw notFound('local artifact file', { file: source });
    if (st.isFile()) {
      await this.put(p, { file: source, size: st.size });
      return;
    }
    for (const rel of await walkFiles(source)) {
      const file = join(source, ...rel.split('/'));
      await this.put(`${p}/${rel}`, { file, size: (await stat(file)).size });
    }
  }

  private async put(path: string, body: Uint8Array | { file: string; size: number }): Promise<void> {
    const isFile = !(body instanceof Uint8Array);
    const payload = isFile ? (Readable.toWeb(createReadStream(body.file)) as ReadableStream) : body;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (isFile) headers['content-length'] = String(body.size);
    const res = await this.http.request('PUT', `api/2.0/mlflow-artifacts/artifacts/${this.urlPath(path)}`, {
      body: payload as RequestInit['body'],
      headers,
      timeoutMs: this.http.artifactTimeoutMs,
    });
    await res.arrayBuffer();
  }

  async listArtifacts(path?: string): Promise<ArtifactInfo[]> {
    const p = artifactPath(path, true);
    const query = new URLSearchParams({ path: [this.base, p].filter(Boolean).join('/') });
    const body = await this.http.requestJson<{ files?: { path: string; is_dir?: boolean; file_size?: number | string }[] }>(
      'GET',
      `api/2.0/mlflow-artifacts/artifacts?${query.toString()}`,
    );
    return (body.files ?? [])
      .map((f) => ({ path: p ? `${p}/${f.path}` : f.path, isDir: Boolean(f.is_dir), ...(f.is_dir ? {} : { size: Number(f.file_size ?? 0) }) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async downloadArtifact(path: string): Promise<Buffer> {
    const p = artifactPath(path, false);
    try {
      const res = await this.http.request('GET', `api/2.0/mlflow-artifacts/artifacts/${this.urlPath(p)}`, { timeoutMs: this.http.artifactTimeoutMs });
      return Buffer.from(await res.arrayBuffer());
    } catch (e) {
      // The proxy reports a missing object as a server error from the object store; ask the listing instead.
      if (e instanceof TrackingError && e.code !== TrackingCodes.UNAVAILABLE && !(await this.exists(p))) {
        throw notFound(`artifact ${p}`, { uri: this.uri, path: p });
      }
      throw e;
    }
  }

  private async exists(path: string): Promise<boolean> {
    const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    const items = await this.listArtifacts(parent).catch(() => []);
    return items.some((i) => i.path === path && !i.isDir);
  }

  async close(): Promise<void> {}
}

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
