import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedTracker } from './EmbeddedTracker.js';
import { DEFAULT_EMBEDDED_DIR, openTracker } from './openTracker.js';
import { TrackingCodes, TrackingError } from './TrackingError.js';

async function failure(p: Promise<unknown>): Promise<TrackingError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(TrackingError);
  return e as TrackingError;
}

describe('tracking > openTracker', () => {
  let dir: string;
  const savedEnv = process.env.MLFLOW_TRACKING_URI;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fraudops-open-'));
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.MLFLOW_TRACKING_URI;
    else process.env.MLFLOW_TRACKING_URI = savedEnv;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('defaults to the embedded store under the working directory', async () => {
    delete process.env.MLFLOW_TRACKING_URI;
    const t = await openTracker(undefined, { cwd: dir });
    expect(t).toBeInstanceOf(EmbeddedTracker);
    expect(t.uri).toBe(pathToFileURL(join(dir, DEFAULT_EMBEDDED_DIR)).href);
    expect((await openTracker('embedded', { cwd: dir })).uri).toBe(t.uri);
  });

  it('honours MLFLOW_TRACKING_URI, file:// URLs and plain paths', async () => {
    process.env.MLFLOW_TRACKING_URI = join(dir, 'from-env');
    expect((await openTracker()).uri).toBe(pathToFileURL(join(dir, 'from-env')).href);
    expect((await openTracker(pathToFileURL(join(dir, 'url')).href)).uri).toBe(pathToFileURL(join(dir, 'url')).href);
    expect((await openTracker('./rel', { cwd: dir })).uri).toBe(pathToFileURL(join(dir, 'rel')).href);
  });

  it('an unknown scheme or malformed URI is TRACKING_URI_INVALID', async () => {
    for (const uri of ['ftp://example/mlruns', 'sqlite:///mlflow.db', 'databricks', 'http://', 'file://remote-host/x']) {
      const e = await failure(openTracker(uri === 'databricks' ? 'databricks://profile' : uri));
      expect(e.code).toBe(TrackingCodes.URI_INVALID);
      expect(e.retriable).toBe(false);
    }
  });

  it('an unreachable server is TRACKING_UNAVAILABLE, retriable, with the URI in context', async () => {
    // A loopback port that was just free: the connection is refused at once.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const uri = `http://127.0.0.1:${port}`;
    const e = await failure(openTracker(uri, { timeoutMs: 5000 }));
    expect(e.code).toBe(TrackingCodes.UNAVAILABLE);
    expect(e.retriable).toBe(true);
    expect(e.context).toMatchObject({ uri, reason: 'ECONNREFUSED' });
  });
});
