/**
 * A misbehaving S3 server for tests: an HTTP proxy in front of the real S3 API server (moto) that answers the
 * requests a fault matches the way broken servers and networks do — an empty 200, a body cut short, a 500, an
 * answer that never comes, a socket closed without a word — and passes every other request through unchanged
 * (the Host header and signature included, so the real server sees the client's request as sent). A stand-in,
 * because no real S3 service can be made to misbehave on cue.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind = 'empty-200' | 'truncated-body' | 'status-500' | 'slow' | 'closed-socket';

export interface Fault {
  kind: FaultKind;
  /** Which requests it hits, e.g. `{ method: 'GET', path: /\/raw\// }`; a query-string test with `query`. */
  method?: string;
  path?: RegExp;
  query?: RegExp;
  /** How many matching requests it hits before passing them through again. Default: all of them. */
  times?: number;
  /** For `slow`: how long before the answer starts. Default: never. */
  delayMs?: number;
}

export interface S3StandIn {
  url: string;
  /** Faults in force; the first that matches a request (and has hits left) applies. */
  faults: Fault[];
  /** Requests each fault hit, by its index in `faults` when it was set. */
  hits: Map<Fault, number>;
  /** Every request seen, as `METHOD path?query`. */
  log: string[];
  close(): Promise<void>;
}

export async function startS3StandIn(upstream: string): Promise<S3StandIn> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const standIn: S3StandIn = { url: '', faults: [], hits: new Map(), log: [], close: async () => undefined };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function pick(req: IncomingMessage): Fault | undefined {
    const [path, query = ''] = (req.url ?? '/').split('?');
    for (const f of standIn.faults) {
      if (f.method && f.method !== req.method) continue;
      if (f.path && !f.path.test(decodeURIComponent(path))) continue;
      if (f.query && !f.query.test(query)) continue;
      const hit = standIn.hits.get(f) ?? 0;
      if (f.times !== undefined && hit >= f.times) continue;
      standIn.hits.set(f, hit + 1);
      return f;
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    standIn.log.push(`${req.method} ${req.url}`);
    const fault = pick(req);
    switch (fault?.kind) {
      case 'closed-socket':
        req.socket.destroy();
        return;
      case 'status-500':
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>');
        return;
      case 'empty-200':
        res.writeHead(200, { 'content-length': '0' });
        res.end();
        return;
      case 'slow':
        if (fault.delayMs === undefined) return; // never answers; the client must give up on its own
        await new Promise((r) => setTimeout(r, fault.delayMs));
        break;
      default:
        break;
    }
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        if (fault?.kind === 'truncated-body') {
          const upChunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => upChunks.push(c));
          upRes.on('end', () => {
            const all = Buffer.concat(upChunks);
            // The headers promise the whole body; half of it arrives, then the connection drops.
            res.writeHead(upRes.statusCode ?? 200, { ...upRes.headers, 'content-length': String(all.length) });
            res.write(all.subarray(0, Math.floor(all.length / 2)), () => req.socket.destroy());
          });
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => req.socket.destroy());
    up.end(body);
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return standIn;
}
