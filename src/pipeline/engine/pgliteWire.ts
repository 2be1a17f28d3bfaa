/**
 * Serves one PGlite database on a loopback TCP port in the PostgreSQL wire protocol, for clients that open several
 * connections at once (the workflow engine's pool, the run store's pool, its listener).
 *
 * PGlite is a single session, so every connection shares it. Two things keep them apart:
 * - a connection's messages run as whole batches, up to and including each Sync or simple Query, so no other
 *   connection's Parse/Bind can land between its own (they share the unnamed statement and portal);
 * - once a batch leaves the session inside a transaction, only that connection's batches run until it ends it; a
 *   connection that goes away mid-transaction has it rolled back.
 * Asynchronous notifications are not delivered (clients fall back to polling).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

interface Connection {
  socket: Socket;
  buffer: Buffer;
  started: boolean;
  batch: Buffer[];
  closed: boolean;
}

interface Batch {
  conn: Connection;
  messages: Buffer[];
}

export class PgliteWireServer {
  private server?: Server;
  private readonly queue: Batch[] = [];
  private owner?: Connection;
  private running = false;
  private readonly connections = new Set<Connection>();

  constructor(private readonly db: PGlite) {}

  /** Listens on 127.0.0.1 (port 0: any free one); resolves to the port. */
  async start(port = 0): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    while (this.running) await new Promise((r) => setTimeout(r, 10));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const conn: Connection = { socket, buffer: Buffer.alloc(0), started: false, batch: [], closed: false };
    this.connections.add(conn);
    socket.on('data', (d: Buffer) => {
      conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, d]) : d;
      this.frame(conn);
    });
    const gone = () => {
      if (conn.closed) return;
      conn.closed = true;
      this.connections.delete(conn);
      for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.conn === conn) this.queue.splice(i, 1);
      if (this.owner === conn) {
        this.owner = undefined;
        void this.db.exec('ROLLBACK').catch(() => undefined).finally(() => this.drain());
      }
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  /** Cuts the connection's bytes into messages and its messages into batches. */
  private frame(conn: Connection): void {
    for (;;) {
      if (!conn.started) {
        if (conn.buffer.length < 8) return;
        const len = conn.buffer.readInt32BE(0);
        if (conn.buffer.length < len) return;
        const code = conn.buffer.readInt32BE(4);
        const msg = conn.buffer.subarray(0, len);
        conn.buffer = conn.buffer.subarray(len);
        if (code === SSL_REQUEST || code === GSS_REQUEST) {
          conn.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST) {
          conn.socket.end();
          return;
        }
        conn.started = true;
        this.enqueue({ conn, messages: [Buffer.from(msg)] });
        continue;
      }
      if (conn.buffer.length < 5) return;
      const len = 1 + conn.buffer.readInt32BE(1);
      if (conn.buffer.length < len) return;
      const msg = Buffer.from(conn.buffer.subarray(0, len));
      conn.buffer = conn.buffer.subarray(len);
      const type = String.fromCharCode(msg[0]!);
      if (type === 'X') {
        conn.socket.end();
        return;
      }
      conn.batch.push(msg);
      if (type === 'S' || type === 'Q' || type === 'H') {
        this.enqueue({ conn, messages: conn.batch });
        conn.batch = [];
      }
    }
  }

  private enqueue(b: Batch): void {
    this.queue.push(b);
    void this.drain();
  }

  /** Runs queued batches one at a time; while a connection holds a transaction, only its batches. */
  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const i = this.owner ? this.queue.findIndex((b) => b.conn === this.owner) : 0;
        if (i < 0 || this.queue.length === 0) return;
        const [batch] = this.queue.splice(i, 1);
        const { conn, messages } = batch!;
        for (const m of messages) {
          const out = await this.db.execProtocolRaw(new Uint8Array(m.buffer, m.byteOffset, m.byteLength));
          if (!conn.closed && out.length) conn.socket.write(out);
        }
        this.owner = this.db.isInTransaction() ? conn : undefined;
        if (this.owner === conn && conn.closed) {
          this.owner = undefined;
          await this.db.exec('ROLLBACK').catch(() => undefined);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
