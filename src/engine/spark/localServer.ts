/**
 * Starts and stops a Spark Connect server on this machine: Spark 4 in `local[N]` mode on loopback, with hadoop-aws
 * for `s3a://` and delta-spark for Delta tables. The jars come from Maven Central, resolved once by Maven into the
 * download cache (`<cache>/m2`); the server runs on Java 17 straight from that class path, with no Spark
 * distribution to unpack. The services script (scripts/services/spark.sh) and the `spark-local` cluster provider
 * both start servers through this module.
 *
 * @example
 *   const server = await startLocalSparkConnect({ port: 15002, stateDir: '/tmp/spark', s3: { endpoint: 'http://127.0.0.1:9090' } });
 *   // ... connect to server.uri ...
 *   await server.stop();
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { FraudopsError } from '../../errors.js';
import { DELTA_VERSION, HADOOP_VERSION, SCALA_BINARY, SPARK_VERSION, cacheDir } from './mavenArtifacts.js';
import { DEFAULT_CONNECT_PORT } from './connectUri.js';

export interface S3aSettings {
  /** e.g. http://127.0.0.1:9090; empty for AWS itself. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  /** Path-style bucket addressing (S3-compatible servers need it). Default: true when an endpoint is set. */
  pathStyle?: boolean;
}

export interface LocalSparkOptions {
  /** Where logs, scratch space and the warehouse go. */
  stateDir: string;
  host?: string;
  port?: number;
  /** Default local[2]. */
  master?: string;
  driverMemory?: string;
  /** Clients must send this as a bearer token (sc://host/;token=...). */
  token?: string;
  s3?: S3aSettings;
  /** More Spark configuration (spark.* keys). */
  conf?: Record<string, string>;
  /** A Java 17 home; default: JAVA_HOME when it is 17, else the system's Java 17, else `java` on PATH. */
  javaHome?: string;
  cacheDir?: string;
  /** Keep running after this process exits (the services script). Default false. */
  detached?: boolean;
  /** How long to wait for the server to listen, in ms. Default 180 000. */
  startTimeoutMs?: number;
  env?: Record<string, string | undefined>;
}

export interface LocalSparkServer {
  /** The connection string, with the token when one is set. */
  uri: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}


/**
 * The server's dependencies as a Maven project; only resolved, never built. spark-mllib is there because the
 * Connect server's session cleanup touches its classes even when no model is used.
 */
function serverPom(): string {
  const dep = (g: string, a: string, v: string) =>
    `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.fraudops</groupId>
  <artifactId>fraudops-spark-connect-server</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    ${dep('org.apache.spark', `spark-sql_${SCALA_BINARY}`, SPARK_VERSION)}
    ${dep('org.apache.spark', `spark-connect_${SCALA_BINARY}`, SPARK_VERSION)}
    ${dep('org.apache.spark', `spark-mllib_${SCALA_BINARY}`, SPARK_VERSION)}
    ${dep('io.delta', `delta-spark_${SCALA_BINARY}`, DELTA_VERSION)}
    ${dep('org.apache.hadoop', 'hadoop-aws', HADOOP_VERSION)}
  </dependencies>
</project>
`;
}

/**
 * Resolves the server's class path with Maven (once; later calls read the cached list). Downloads about 800 MB
 * the first time, most of it the AWS SDK bundle that hadoop-aws needs.
 */
export function sparkServerClasspath(cache = cacheDir(), log: (m: string) => void = () => undefined): string[] {
  const dir = join(cache, 'spark-server');
  const pom = serverPom();
  // Named after the dependency list, so a changed list resolves anew.
  const stamp = join(dir, `classpath-${createHash('sha256').update(pom).digest('hex').slice(0, 12)}.txt`);
  if (existsSync(stamp)) {
    const jars = readFileSync(stamp, 'utf8').trim().split(delimiter);
    if (jars.every((j) => existsSync(j))) return jars;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pom.xml'), pom);
  log(`resolving Spark ${SPARK_VERSION} server jars from Maven Central into ${join(cache, 'm2')} (first time: ~800 MB)`);
  const out = join(dir, `classpath.${process.pid}.tmp`);
  const r = spawnSync(
    'mvn',
    ['-q', '-B', `-Dmaven.repo.local=${join(cache, 'm2')}`, 'dependency:build-classpath', '-DincludeScope=runtime', `-Dmdep.outputFile=${out}`],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (r.error || r.status !== 0) {
    throw new FraudopsError('SPARK_INSTALL_FAILED', `mvn could not resolve the Spark server jars: ${(r.error?.message ?? r.stdout + r.stderr).trim().split('\n').slice(-3).join(' ')}`, {
      context: { dir },
      retriable: true,
    });
  }
  renameSync(out, stamp);
  return readFileSync(stamp, 'utf8').trim().split(delimiter);
}

/** JVM flags Spark needs on Java 17 (module access its launcher would add). */
const JAVA_17_FLAGS = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  '--add-modules=jdk.incubator.vector',
  ...[
    'java.lang',
    'java.lang.invoke',
    'java.lang.reflect',
    'java.io',
    'java.net',
    'java.nio',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'jdk.internal.ref',
    'sun.nio.ch',
    'sun.nio.cs',
    'sun.security.action',
    'sun.util.calendar',
  ].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
  '-Djdk.reflect.useDirectMethodHandle=false',
  '-Dio.netty.tryReflectionSetAccessible=true',
];

const LOG4J2 = `rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = stderr
appender.console.type = Console
appender.console.name = stderr
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.connect.name = org.apache.spark.sql.connect.service
logger.connect.level = info
`;

/** The Spark configuration of a local server; exported so tests and docs can show it. */
export function localServerConf(o: LocalSparkOptions): Record<string, string> {
  const host = o.host ?? '127.0.0.1';
  const conf: Record<string, string> = {
    'spark.master': o.master ?? 'local[2]',
    'spark.app.name': 'fraudops-spark-connect',
    'spark.ui.enabled': 'false',
    'spark.driver.host': host,
    'spark.driver.bindAddress': host,
    'spark.connect.grpc.binding.address': host,
    'spark.connect.grpc.binding.port': String(o.port ?? DEFAULT_CONNECT_PORT),
    'spark.local.dir': join(o.stateDir, 'tmp'),
    'spark.sql.warehouse.dir': join(o.stateDir, 'warehouse'),
    'spark.sql.extensions': 'io.delta.sql.DeltaSparkSessionExtension',
    'spark.sql.catalog.spark_catalog': 'org.apache.spark.sql.delta.catalog.DeltaCatalog',
    'spark.sql.session.timeZone': 'UTC',
    // A client that died mid-query does not come back to reattach: stop its work after a minute, not five.
    'spark.connect.execute.manager.detachedTimeout': '60s',
  };
  if (o.token) conf['spark.connect.authenticate.token'] = o.token;
  const s3 = o.s3;
  if (s3) {
    if (s3.endpoint) {
      conf['spark.hadoop.fs.s3a.endpoint'] = s3.endpoint;
      conf['spark.hadoop.fs.s3a.connection.ssl.enabled'] = String(s3.endpoint.startsWith('https:'));
    }
    conf['spark.hadoop.fs.s3a.path.style.access'] = String(s3.pathStyle ?? Boolean(s3.endpoint));
    if (s3.region) conf['spark.hadoop.fs.s3a.endpoint.region'] = s3.region;
    if (s3.accessKeyId && s3.secretAccessKey) {
      conf['spark.hadoop.fs.s3a.access.key'] = s3.accessKeyId;
      conf['spark.hadoop.fs.s3a.secret.key'] = s3.secretAccessKey;
      conf['spark.hadoop.fs.s3a.aws.credentials.provider'] = 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider';
    }
  }
  return { ...conf, ...o.conf };
}

export function findJava17(env: Record<string, string | undefined> = process.env, javaHome?: string): string {
  const candidates = [javaHome, env.JAVA_HOME, '/usr/lib/jvm/java-17-openjdk-amd64', '/usr/lib/jvm/java-17-openjdk-arm64', '/usr/lib/jvm/java-17-openjdk'];
  for (const home of candidates) {
    if (!home) continue;
    const java = join(home, 'bin', 'java');
    if (existsSync(java) && javaMajor(java) === 17) return java;
  }
  if (javaMajor('java') === 17) return 'java';
  throw new FraudopsError('SPARK_INSTALL_FAILED', 'no Java 17 found (set JAVA_HOME to a JDK 17; Spark 4 runs on Java 17)', {});
}

function javaMajor(java: string): number | undefined {
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)/.exec(r.stderr ?? '');
  return m ? Number(m[1]) : undefined;
}

export async function startLocalSparkConnect(o: LocalSparkOptions): Promise<LocalSparkServer> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? DEFAULT_CONNECT_PORT;
  if (await portOpen(host, port)) {
    throw new FraudopsError('SPARK_PORT_TAKEN', `port ${host}:${port} is already in use; stop what listens there or choose another port`, {
      context: { host, port },
    });
  }
  const java = findJava17(o.env ?? process.env, o.javaHome);
  const classpath = sparkServerClasspath(o.cacheDir ?? cacheDir(o.env));
  for (const d of ['tmp', 'warehouse', 'logs']) mkdirSync(join(o.stateDir, d), { recursive: true });
  const log4j = join(o.stateDir, 'log4j2.properties');
  writeFileSync(log4j, LOG4J2);
  const conf = localServerConf(o);
  const args = [
    `-Xmx${o.driverMemory ?? '2g'}`,
    ...JAVA_17_FLAGS,
    `-Dlog4j2.configurationFile=${log4j}`,
    ...Object.entries(conf).map(([k, v]) => `-D${k}=${v}`),
    '-cp',
    classpath.join(delimiter),
    'org.apache.spark.sql.connect.service.SparkConnectServer',
  ];
  const logFile = join(o.stateDir, 'logs', `spark-connect-${port}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(java, args, {
    detached: o.detached ?? false,
    stdio: ['ignore', fd, fd],
    cwd: o.stateDir,
    env: o.env ?? process.env,
  });
  closeSync(fd);
  if (o.detached) child.unref();
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  const pid = child.pid!;
  const stop = () => stopProcess(pid, () => exited !== undefined);
  const deadline = Date.now() + (o.startTimeoutMs ?? 180_000);
  while (!(await portOpen(host, port))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stop();
      throw new FraudopsError(
        'SPARK_START_FAILED',
        exited !== undefined
          ? `the Spark Connect server exited with code ${exited} while starting; see ${logFile}`
          : `the Spark Connect server did not listen on ${host}:${port} within ${o.startTimeoutMs ?? 180_000} ms; see ${logFile}`,
        { context: { file: logFile } },
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const uri = `sc://${host}:${port}${o.token ? `/;token=${encodeURIComponent(o.token)}` : ''}`;
  return { uri, pid, logFile, stop };
}

/** Stops a server started by this module (or by the services script, by its pid): TERM, then KILL after 20 s. */
export async function stopProcess(pid: number, gone: () => boolean = () => !alive(pid)): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 20_000;
  while (!gone() && alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
