/** /healthz, /readyz and /metrics of a long-running process, on loopback or the pod's address. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { FraudopsError } from '../errors.js';

export interface Probe {
  ok: boolean;
  [key: string]: unknown;
}

export async function startHttp(port: number, host: string, registry: Registry, health: () => Probe, readiness: () => Probe): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const p = path === '/healthz' ? health() : readiness();
      res.writeHead(p.ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(p)}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics, /healthz or /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new FraudopsError('HTTP_PORT_IN_USE', `--http-port ${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`, { context: { field: 'http-port' } })),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}
