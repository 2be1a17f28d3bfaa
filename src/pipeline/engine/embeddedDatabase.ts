/**
 * The pipeline's embedded system database: PostgreSQL compiled to WebAssembly (PGlite), kept in a local folder and
 * served on a loopback socket, so the workflow engine (DBOS, which speaks the PostgreSQL wire protocol) runs with no
 * server installed. Runs are as durable as the folder: a killed process resumes its runs at the next start.
 *
 * One process at a time can open the folder. The process that opens it serves it and writes its address to
 * `server.json` in the folder; another process (`fraudops runs list` while a scheduler runs) connects to that
 * address instead of opening the files. Several schedulers, or schedulers on several machines, need a real
 * PostgreSQL (`--db postgresql://…`).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { PipelineError } from '../../errors.js';
import { processIsGone } from '../../util/processes.js';
import { PgliteWireServer } from './pgliteWire.js';

export interface PipelineDatabase {
  /** postgresql:// URL to hand to the engine. */
  url: string;
  /** Where the data lives, for messages: the folder, or the server. */
  where: string;
  /** Engine warnings that say nothing on this database (the embedded one has no LISTEN/NOTIFY, so runs are polled). */
  expectedWarning?: RegExp;
  close(): Promise<void>;
}

interface ServerFile {
  pid: number;
  port: number;
}

const SERVER_FILE = 'server.json';
const LOCK_FILE = 'open.lock';
const NO_NOTIFY = /LISTEN\/NOTIFY/;

function urlFor(port: number): string {
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host: '127.0.0.1', port });
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
    s.once('timeout', () => (s.destroy(), done(false)));
  });
}

/** The server another live process runs on this folder, if any. */
async function runningServer(dir: string): Promise<ServerFile | undefined> {
  const file = join(dir, SERVER_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as ServerFile;
    if (Number.isInteger(s.pid) && Number.isInteger(s.port) && !processIsGone(s.pid) && (await portAnswers(s.port))) return s;
  } catch {
    // unreadable: a crashed writer's leftover
  }
  return undefined;
}

/** True when `dir` holds an embedded database (one was opened there before). */
export function embeddedDatabaseExists(dir: string): boolean {
  return existsSync(join(resolve(dir), 'pgdata', 'PG_VERSION'));
}

/** Opens (or joins) the embedded database kept in `dir`. */
export async function openEmbeddedDatabase(dir: string, timeoutMs = 120_000): Promise<PipelineDatabase> {
  const folder = resolve(dir);
  mkdirSync(folder, { recursive: true });
  const lock = join(folder, LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  // The lock names the process that opens the files; others wait for its address and connect to it.
  for (;;) {
    const other = await runningServer(folder);
    if (other) return { url: urlFor(other.port), where: `${folder} (served by process ${other.pid})`, expectedWarning: NO_NOTIFY, close: async () => {} };
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readFileSync(lock, 'utf8').trim());
    if (!Number.isInteger(holder) || holder <= 0 || processIsGone(holder)) {
      // A killed process's leftovers.
      rmSync(join(folder, SERVER_FILE), { force: true });
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new PipelineError('PIPELINE_DB_BUSY', `the embedded pipeline database in ${folder} is being opened by process ${holder}, which has not served it within ${timeoutMs / 1000} s`, {
        context: { field: 'db' },
        retriable: true,
      });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    return await serve(folder, lock);
  } catch (e) {
    rmSync(lock, { force: true });
    throw e;
  }
}

async function serve(folder: string, lock: string): Promise<PipelineDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  let db;
  try {
    db = await PGlite.create(join(folder, 'pgdata')); // see embeddedDatabaseExists
  } catch (e) {
    throw new PipelineError('PIPELINE_DB_UNAVAILABLE', `cannot open the embedded pipeline database in ${folder}: ${e instanceof Error ? e.message : String(e)}`, {
      context: { field: 'db' },
      cause: e,
    });
  }
  const server = new PgliteWireServer(db);
  const port = await server.start();
  writeFileSync(join(folder, SERVER_FILE), JSON.stringify({ pid: process.pid, port } satisfies ServerFile));
  let closed = false;
  return {
    url: urlFor(port),
    where: folder,
    expectedWarning: NO_NOTIFY,
    async close() {
      if (closed) return;
      closed = true;
      rmSync(join(folder, SERVER_FILE), { force: true });
      await server.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
      rmSync(lock, { force: true });
    },
  };
}
