/**
 * The real Spark Connect server for integration tests (started by `scripts/services.sh up spark`, which keeps its
 * token in the services state). Tests share that one server: Spark takes tens of seconds to start. An
 * unreachable server fails the test with instructions; it never skips.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SparkConnectClient, type SparkConnectOptions } from '../../src/engine/spark/SparkConnectClient.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** sc://127.0.0.1:15002/;token=... from FRAUDOPS_TEST_SPARK_URI or the services' env file. */
export function sparkTestUri(): string {
  if (process.env.FRAUDOPS_TEST_SPARK_URI) return process.env.FRAUDOPS_TEST_SPARK_URI;
  const state = process.env.FRAUDOPS_SERVICES_DIR ?? join(ROOT, '.services');
  const envFile = join(state, 'env');
  if (existsSync(envFile)) {
    const m = /FRAUDOPS_TEST_SPARK_URI='([^']+)'/.exec(readFileSync(envFile, 'utf8'));
    if (m) return m[1];
  }
  // The token the services script generated (the env file may have been rewritten by a partial `up`).
  const tokenFile = join(state, 'spark', 'token');
  if (existsSync(tokenFile)) {
    return `sc://127.0.0.1:${process.env.FRAUDOPS_SPARK_PORT ?? 15002}/;token=${readFileSync(tokenFile, 'utf8').trim()}`;
  }
  throw new Error('no Spark Connect test server: start it with `bash scripts/services.sh up spark` (it sets FRAUDOPS_TEST_SPARK_URI)');
}

/** The test server's address with its token replaced (for the wrong-token test). */
export function withToken(uri: string, token: string): string {
  return uri.replace(/;token=[^;]*/, `;token=${token}`);
}

export async function connectTestSpark(options: SparkConnectOptions = {}): Promise<SparkConnectClient> {
  return SparkConnectClient.connect(sparkTestUri(), { connectTimeoutMs: 30_000, ...options });
}
