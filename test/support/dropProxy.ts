/**
 * A TCP relay on loopback that can cut every open connection on demand: what a load balancer or a flaky network
 * does to a long gRPC stream. Used to test that the Spark Connect client reattaches to a running query.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface DropProxy {
  port: number;
  /** Bytes relayed from the target to clients so far. */
  readonly downstreamBytes: number;
  /** Destroys all open connections; new ones are relayed as before. */
  dropAll(): number;
  close(): Promise<void>;
}

/**
 * With `dropAfterBytes`, every connection is cut once, as soon as that many bytes have gone from the target to
 * clients: a drop in the middle of a result stream, at a point that does not depend on timing.
 */
export async function startDropProxy(targetHost: string, targetPort: number, options: { dropAfterBytes?: number } = {}): Promise<DropProxy> {
  const sockets = new Set<Socket>();
  let downstreamBytes = 0;
  let dropped = false;
  const server: Server = createServer((client) => {
    const upstream = connect({ host: targetHost, port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      downstreamBytes += chunk.length;
      if (!dropped && options.dropAfterBytes !== undefined && downstreamBytes >= options.dropAfterBytes) {
        dropped = true;
        for (const s of sockets) s.destroy();
      }
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get downstreamBytes() {
      return downstreamBytes;
    },
    dropAll() {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
