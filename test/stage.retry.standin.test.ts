/**
 * The stage context's retry policy, against a stand-in MLflow server (a real MLflow does not fail on purpose):
 * it answers 503 to the first calls of each endpoint, then as MLflow does. Through the context, a read and an
 * idempotent write (setting an alias) succeed after the transient failures; a call that must not be repeated
 * (a new model version) is sent once and its failure reported; without the context nothing is retried.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStageContext } from '../src/stage/StageContext.js';
import { openTracking } from '../src/tracking/openTracking.js';
import { TrackingCodes } from '../src/tracking/TrackingError.js';

let server: Server;
let url: string;
/** Requests per endpoint, and how many of the next ones to answer 503. */
const seen = new Map<string, number>();
let failNext = new Map<string, number>();

const VERSION = { name: 'm', version: '3', source: 'runs:/abc/model', run_id: 'abc', status: 'READY', aliases: ['champion'], creation_timestamp: 1 };

function answer(req: IncomingMessage, res: ServerResponse): void {
  const endpoint = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
  seen.set(endpoint, (seen.get(endpoint) ?? 0) + 1);
  const failures = failNext.get(endpoint) ?? 0;
  req.resume();
  req.on('end', () => {
    if (failures > 0) {
      failNext.set(endpoint, failures - 1);
      res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      return;
    }
    const body: Record<string, unknown> = {
      'POST /api/2.0/mlflow/experiments/search': { experiments: [] },
      'GET /api/2.0/mlflow/registered-models/alias': { model_version: VERSION },
      'POST /api/2.0/mlflow/registered-models/alias': {},
      'POST /api/2.0/mlflow/model-versions/create': { model_version: VERSION },
    };
    if (!(endpoint in body)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: endpoint }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body[endpoint]));
  });
}

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function reset(failures: Record<string, number>): void {
  seen.clear();
  failNext = new Map(Object.entries(failures));
}

describe('stage context > retry policy (stand-in MLflow answering 503)', () => {
  const fast = { retries: 3, minDelayMs: 1, maxDelayMs: 5 };

  it('retries reads and idempotent writes marked retriable through the context, and only those', async () => {
    const ctx = createStageContext({ retryPolicy: fast });
    try {
      const tracking = await ctx.tracking(url);
      expect(await ctx.tracking(url)).toBe(tracking); // opened once per context

      reset({ 'GET /api/2.0/mlflow/registered-models/alias': 2 });
      expect((await tracking.registry.getModelVersionByAlias('m', 'champion')).version).toBe('3');
      expect(seen.get('GET /api/2.0/mlflow/registered-models/alias')).toBe(3);

      reset({ 'POST /api/2.0/mlflow/registered-models/alias': 1 });
      await tracking.registry.setAlias('m', 'champion', '3');
      expect(seen.get('POST /api/2.0/mlflow/registered-models/alias')).toBe(2);

      // A new version is not repeated: a 503 may come after the server created it.
      reset({ 'POST /api/2.0/mlflow/model-versions/create': 1 });
      const e = await tracking.registry.createModelVersion({ name: 'm', runId: 'abc', source: 'runs:/abc/model' }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: TrackingCodes.UNAVAILABLE, retriable: true });
      expect(seen.get('POST /api/2.0/mlflow/model-versions/create')).toBe(1);

      // Past the policy's retries the transient error is reported as it is.
      reset({ 'GET /api/2.0/mlflow/registered-models/alias': 10 });
      const gaveUp = await tracking.registry.getModelVersionByAlias('m', 'champion').catch((x: unknown) => x);
      expect(gaveUp).toMatchObject({ code: TrackingCodes.UNAVAILABLE });
      expect(seen.get('GET /api/2.0/mlflow/registered-models/alias')).toBe(1 + fast.retries);
    } finally {
      await ctx.close();
    }
  });

  it('does not retry without a context', async () => {
    const tracking = await openTracking(url);
    try {
      reset({ 'GET /api/2.0/mlflow/registered-models/alias': 1 });
      const e = await tracking.registry.getModelVersionByAlias('m', 'champion').catch((x: unknown) => x);
      expect(e).toMatchObject({ code: TrackingCodes.UNAVAILABLE });
      expect(seen.get('GET /api/2.0/mlflow/registered-models/alias')).toBe(1);
    } finally {
      await tracking.close();
    }
  });
});
