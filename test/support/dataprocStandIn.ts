/**
 * A local stand-in for the Yandex Cloud APIs the Data Proc provider calls (the cloud cannot be reached from here):
 * the IAM tokens endpoint (verifies the PS256 JWT against the service account's public key, issues tokens that
 * expire), Data Proc clusters (list by name, get, create, delete) and long-running operations that finish after a
 * few polls, with the documented shapes and gRPC error codes. Tests can inject an API error for the next call.
 */
import { createPublicKey, generateKeyPairSync, verify, constants, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IAM_TOKENS_URL, type AuthorizedKey } from '../../src/pipeline/cluster/yandex/IamTokenSource.js';

let sharedKey: KeyObject | undefined;

interface StandInCluster {
  id: string;
  name: string;
  folderId: string;
  status: string;
  spec: Record<string, unknown>;
}

interface StandInOperation {
  id: string;
  polls: number;
  createdAt: number;
  done: boolean;
  metadata: Record<string, unknown>;
  finish: () => Record<string, unknown> | undefined;
  response?: Record<string, unknown>;
}

export interface StandInOptions {
  /** Lifetime of issued IAM tokens. */
  tokenTtlMs?: number;
  /** GETs of an operation before it is done. */
  pollsToFinish?: number;
  /** An operation also finishes on its own after this long, polled or not, as in the cloud. */
  finishAfterMs?: number;
}

export class DataprocStandIn {
  readonly key: AuthorizedKey;
  readonly clusters = new Map<string, StandInCluster>();
  readonly operations = new Map<string, StandInOperation>();
  readonly tokens = new Map<string, number>();
  readonly requests: { method: string; path: string; body?: unknown; token?: string }[] = [];
  tokenExchanges = 0;
  rejectedExpired = 0;
  private nextError?: { match: string; status: number; body: Record<string, unknown> };
  private seq = 0;
  private server!: Server;
  url = '';

  constructor(private readonly o: StandInOptions = {}) {
    // One key per process: RSA generation is slow, and each stand-in only needs a key the test does not know.
    sharedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const privateKey = sharedKey;
    this.key = {
      id: 'ajestandinkey0000001',
      service_account_id: 'ajestandinsa00000001',
      private_key: `PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajestandinkey0000001>\n${privateKey.export({ type: 'pkcs8', format: 'pem' })}`,
    };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** The next request whose "METHOD path" contains `match` fails with this status and body. */
  failNext(match: string, status: number, body: Record<string, unknown>): void {
    this.nextError = { match, status, body };
  }

  /** Revokes every issued token (the next authenticated call gets 401). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  private id(prefix: string): string {
    return `${prefix}${String(++this.seq).padStart(17, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? JSON.parse(text) : undefined;
    const url = new URL(req.url ?? '/', this.url);
    const auth = req.headers.authorization?.replace(/^Bearer /, '');
    this.requests.push({ method: req.method ?? '', path: url.pathname, body, token: auth });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const signature = `${req.method} ${url.pathname}`;
    for (const op of this.operations.values()) {
      if (!op.done && Date.now() - op.createdAt >= (this.o.finishAfterMs ?? 300)) {
        op.done = true;
        op.response = op.finish();
      }
    }
    if (this.nextError && signature.includes(this.nextError.match)) {
      const e = this.nextError;
      this.nextError = undefined;
      return send(e.status, e.body);
    }
    if (req.method === 'POST' && url.pathname === '/iam/v1/tokens') return this.exchange(body, send);
    const expires = auth ? this.tokens.get(auth) : undefined;
    if (expires === undefined || expires <= Date.now()) {
      if (expires !== undefined) this.rejectedExpired++;
      return send(401, { code: 16, message: 'The token is invalid' });
    }
    const clusterPath = /^\/dataproc\/v1\/clusters\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && url.pathname === '/dataproc/v1/clusters') {
      const name = /name\s*=\s*"([^"]*)"/.exec(url.searchParams.get('filter') ?? '')?.[1];
      const folderId = url.searchParams.get('folderId');
      if (!folderId) return send(400, { code: 3, message: 'folderId is required' });
      return send(200, { clusters: [...this.clusters.values()].filter((c) => c.folderId === folderId && (name === undefined || c.name === name)).map(view) });
    }
    if (req.method === 'POST' && url.pathname === '/dataproc/v1/clusters') return this.create(body, send);
    if (clusterPath && req.method === 'GET') {
      const c = this.clusters.get(clusterPath[1]);
      return c ? send(200, view(c)) : send(404, { code: 5, message: `Cluster ${clusterPath[1]} not found` });
    }
    if (clusterPath && req.method === 'DELETE') {
      const c = this.clusters.get(clusterPath[1]);
      if (!c) return send(404, { code: 5, message: `Cluster ${clusterPath[1]} not found` });
      c.status = 'STOPPING';
      return send(200, this.operation({ clusterId: c.id }, () => {
        this.clusters.delete(c.id);
        return undefined;
      }));
    }
    const opPath = /^\/operations\/([^/]+)$/.exec(url.pathname);
    if (opPath && req.method === 'GET') {
      const op = this.operations.get(opPath[1]);
      if (!op) return send(404, { code: 5, message: `Operation ${opPath[1]} not found` });
      op.polls++;
      if (!op.done && op.polls >= (this.o.pollsToFinish ?? 2)) {
        op.done = true;
        op.response = op.finish();
      }
      return send(200, { id: op.id, done: op.done, metadata: op.metadata, ...(op.done && op.response ? { response: op.response } : {}) });
    }
    return send(404, { code: 12, message: `no route ${signature}` });
  }

  private exchange(body: { jwt?: string } | undefined, send: (s: number, p: unknown) => void): void {
    const parts = String(body?.jwt ?? '').split('.');
    if (parts.length !== 3) return send(400, { code: 3, message: 'jwt is required' });
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    const pub = createPublicKey(this.key.private_key.slice(this.key.private_key.indexOf('-----BEGIN')));
    const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, Buffer.from(parts[2], 'base64url'));
    const now = Math.floor(Date.now() / 1000);
    if (header.alg !== 'PS256' || header.kid !== this.key.id || !ok) return send(401, { code: 16, message: 'invalid JWT signature or key id' });
    if (payload.iss !== this.key.service_account_id || payload.aud !== IAM_TOKENS_URL || !(payload.exp > now) || payload.iat > now + 60) {
      return send(401, { code: 16, message: 'invalid JWT claims' });
    }
    this.tokenExchanges++;
    const token = `t1.standin.${this.tokenExchanges}`;
    const expiresAt = Date.now() + (this.o.tokenTtlMs ?? 3600_000);
    this.tokens.set(token, expiresAt);
    send(200, { iamToken: token, expiresAt: new Date(expiresAt).toISOString() });
  }

  private create(body: Record<string, unknown> | undefined, send: (s: number, p: unknown) => void): void {
    const name = String(body?.name ?? '');
    const folderId = String(body?.folderId ?? '');
    const subclusters = ((body?.configSpec as { subclustersSpec?: unknown[] })?.subclustersSpec ?? []) as { role?: string }[];
    if (!name || !folderId || !subclusters.some((s) => s.role === 'MASTERNODE')) return send(400, { code: 3, message: 'name, folderId and a MASTERNODE subcluster are required' });
    if ([...this.clusters.values()].some((c) => c.name === name && c.folderId === folderId)) return send(409, { code: 6, message: `Cluster with name ${name} already exists` });
    const cluster: StandInCluster = { id: this.id('c9q'), name, folderId, status: 'CREATING', spec: body ?? {} };
    this.clusters.set(cluster.id, cluster);
    send(200, this.operation({ clusterId: cluster.id }, () => {
      cluster.status = 'RUNNING';
      return view(cluster);
    }));
  }

  private operation(metadata: Record<string, unknown>, finish: () => Record<string, unknown> | undefined): Record<string, unknown> {
    const op: StandInOperation = { id: this.id('c9o'), polls: 0, createdAt: Date.now(), done: false, metadata, finish };
    this.operations.set(op.id, op);
    return { id: op.id, description: 'stand-in operation', createdAt: new Date().toISOString(), done: false, metadata };
  }
}

function view(c: StandInCluster): Record<string, unknown> {
  return { id: c.id, folderId: c.folderId, name: c.name, status: c.status, createdAt: new Date().toISOString() };
}
