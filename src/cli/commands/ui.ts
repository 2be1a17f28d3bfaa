/** `fraudops ui`: serves the operations dashboard until interrupted. */
import type { Command } from '../command.js';
import { ConfigError } from '../../errors.js';
import { STORE_SCHEMES, TRACKING_SCHEMES } from '../../config/schemes.js';
import { engineFlags, executorFlags, runsLocation } from './pipelineFlags.js';

export const uiCommand: Command = {
  name: 'ui',
  summary: 'serve the operations dashboard: pipeline runs, data quality, models and their validation evidence, the live stream',
  usage: 'fraudops ui [--lake <uri>] [--tracking <uri>] [--db <postgresql://…|dir>] [--stream-metrics <url,...>] [--port 8080] [--host 127.0.0.1] [--token <token>] [--json]',
  description:
    'Server-rendered pages read the pipeline\'s runs (--db, as `fraudops runs`), the lake, the tracker and the scorers\' /metrics. Nothing is written, ' +
    'except by the Retry and Cancel buttons of a run, which do what `fraudops runs retry|cancel` do. --json prints {url, tokenRequired} once listening. It listens on loopback by default; any other address needs a token (--token or FRAUDOPS_UI_TOKEN) that every request must carry: `Authorization: Bearer <token>`, or open /?token=<token> once in a browser.',
  examples: [
    'fraudops ui --lake ./fraudops-demo/lake --tracking ./fraudops-demo/mlruns --db ./fraudops-demo/pipeline   (the demo prints this line)',
    'fraudops ui --db postgresql://fraudops:secret@127.0.0.1:5432/fraudops --lake s3://my-lake/v1 --tracking http://127.0.0.1:5050',
    'fraudops ui --lake ./lake --stream-metrics http://127.0.0.1:9464/metrics,http://127.0.0.1:9465/metrics',
    'MLFLOW_TRACKING_URI=http://127.0.0.1:5050 fraudops ui --lake s3://my-lake/v1 --port 9000',
    'FRAUDOPS_UI_TOKEN=$(openssl rand -hex 16) fraudops ui --host 0.0.0.0 --lake ./lake',
  ],
  flags: {
    lake: { type: 'uri', description: 'lake URI (directory or s3://bucket/prefix) for the Data quality page', env: 'FRAUDOPS_LAKE', configKey: 'lake', placeholder: '<uri>', schemes: STORE_SCHEMES },
    tracking: { type: 'uri', description: 'tracking URI (an MLflow server, or the directory of an embedded store, which must exist)', env: 'MLFLOW_TRACKING_URI', configKey: 'tracking', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
    'registered-model': { type: 'string', description: 'registered model name', default: 'fraudops-fraud', configKey: 'registeredModel' },
    'stream-metrics': {
      type: 'string',
      description: 'the /metrics URL of each `fraudops stream` replica the Stream page follows, comma-separated',
      env: 'FRAUDOPS_STREAM_METRICS',
      configKey: 'ui.streamMetrics',
      placeholder: '<url,...>',
    },
    port: { type: 'integer', description: 'TCP port (0 picks a free one)', default: 8080, min: 0, max: 65535, env: 'FRAUDOPS_UI_PORT', configKey: 'ui.port' },
    host: { type: 'string', description: 'address to listen on; anything but loopback needs --token', default: '127.0.0.1', env: 'FRAUDOPS_UI_HOST', configKey: 'ui.host', placeholder: '<addr>' },
    token: { type: 'string', description: 'token every request must carry (required off loopback)', env: 'FRAUDOPS_UI_TOKEN', placeholder: '<token>' },
    ...engineFlags,
    ...executorFlags,
  },
  async run(flags, io) {
    const port = Number(flags.port);
    const { createDashboard } = await import('../../dashboard/server.js');
    const host = String(flags.host);
    const app = await createDashboard({
      host,
      token: flags.token as string | undefined,
      lake: flags.lake as string | undefined,
      tracking: flags.tracking as string | undefined,
      registeredModel: String(flags['registered-model']),
      streamMetrics: typeof flags['stream-metrics'] === 'string' ? parseUrls(String(flags['stream-metrics'])) : undefined,
      runs: runsLocation(flags),
    }, io.ctx);
    try {
      try {
        await app.listen({ host, port });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
          throw new ConfigError(`fraudops ui: cannot listen on ${host}:${port} (${code}); pick another --port or --host`, { context: { field: 'port' }, cause: e });
        }
        throw e;
      }
      const addr = app.server.address();
      const actualPort = typeof addr === 'object' && addr ? addr.port : port;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}/`;
      if (io.json) io.out(JSON.stringify({ url, tokenRequired: Boolean(flags.token) }));
      else io.out(`fraudops ui: serving ${url}${flags.token ? ' (open it once with ?token=<token>, or send Authorization: Bearer <token>)' : ''}; Ctrl-C stops`);
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await app.close();
    }
    return 0;
  },
};

function parseUrls(text: string): string[] {
  return text
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean)
    .map((u) => {
      let url: URL;
      try {
        url = new URL(u);
      } catch {
        throw new ConfigError(`--stream-metrics: "${u}" is not a URL (expected e.g. http://127.0.0.1:9464/metrics)`, { context: { field: 'stream-metrics' } });
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--stream-metrics: "${u}" is not an http(s) URL`, { context: { field: 'stream-metrics' } });
      return url.href;
    });
}
