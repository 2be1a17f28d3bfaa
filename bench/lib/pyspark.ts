/**
 * Finds the project's PySpark (in the `.services/py` venv), installing it through bench/peers/setup.sh the first
 * time, so a prepare bench on a fresh machine needs no manual step.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseConnectUri } from '../../src/engine/spark/connectUri.js';

export interface PySpark {
  python: string;
  version: string;
}

export function pythonEnvDir(root: string): string {
  return process.env.FRAUDOPS_SERVICES_DIR ? join(process.env.FRAUDOPS_SERVICES_DIR, 'py') : join(root, '.services', 'py');
}

export function ensurePySpark(root: string, log: (m: string) => void): PySpark {
  const python = join(pythonEnvDir(root), 'bin', 'python');
  const probe = (): string | null => {
    try {
      return execFileSync(python, ['-c', 'import pyspark; print(pyspark.__version__)'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return null;
    }
  };
  let version = probe();
  if (version === null) {
    log('PySpark missing: running bench/peers/setup.sh');
    const r = spawnSync('bash', [join(root, 'bench', 'peers', 'setup.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`bench/peers/setup.sh failed (exit ${String(r.status)})`);
    version = probe();
    if (version === null) throw new Error(`PySpark still does not import with ${python}`);
  }
  return { python, version };
}

/**
 * PySpark's Spark Connect client (pyspark-client) in its own venv (`py-connect` beside the services' venv),
 * installed through `bench/peers/setup.sh connect` the first time: the peer that drives the same Spark Connect
 * server our client drives.
 */
export function ensurePySparkConnect(root: string, log: (m: string) => void): PySpark {
  const python = join(pythonEnvDir(root), '..', 'py-connect', 'bin', 'python');
  const probe = (): string | null => {
    try {
      return execFileSync(python, ['-c', 'import pyspark.sql.connect.session, pyspark; print(pyspark.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  let version = probe();
  if (version === null) {
    log('PySpark Connect client missing: running bench/peers/setup.sh connect');
    const r = spawnSync('bash', [join(root, 'bench', 'peers', 'setup.sh'), 'connect'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`bench/peers/setup.sh connect failed (exit ${String(r.status)})`);
    version = probe();
    if (version === null) throw new Error(`the PySpark Connect client still does not import with ${python}`);
  }
  return { python, version };
}

/**
 * The same server's address as PySpark's client needs it. PySpark's Connect client sends a token only over a
 * secure channel, and it treats a plaintext loopback channel as one (gRPC local credentials) only when the host
 * is spelled `localhost`: so a token on a loopback address is kept, with the host renamed. A token for another
 * host without `use_ssl=true` cannot reach a plaintext server through PySpark at all.
 */
export function pysparkRemote(uri: string): string {
  // The URI as given (no token from the environment): only a token written in it is PySpark's concern here.
  const target = parseConnectUri(uri, {});
  if (target.token === undefined || target.useSsl) return uri;
  if (['127.0.0.1', 'localhost', '[::1]'].includes(target.host)) return `sc://localhost${uri.slice('sc://'.length + target.host.length)}`;
  throw new Error(`PySpark's client sends a token only over TLS: ${target.host} needs use_ssl=true, or a server without a token`);
}
