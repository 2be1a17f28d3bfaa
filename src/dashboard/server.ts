/**
 * The dashboard's HTTP surface: one fastify app that renders every page on the server from what the lake and
 * the tracker hold. It owns no state of its own; the lake store and the tracker are opened once and shared by
 * all requests (fastify `decorate`), and closed with the app. Read-only: nothing here writes to the lake or the
 * tracker. `inject()` drives it in tests without a port.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FraudopsError, isFraudopsError } from '../errors.js';
import { DEFAULT_REGISTERED_MODEL } from '../models/conventions.js';
import { QUARANTINE_REASONS } from '../quality.js';
import { holdStore, holdTracking, type Held, type StageContext } from '../stage/StageContext.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import type { Tracking } from '../tracking/Tracking.js';
import { TOKEN_COOKIE, accessPolicy, presentedToken, type AccessPolicy } from './access.js';
import { html, type Html } from './html.js';
import { page, type NavItem } from './layout.js';
import { compareBody, modelsBody } from './pages/modelsPage.js';
import { qualityBody, quarantineBody } from './pages/qualityPage.js';
import { homeBody } from './pages/homePage.js';
import { CHAMPION, readEvidence, readFeatureImportance, readRegistry } from './readers/modelsReader.js';
import { readQuality, readQuarantine } from './readers/qualityReader.js';
import { liveFields, streamBody } from './pages/streamPage.js';
import { runBody, runHref, runsListBody } from './pages/runsPage.js';
import { readRun, readRuns } from './readers/runsReader.js';
import { RunActions } from './RunActions.js';
import { DEFAULT_SCHEMA } from '../pipeline/engine/PipelineEngine.js';
import { describeRunsLocation, pipelineDatabaseExists, type RunsLocation } from '../pipeline/runs.js';
import { readThroughputHistory, type ThroughputHistory } from './readers/streamHistory.js';
import { StreamWatcher } from './readers/streamWatcher.js';
import type { ServerResponse } from 'node:http';

export interface DashboardOptions {
  /** Where the server will listen; decides whether a token is required. */
  host: string;
  token?: string;
  /** Lake URI for the Data quality page; without it the page says how to give one. */
  lake?: string;
  /** Tracking URI (MLflow server or embedded store); default as `openTracking`. An embedded store must exist. */
  tracking?: string;
  registeredModel?: string;
  /** The /metrics URLs of the `fraudops stream` replicas the Stream page follows live. */
  streamMetrics?: string[];
  /** Where the pipeline keeps its runs (as `fraudops runs --db --schema`); default the embedded database. */
  runs?: RunsLocation;
}

interface Sources {
  lake?: ObjectStore;
  /** Undefined when no tracking URI was given and the default embedded store does not exist. */
  tracking?: Tracking;
  registeredModel: string;
  runs: RunsLocation;
}

const NAV: NavItem[] = [
  { href: '/', label: 'Overview' },
  { href: '/runs', label: 'Runs' },
  { href: '/quality', label: 'Data quality' },
  { href: '/models', label: 'Models' },
  { href: '/stream', label: 'Stream' },
];

const ASSETS: Record<string, { file: () => string; type: string }> = {
  'uplot.js': { file: () => createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uplot.css': { file: () => createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: () => new URL('../../assets/dashboard/dashboard.js', import.meta.url).pathname, type: 'text/javascript; charset=utf-8' },
  'stream.js': { file: () => new URL('../../assets/dashboard/stream.js', import.meta.url).pathname, type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: () => new URL('../../assets/dashboard/dashboard.css', import.meta.url).pathname, type: 'text/css; charset=utf-8' },
};

/**
 * Builds the app (not listening). Fails with CONFIG_INVALID for a non-loopback host without a token. The lake and
 * the tracking backend come from `ctx` when given (the process's composition root, which closes them), else they
 * are opened here and closed with the app.
 */
export async function createDashboard(o: DashboardOptions, ctx?: StageContext): Promise<FastifyInstance> {
  const access = accessPolicy({ host: o.host, token: o.token });
  const held: Held<unknown>[] = [];
  let sources: Sources;
  try {
    const lake = o.lake ? await holdStore(ctx, o.lake) : undefined;
    if (lake) held.push(lake);
    const tracking = await holdTracking(ctx, o.tracking, { mustExist: true }).catch((e: unknown) => {
      // A store named on purpose must exist; the default one is simply not there yet on a runs-only machine.
      if (o.tracking === undefined && isFraudopsError(e) && e.code === 'TRACKING_STORE_MISSING') return undefined;
      throw e;
    });
    if (tracking) held.push(tracking);
    sources = { lake: lake?.value, tracking: tracking?.value, registeredModel: o.registeredModel ?? DEFAULT_REGISTERED_MODEL, runs: o.runs ?? { schema: DEFAULT_SCHEMA } };
  } catch (e) {
    for (const h of held) await h.release();
    throw e;
  }
  const assets = new Map(Object.entries(ASSETS).map(([name, a]) => [name, { body: readFileSync(a.file()), type: a.type }]));

  const watcher = o.streamMetrics && o.streamMetrics.length > 0 ? new StreamWatcher(o.streamMetrics) : undefined;
  const eventStreams = new Set<ServerResponse>();

  const app = Fastify({ logger: false });
  // Server-sent event streams never go idle: end them first, or closing would wait for the browsers.
  app.addHook('preClose', (done) => {
    watcher?.close();
    for (const res of eventStreams) res.end();
    done();
  });
  // Retries and cancels the dashboard started run on in the background; closing stops waiting for them (a run
  // resumes at its executor's next start, as after Ctrl-C of `fraudops runs retry`).
  const actions = new RunActions();
  app.addHook('onClose', async () => {
    await actions.close();
    for (const h of held) await h.release();
  });
  app.addHook('onRequest', (req, reply, done) => guard(access, req, reply, done));
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    return payload;
  });

  app.setErrorHandler((thrown, _req, reply) => {
    const err = thrown instanceof Error ? thrown : new Error(String(thrown));
    const known = isFraudopsError(err);
    const status = (known ? STATUS_OF_CODE[err.code] : undefined) ?? (err as { statusCode?: number }).statusCode ?? 500;
    const code = known ? err.code : status < 500 ? 'BAD_REQUEST' : 'DASHBOARD_ERROR';
    const message = known || status < 500 ? err.message : 'the page could not be built; see the server log';
    if (!known && status >= 500) process.stderr.write(`fraudops ui: ${err.stack ?? err.message}\n`);
    void reply.status(status).type('text/html; charset=utf-8').send(page({ title: 'Error', active: '', nav: NAV, body: html`<p role="alert"><strong>error[${code}]</strong>: ${message}</p>` }));
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).type('text/html; charset=utf-8').send(page({ title: 'Not found', active: '', nav: NAV, body: html`<p role="alert">Nothing lives at <code>${req.url}</code>.</p>` }));
  });

  const send = (reply: FastifyReply, title: string, active: string, body: Html, status = 200, scripts?: string[]) =>
    reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page({ title, active, nav: NAV, body, scripts }));

  app.get<{ Params: { name: string } }>('/assets/:name', (req, reply) => {
    const a = assets.get(req.params.name);
    if (!a) return reply.callNotFound();
    return reply.type(a.type).header('cache-control', 'public, max-age=300').send(a.body);
  });

  app.get('/healthz', () => ({ ok: true }));

  // The forms post no fields; the body is read and dropped.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, _body, done) => done(null, {}));

  app.get('/runs', async (_req, reply) => {
    const runs = pipelineDatabaseExists(sources.runs.db) ? await readRuns(sources.runs) : [];
    return send(reply, 'Pipeline runs', '/runs', runsListBody(runs, describeRunsLocation(sources.runs)));
  });

  app.get<{ Params: { id: string } }>('/runs/:id', async (req, reply) => {
    if (!pipelineDatabaseExists(sources.runs.db)) return send(reply, 'Pipeline run', '/runs', runsListBody([], describeRunsLocation(sources.runs)), 404);
    const view = await readRun(sources.runs, req.params.id);
    return send(reply, `Run ${view.run.runId}`, '/runs', runBody(view, actions.notice(view.run.runId)));
  });

  app.post<{ Params: { id: string } }>('/runs/:id/retry', async (req, reply) => {
    sameOrigin(req);
    const started = await actions.retry(sources.runs, req.params.id);
    return reply.redirect(runHref(started), 303);
  });

  app.post<{ Params: { id: string } }>('/runs/:id/cancel', async (req, reply) => {
    sameOrigin(req);
    await actions.cancel(sources.runs, req.params.id);
    return reply.redirect(runHref(req.params.id), 303);
  });

  app.get('/', async (_req, reply) => {
    const [runs, quality, registry] = await Promise.all([
      pipelineDatabaseExists(sources.runs.db) ? readRuns(sources.runs, 1) : [],
      sources.lake ? readQuality(sources.lake) : undefined,
      sources.tracking ? readRegistry(sources.tracking, sources.registeredModel) : undefined,
    ]);
    return send(reply, 'Overview', '/', homeBody({ runs, quality, registry }));
  });

  app.get('/quality', async (_req, reply) => {
    if (!sources.lake) return send(reply, 'Data quality', '/quality', noLake());
    return send(reply, 'Data quality', '/quality', qualityBody(await readQuality(sources.lake)));
  });

  app.get<{ Querystring: { file?: string; reason?: string; offset?: string } }>('/quality/quarantine', async (req, reply) => {
    if (!sources.lake) return send(reply, 'Quarantined lines', '/quality', noLake());
    const { file, reason, offset } = req.query;
    if (!file) return send(reply, 'Quarantined lines', '/quality', html`<p role="alert">Name a raw file: <code>?file=2019-08-22.txt</code>.</p>`, 400);
    const p = await readQuarantine(sources.lake, file, { reason: reason || undefined, offset: Number(offset) || 0, limit: 100 });
    return send(reply, `Quarantined lines of ${file}`, '/quality', quarantineBody(p, [...QUARANTINE_REASONS]));
  });

  app.get('/models', async (_req, reply) => {
    const tracking = sources.tracking;
    if (!tracking) return send(reply, 'Models', '/models', noTracking());
    const registry = await readRegistry(tracking, sources.registeredModel);
    const evidence = (await Promise.all([...registry.versions].reverse().map((v) => readEvidence(tracking, v)))).filter((e) => e !== undefined);
    const champion = registry.versions.find((v) => v.aliases.includes(CHAMPION));
    let importance;
    let importanceError: string | undefined;
    if (champion) {
      try {
        importance = await readFeatureImportance(tracking, champion);
        if (!importance) importanceError = `The champion's model kind (${champion.kind}) has no importance measure here.`;
      } catch (e) {
        if (!isFraudopsError(e)) throw e;
        importanceError = `The champion's model could not be read: [${e.code}] ${e.message}`;
      }
    }
    return send(reply, 'Models', '/models', modelsBody(registry, evidence, importance, importanceError));
  });

  app.get<{ Querystring: { a?: string; b?: string } }>('/models/compare', async (req, reply) => {
    if (!sources.tracking) return send(reply, 'Compare versions', '/models', noTracking());
    const registry = await readRegistry(sources.tracking, sources.registeredModel);
    const find = (v: string | undefined) => registry.versions.find((x) => x.version === v);
    const a = find(req.query.a);
    const b = find(req.query.b);
    if (!a || !b) {
      const body = html`<p role="alert">Pick two registered versions of <code>${sources.registeredModel}</code> (asked for ${req.query.a ?? '?'} and ${req.query.b ?? '?'}).</p><p><a href="/models">← Models</a></p>`;
      return send(reply, 'Compare versions', '/models', body, 404);
    }
    return send(reply, `Version ${a.version} and version ${b.version} side by side`, '/models', compareBody(a, b));
  });

  app.get('/stream', async (_req, reply) => {
    const snapshot = watcher ? await watcher.scrape() : undefined;
    let history: ThroughputHistory = { runs: [], x: [], consumed: [], produced: [] };
    let historyError: string | undefined;
    try {
      if (sources.tracking) history = await readThroughputHistory(sources.tracking.runs);
      else historyError = 'No tracking store was given (--tracking), so there is no throughput history.';
    } catch (e) {
      if (!isFraudopsError(e)) throw e;
      historyError = `The tracker could not be read: [${e.code}] ${e.message}`;
    }
    return send(reply, 'Stream', '/stream', streamBody({ snapshot, history, historyError }), 200, ['/assets/stream.js']);
  });

  app.get('/stream/events', (req, reply) => {
    if (!watcher) return reply.callNotFound();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    res.write('retry: 2000\n\n');
    eventStreams.add(res);
    const stop = watcher.watch((snapshot) => res.write(`event: snapshot\ndata: ${JSON.stringify({ snapshot, fields: liveFields(snapshot) })}\n\n`));
    req.raw.on('close', () => {
      stop();
      eventStreams.delete(res);
    });
  });

  return app;
}

/** HTTP statuses of the error codes a request can meet; anything else is a 500. */
const STATUS_OF_CODE: Record<string, number> = {
  RESOURCE_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  RUN_ACTIVE: 409,
  RUN_NOT_ACTIVE: 409,
  RETRY_IN_PROGRESS: 409,
  CROSS_ORIGIN: 403,
};

/**
 * Retry and Cancel change things, so a page of another site must not be able to post them from the user's
 * browser (the loopback bind and the SameSite cookie do not stop that): a browser's request names its origin, and
 * it must be this dashboard's.
 */
function sameOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  // Browsers say where a request comes from in Sec-Fetch-Site; the pages' no-referrer policy makes their Origin
  // "null", so Origin decides only for clients without it (a script's Origin must then name this host).
  const ok =
    site !== undefined ? site === 'same-origin' || site === 'none' : origin === undefined || (origin !== 'null' && safeHost(origin) === req.headers.host);
  if (!ok) throw new FraudopsError('CROSS_ORIGIN', 'this action is accepted only from the dashboard\'s own pages', { context: { origin: origin ?? site ?? '' } });
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function noTracking(): Html {
  return html`<p>No tracking store was given, and there is none in the default place. Start the dashboard with <code>fraudops ui --tracking &lt;dir or http://mlflow:5000&gt;</code> (or set <code>MLFLOW_TRACKING_URI</code>).</p>`;
}

function noLake(): Html {
  return html`<p>No lake was given. Start the dashboard with <code>fraudops ui --lake &lt;dir or s3://bucket/prefix&gt;</code> (or set <code>FRAUDOPS_LAKE</code>).</p>`;
}

/** Token (when required) and Host checks, before any route runs. */
function guard(access: AccessPolicy, req: FastifyRequest, reply: FastifyReply, done: () => void): void {
  if (!access.hostAllowed(req.headers.host)) {
    void reply.status(421).type('text/plain; charset=utf-8').send('This dashboard answers only to a loopback host name (127.0.0.1, localhost, [::1]).\n');
    return;
  }
  if (!access.requireToken) return done();
  const query = (req.query as Record<string, unknown> | undefined)?.token;
  if (typeof query === 'string' && access.tokenMatches(query)) {
    // Opening /?token=T once sets the cookie the browser then sends with every request; the token leaves the URL.
    const clean = req.url.replace(/([?&])token=[^&]*&?/, '$1').replace(/[?&]$/, '');
    void reply
      .header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(query)}; HttpOnly; SameSite=Strict; Path=/`)
      .redirect(clean || '/', 303);
    return;
  }
  if (access.tokenMatches(presentedToken(req.headers))) return done();
  void reply
    .status(401)
    .header('www-authenticate', 'Bearer realm="fraudops"')
    .type('text/plain; charset=utf-8')
    .send('401: this dashboard needs its token: an `Authorization: Bearer <token>` header, or open /?token=<token> once in the browser.\n');
}
