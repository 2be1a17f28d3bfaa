/**
 * The `spark-local` cluster provider: a real Spark Connect server on this machine for one pipeline run, started by
 * `ensure` and stopped by `teardown` (src/engine/spark/localServer.ts launches it). The server outlives the process
 * that started it, so a scheduler killed mid-run leaves it running and the resumed run adopts it: its pid, port
 * and token are kept in `<state>/<cluster name>/server.json`. Stages reach it at the endpoint `ensure` returns
 * (`sc://127.0.0.1:<port>/;token=…`); prepare runs on it.
 *
 * URI: `spark-local` or `spark-local://?state=<dir>&driverMemory=2g&master=local[2]&port=<n>&startTimeoutSeconds=180`.
 * The state folder defaults to FRAUDOPS_CLUSTER_STATE_DIR, else `.fraudops/clusters`. s3a:// reaches the same S3 as
 * the stores (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { ConfigError, FraudopsError } from '../../../errors.js';
import { portOpen, startLocalSparkConnect, stopProcess } from '../../../engine/spark/localServer.js';
import { resolveS3Config } from '../../../storage/s3Config.js';
import { processIsGone } from '../../../util/processes.js';
import { clusterName, type ClusterInfo, type ClusterProvider, type TeardownResult } from '../ClusterProvider.js';

export interface SparkLocalSettings {
  stateDir: string;
  driverMemory: string;
  master: string;
  /** 0: a free port chosen at start. */
  port: number;
  startTimeoutMs: number;
}

interface ServerRecord {
  pid: number;
  port: number;
  uri: string;
  startedAt: string;
}

const KNOWN = ['state', 'driverMemory', 'master', 'port', 'startTimeoutSeconds'];

export function parseSparkLocalUri(uri: string, env: NodeJS.ProcessEnv = process.env): SparkLocalSettings {
  const query = uri === 'spark-local' ? '' : /^spark-local:(?:\/\/)?\/?\??(.*)$/i.exec(uri)?.[1];
  if (query === undefined) throw new ConfigError(`cluster provider "${uri}": expected spark-local or spark-local://?key=value&…`, { context: { uri } });
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (!KNOWN.includes(key)) throw new ConfigError(`cluster provider "${uri}": unknown parameter ${key} (known: ${KNOWN.join(', ')})`, { context: { uri, field: key } });
  }
  const int = (key: string, fallback: number, min: number, max: number) => {
    const raw = params.get(key);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`cluster provider "${uri}": ${key} must be an integer from ${min} to ${max}, got "${raw}"`, { context: { uri, field: key } });
    return n;
  };
  const driverMemory = params.get('driverMemory') ?? '2g';
  if (!/^\d+[kmgt]?$/i.test(driverMemory)) throw new ConfigError(`cluster provider "${uri}": driverMemory must look like 2g or 512m, got "${driverMemory}"`, { context: { uri, field: 'driverMemory' } });
  const master = params.get('master') ?? 'local[2]';
  if (!/^local(\[(\d+|\*)\])?$/.test(master)) throw new ConfigError(`cluster provider "${uri}": master must be local, local[N] or local[*], got "${master}"`, { context: { uri, field: 'master' } });
  return {
    stateDir: resolve(params.get('state') ?? env.FRAUDOPS_CLUSTER_STATE_DIR ?? '.fraudops/clusters'),
    driverMemory,
    master,
    port: int('port', 0, 0, 65535),
    startTimeoutMs: int('startTimeoutSeconds', 180, 1, 3600) * 1000,
  };
}

export class SparkLocalCluster implements ClusterProvider {
  constructor(
    readonly uri: string,
    private readonly settings: SparkLocalSettings,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  static fromUri(uri: string): SparkLocalCluster {
    return new SparkLocalCluster(uri, parseSparkLocalUri(uri));
  }

  private dir(name: string): string {
    return join(this.settings.stateDir, name);
  }

  /** The server recorded for this cluster when it is still alive and listening. */
  private async running(name: string): Promise<ServerRecord | undefined> {
    const file = join(this.dir(name), 'server.json');
    if (!existsSync(file)) return undefined;
    let record: ServerRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as ServerRecord;
    } catch {
      return undefined;
    }
    if (!isSparkServer(record.pid)) return undefined;
    return (await portOpen('127.0.0.1', record.port)) ? record : undefined;
  }

  async ensure(runId: string, signal?: AbortSignal): Promise<ClusterInfo> {
    const name = clusterName(runId);
    const existing = await this.running(name);
    if (existing) return { provider: 'spark-local', name, id: String(existing.pid), adopted: true, endpoint: existing.uri };
    signal?.throwIfAborted();
    const dir = this.dir(name);
    mkdirSync(dir, { recursive: true });
    const port = this.settings.port || (await freePort());
    const token = randomBytes(16).toString('hex');
    const s3 = resolveS3Config({}, this.env);
    const server = await startLocalSparkConnect({
      stateDir: dir,
      port,
      token,
      master: this.settings.master,
      driverMemory: this.settings.driverMemory,
      detached: true,
      startTimeoutMs: this.settings.startTimeoutMs,
      env: this.env,
      s3: {
        endpoint: s3.endpoint,
        accessKeyId: this.env.AWS_ACCESS_KEY_ID,
        secretAccessKey: this.env.AWS_SECRET_ACCESS_KEY,
        region: s3.region,
        pathStyle: s3.forcePathStyle,
      },
    }).catch((e: unknown) => {
      throw e instanceof FraudopsError ? e : new FraudopsError('CLUSTER_START_FAILED', `spark-local: could not start Spark Connect: ${(e as Error).message}`, { context: { cluster: name } });
    });
    const record: ServerRecord = { pid: server.pid, port, uri: server.uri, startedAt: new Date().toISOString() };
    writeFileSync(join(dir, 'server.json'), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    return { provider: 'spark-local', name, id: String(server.pid), adopted: false, endpoint: server.uri };
  }

  async teardown(runId: string): Promise<TeardownResult> {
    const name = clusterName(runId);
    const dir = this.dir(name);
    const file = join(dir, 'server.json');
    let deleted = false;
    if (existsSync(file)) {
      try {
        const record = JSON.parse(readFileSync(file, 'utf8')) as ServerRecord;
        if (isSparkServer(record.pid)) {
          await stopProcess(record.pid);
          deleted = true;
        }
      } catch {
        // an unreadable record: nothing we can stop
      }
    }
    rmSync(dir, { recursive: true, force: true });
    return { provider: 'spark-local', name, deleted };
  }
}

/**
 * True when `pid` is alive and is a Spark Connect server: a pid recorded before a reboot may name another process
 * now, which must never be adopted or stopped. Where /proc is missing, a live pid is taken at its word.
 */
function isSparkServer(pid: number): boolean {
  if (processIsGone(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('SparkConnectServer');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync('/proc/self');
  }
}

/** A port nothing listens on right now, from the kernel. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
