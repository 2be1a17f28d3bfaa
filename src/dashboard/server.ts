/**
 * The dashboard's HTTP surface: one fastify app that renders every page on the server from what the lake and
 * the tracker hold. It owns no state of its own; the lake store and the tracker are opened once and shared by
 * all requests (fastify `decorate`), and closed with the app. Read-only: nothing here writes to the lake or the
 * tracker. `inject()` drives it in tests without a port.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { isFraudopsError } from '../errors.js';
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
}

interface Sources {
  lake?: ObjectStore;
  tracking: Tracking;
  registeredModel: string;
}

const NAV: NavItem[] = [
  { href: '/', label: 'Overview' },
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
    const tracking = await holdTracking(ctx, o.tracking, { mustExist: true });
    held.push(tracking);
    sources = { lake: lake?.value, tracking: tracking.value, registeredModel: o.registeredModel ?? DEFAULT_REGISTERED_MODEL };
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
  app.addHook('onClose', async () => {
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
    const status = known && err.code === 'RESOURCE_NOT_FOUND' ? 404 : (err as { statusCode?: number }).statusCode ?? 500;
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

  app.get('/', async (_req, reply) => {
    const [quality, registry] = await Promise.all([sources.lake ? readQuality(sources.lake) : undefined, readRegistry(sources.tracking, sources.registeredModel)]);
    return send(reply, 'Overview', '/', homeBody({ quality, registry }));
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
    const registry = await readRegistry(sources.tracking, sources.registeredModel);
    const evidence = (await Promise.all([...registry.versions].reverse().map((v) => readEvidence(sources.tracking, v)))).filter((e) => e !== undefined);
    const champion = registry.versions.find((v) => v.aliases.includes(CHAMPION));
    let importance;
    let importanceError: string | undefined;
    if (champion) {
      try {
        importance = await readFeatureImportance(sources.tracking, champion);
        if (!importance) importanceError = `The champion's model kind (${champion.kind}) has no importance measure here.`;
      } catch (e) {
        if (!isFraudopsError(e)) throw e;
        importanceError = `The champion's model could not be read: [${e.code}] ${e.message}`;
      }
    }
    return send(reply, 'Models', '/models', modelsBody(registry, evidence, importance, importanceError));
  });

  app.get<{ Querystring: { a?: string; b?: string } }>('/models/compare', async (req, reply) => {
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
      history = await readThroughputHistory(sources.tracking.runs);
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
