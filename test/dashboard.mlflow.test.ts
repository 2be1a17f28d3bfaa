/**
 * The dashboard's Models page against the real MLflow server on PostgreSQL (services): two versions trained and
 * validated there, read back through the MLflow REST API — versions, aliases, the bootstrap distributions logged
 * as step histories, the champion's feature importance, the side-by-side — and drawn in chromium.
 * Uses its own experiment and registered model name on the shared server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard } from '../src/dashboard/server.js';
import { featureNames } from '../src/features/spec.js';
import { validate, type ValidateResult } from '../src/promotion/validate.js';
import { train } from '../src/training/train.js';
import { charts, collectErrors, launchChromium, screenshot } from './support/browser.js';
import { smallLake } from './support/handbookLake.js';

const MLFLOW_URI = (process.env.FRAUDOPS_TEST_MLFLOW_URI ?? 'http://127.0.0.1:5050').replace(/\/+$/, '');
const SUFFIX = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const MODEL = `fraudops-dashboard-${SUFFIX}`;
const EXPERIMENT = `fraudops-dashboard-${SUFFIX}`;

let dir: string;
let lake: string;
let app: FastifyInstance;
let second: ValidateResult;

beforeAll(async () => {
  try {
    await fetch(`${MLFLOW_URI}/health`, { signal: AbortSignal.timeout(5000) });
  } catch (e) {
    throw new Error(`MLflow is not reachable at ${MLFLOW_URI}: run scripts/services.sh up (postgres, s3, mlflow) first`, { cause: e });
  }
  dir = mkdtempSync(join(tmpdir(), 'dashboard-mlflow-'));
  lake = await smallLake();
  const o = { lake, folds: 1, seed: 1, tracking: MLFLOW_URI, experiment: EXPERIMENT, registeredModel: MODEL, workDir: dir };
  const first = await train({ ...o, model: 'gbdt', search: 'random', trials: 2 });
  await validate({ ...o, candidate: first.runId, bootstrap: 200 });
  const challenger = await train({ ...o, model: 'logreg' });
  second = await validate({ ...o, candidate: challenger.runId, bootstrap: 200 });
  app = await createDashboard({ host: '127.0.0.1', lake, tracking: MLFLOW_URI, registeredModel: MODEL });
}, 900_000);

afterAll(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const get = (url: string) => app.inject({ method: 'GET', url, headers: { host: '127.0.0.1' } });

describe('dashboard > mlflow', () => {
  it('lists both versions with their aliases and draws the bootstrap evidence read from MLflow', async () => {
    const res = await get('/models');
    expect(res.statusCode).toBe(200);
    const body = res.body;
    const champion = second.promoted ? '2' : '1';
    expect(body).toMatch(new RegExp(`<th scope="row">${champion}</th><td><span class="badge champion">champion</span>`));
    expect(body).toContain(`[${second.decision.code}]`);
    const dist = /<script type="application\/json" id="dist-v2">(.*?)<\/script>/.exec(body);
    expect(dist).not.toBeNull();
    const data = JSON.parse(dist![1]) as { series: { values: number[] }[] };
    expect(data.series.map((s) => s.values.reduce((a, b) => a + b, 0))).toEqual([200, 200]);
    // The champion's feature importance: one bar per model input.
    expect((body.match(/<rect /g) ?? []).length).toBe(featureNames().length);
  });

  it('compares the two versions side by side', async () => {
    const res = await get('/models/compare?a=1&b=2');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<th scope="row">model<\/th><td>gbdt<\/td><td>logreg<\/td>/);
  });

  it('draws the page in chromium without console errors', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = collectErrors(page);
      await page.goto(`http://127.0.0.1:${port}/models`);
      const drawn = await charts(page);
      expect(drawn.filter((c) => c.kind === 'histogram' && c.inked && c.points > 0).length).toBe(2);
      await screenshot(page, 'models-mlflow');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
