import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowHttp } from './MlflowHttp.js';
import { TrackingCodes, TrackingError } from './TrackingError.js';

/** A stand-in server: answers each path with a canned status and body, and records request headers. */
describe('tracking > MlflowHttp', () => {
  let server: Server;
  let base: string;
  const seen: IncomingMessage[] = [];
  const bodies: string[] = [];
  const replies: Record<string, [number, string]> = {
    '/api/2.0/mlflow/ok': [200, '{"metrics":[{"key":"a","value":"NaN"}]}'],
    '/api/2.0/mlflow/missing': [404, '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no run"}'],
    '/api/2.0/mlflow/bad': [400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"bad"}'],
    '/api/2.0/mlflow/dup': [400, '{"error_code":"RESOURCE_ALREADY_EXISTS","message":"dup"}'],
    '/api/2.0/mlflow/busy': [503, '<html>upstream down</html>'],
    '/api/2.0/mlflow/denied': [401, 'no'],
    '/api/2.0/mlflow/html': [200, '<html>not mlflow</html>'],
  };
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        const [status, text] = replies[req.url!.split('?')[0]] ?? [404, ''];
        res.writeHead(status, { 'content-type': 'application/json' }).end(text);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const codeOf = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as TrackingError);

  it('maps MLflow error codes and HTTP statuses to tracking codes', async () => {
    const http = new MlflowHttp(base);
    expect((await codeOf(http.get('missing'))).code).toBe(TrackingCodes.NOT_FOUND);
    expect((await codeOf(http.get('bad'))).code).toBe(TrackingCodes.INVALID_PARAMETER);
    expect((await codeOf(http.send('POST', 'dup', {}))).code).toBe(TrackingCodes.ALREADY_EXISTS);
    const busy = await codeOf(http.get('busy'));
    expect([busy.code, busy.retriable, busy.context.status]).toEqual([TrackingCodes.UNAVAILABLE, true, 503]);
    expect((await codeOf(http.get('denied'))).code).toBe(TrackingCodes.PERMISSION_DENIED);
    expect((await codeOf(http.get('html'))).code).toBe(TrackingCodes.PROTOCOL);
    const missing = await codeOf(http.get('missing'));
    expect(missing.context).toMatchObject({ uri: base, mlflowCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
  });

  it('sends NaN as "NaN" and a bearer token or basic credentials', async () => {
    await new MlflowHttp(base, { token: 'tok' }).send('POST', 'ok', { value: Number.NaN });
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer tok');
    expect(JSON.parse(bodies.at(-1)!)).toEqual({ value: 'NaN' });
    await new MlflowHttp(base, { username: 'u', password: 'p' }).get('ok');
    expect(seen.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    await new MlflowHttp(base).get('ok');
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
  });
});
