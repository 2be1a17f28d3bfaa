/**
 * Where fraudops keeps what it fetches for Spark: the download cache (`FRAUDOPS_CACHE_DIR`, default
 * ~/.cache/fraudops, shared with CI's fresh clones) and single jars from Maven Central, verified against the
 * SHA-1 the repository publishes beside each file. The Spark Connect jar is fetched this way for its `.proto`
 * files; the server's full class path is resolved by Maven itself (see localServer.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { FraudopsError } from '../../errors.js';

/** The Spark line the client speaks and the local server runs (the Connect protocol is versioned with Spark). */
export const SPARK_VERSION = '4.0.1';
export const SCALA_BINARY = '2.13';
export const HADOOP_VERSION = '3.4.1';
export const DELTA_VERSION = '4.0.1';

export const MAVEN_CENTRAL = process.env.FRAUDOPS_MAVEN_REPO ?? 'https://repo1.maven.org/maven2';

export interface MavenCoordinate {
  group: string;
  artifact: string;
  version: string;
}

export const SPARK_CONNECT_JAR: MavenCoordinate = {
  group: 'org.apache.spark',
  artifact: `spark-connect_${SCALA_BINARY}`,
  version: SPARK_VERSION,
};

export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.FRAUDOPS_CACHE_DIR || join(env.HOME || homedir(), '.cache', 'fraudops');
}

/** The path of a jar inside a Maven repository layout (the same under Central and a local ~/.m2). */
export function mavenPath(c: MavenCoordinate): string {
  return `${c.group.replace(/\./g, '/')}/${c.artifact}/${c.version}/${c.artifact}-${c.version}.jar`;
}

/**
 * Returns the local path of a jar, downloading it into `<cache>/maven/` once. A local Maven repository under the
 * cache (filled by the server install) is used when it already holds the jar.
 */
export async function fetchJar(c: MavenCoordinate, cache = cacheDir(), signal?: AbortSignal): Promise<string> {
  for (const candidate of [join(cache, 'm2', mavenPath(c)), join(cache, 'maven', mavenPath(c))]) {
    if (existsSync(candidate)) return candidate;
  }
  const target = join(cache, 'maven', mavenPath(c));
  const url = `${MAVEN_CENTRAL}/${mavenPath(c)}`;
  const [jar, sha1] = await Promise.all([download(url, signal), download(`${url}.sha1`, signal)]);
  const expected = sha1.toString('utf8').trim().split(/\s+/)[0].toLowerCase();
  const actual = createHash('sha1').update(jar).digest('hex');
  if (actual !== expected) {
    throw new FraudopsError('DOWNLOAD_CORRUPT', `${url}: SHA-1 ${actual} does not match the published ${expected}`, {
      context: { uri: url },
      retriable: true,
    });
  }
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, jar);
  renameSync(tmp, target);
  return target;
}

async function download(url: string, signal?: AbortSignal): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (cause) {
    throw new FraudopsError('DOWNLOAD_FAILED', `cannot download ${url}: ${(cause as Error).message}`, {
      context: { uri: url },
      retriable: true,
      cause,
    });
  }
  if (!response.ok) {
    throw new FraudopsError('DOWNLOAD_FAILED', `cannot download ${url}: HTTP ${response.status}`, {
      context: { uri: url, status: response.status },
      retriable: response.status >= 500,
    });
  }
  return Buffer.from(await response.arrayBuffer());
}

