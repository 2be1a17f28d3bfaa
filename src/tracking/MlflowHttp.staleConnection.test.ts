import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MlflowHttp } from './MlflowHttp.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A server that cuts the connection of the first `cut` requests without answering, then answers `{}`. */
async function flakyServer(cut: number): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  server = createServer((req, res) => {
    n++;
    if (n <= cut) {
      req.socket.destroy();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, requests: () => n };
}

describe('tracking > mlflow http > closed connections', () => {
  it('sends a request again once when the connection is closed under it', async () => {
    const s = await flakyServer(1);
    const http = new MlflowHttp(s.url);
    await expect(http.send('POST', 'runs/log-batch', { run_id: 'x' })).resolves.toEqual({ ok: true });
    expect(s.requests()).toBe(2);
  });

  it('gives up after the second closed connection with TRACKING_UNAVAILABLE', async () => {
    const s = await flakyServer(2);
    const http = new MlflowHttp(s.url);
    await expect(http.get('experiments/get', { experiment_id: 1 })).rejects.toMatchObject({ code: 'TRACKING_UNAVAILABLE', retriable: true });
    expect(s.requests()).toBe(2);
  });
});
