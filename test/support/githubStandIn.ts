/**
 * A local stand-in for the part of the GitHub REST API the release announcer calls (GitHub itself cannot be
 * reached from the tests): `POST /repos/{owner}/{repo}/dispatches`, with GitHub's documented answers — 204 for an
 * accepted event, 401 for a bad token, 404 for a repository the token cannot see, 422 for an invalid body
 * (event_type missing or over 100 characters, client_payload with more than 10 top-level keys). It records every
 * accepted event. `failNext` makes the next requests answer a given status, as a GitHub outage would.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DispatchEvent {
  owner: string;
  repo: string;
  eventType: string;
  clientPayload: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

export class GithubStandIn {
  readonly events: DispatchEvent[] = [];
  /** Every request, accepted or not. */
  requests = 0;
  private failures: number[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly token: string,
    private readonly repos: Set<string>,
  ) {}

  /** Serves on a free loopback port; only `token` is valid, and only `repos` (owner/repo) exist. */
  static async start(token: string, repos: string[]): Promise<GithubStandIn> {
    let standIn: GithubStandIn | undefined;
    const server = createServer((req, res) => {
      void standIn!.handle(req).then(({ status, body }) => {
        res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json' });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    standIn = new GithubStandIn(server, `http://127.0.0.1:${port}`, token, new Set(repos));
    return standIn;
  }

  failNext(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    this.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const forced = this.failures.shift();
    if (forced !== undefined) return { status: forced, body: { message: 'Server Error' } };
    const m = /^\/repos\/([^/]+)\/([^/]+)\/dispatches$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) return { status: 404, body: { message: 'Not Found' } };
    if (req.headers.authorization !== `Bearer ${this.token}`) return { status: 401, body: { message: 'Bad credentials' } };
    const [owner, repo] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
    if (!this.repos.has(`${owner}/${repo}`)) return { status: 404, body: { message: 'Not Found' } };
    let body: { event_type?: unknown; client_payload?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return { status: 400, body: { message: 'Problems parsing JSON' } };
    }
    const payload = body.client_payload ?? {};
    if (typeof body.event_type !== 'string' || body.event_type.length === 0 || body.event_type.length > 100) {
      return { status: 422, body: { message: 'Invalid request. event_type is required and at most 100 characters.' } };
    }
    if (typeof payload !== 'object' || payload === null || Object.keys(payload).length > 10) {
      return { status: 422, body: { message: 'Invalid request. No more than 10 properties are allowed in client_payload.' } };
    }
    this.events.push({ owner, repo, eventType: body.event_type, clientPayload: payload as Record<string, unknown>, headers: req.headers });
    return { status: 204 };
  }
}
