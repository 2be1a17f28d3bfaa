/**
 * The Spark Connect protocol, loaded at run time from the `.proto` files inside the `spark-connect` jar of the
 * Spark version we speak (fetched from Maven Central into the download cache, see mavenArtifacts.ts). Nothing is
 * generated or copied into the repository: the protos are extracted once per version into the cache and loaded
 * with @grpc/proto-loader; google.rpc status details are decoded with protobufjs from the same files.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { SPARK_CONNECT_JAR, cacheDir, fetchJar } from './mavenArtifacts.js';
import { readZipEntries } from './zip.js';

const STAMP = '.complete';

/** Extracts the protocol's `.proto` files into the cache once and returns the include directory. */
export async function connectProtoDir(cache = cacheDir(), signal?: AbortSignal): Promise<string> {
  const dir = join(cache, 'spark-connect-protos', SPARK_CONNECT_JAR.version);
  if (existsSync(join(dir, STAMP))) return dir;
  const jarPath = await fetchJar(SPARK_CONNECT_JAR, cache, signal);
  const entries = readZipEntries(readFileSync(jarPath), (n) => /^(spark\/connect|google\/rpc)\/[^/]+\.proto$/.test(n), jarPath);
  if (![...entries.keys()].some((k) => k === 'spark/connect/base.proto')) {
    throw new Error(`${jarPath} holds no spark/connect/base.proto`);
  }
  // Extract beside the final directory and rename, so a reader never sees half a set.
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const [name, content] of entries) {
    mkdirSync(dirname(join(tmp, name)), { recursive: true });
    writeFileSync(join(tmp, name), content);
  }
  writeFileSync(join(tmp, STAMP), `${jarPath}\n`);
  mkdirSync(dirname(dir), { recursive: true });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, STAMP))) throw e; // another process won the race: its copy is as good
  }
  return dir;
}

/** The gRPC service client constructor and the decoders the client needs. */
export interface ConnectProtocol {
  Service: grpc.ServiceClientConstructor;
  /** Decodes a `google.rpc.Status` (the `grpc-status-details-bin` trailer) with its ErrorInfo details. */
  decodeStatus(bytes: Buffer): DecodedStatus;
  protoDir: string;
}

export interface DecodedStatus {
  code: number;
  message: string;
  errorInfo?: { reason: string; domain: string; metadata: Record<string, string> };
}

const loaded = new Map<string, ConnectProtocol>();

export async function loadConnectProtocol(cache = cacheDir(), signal?: AbortSignal): Promise<ConnectProtocol> {
  const dir = await connectProtoDir(cache, signal);
  const hit = loaded.get(dir);
  if (hit) return hit;
  const files = readdirSync(join(dir, 'spark', 'connect')).filter((f) => f.endsWith('.proto')).map((f) => `spark/connect/${f}`);
  const definition = protoLoader.loadSync(files, {
    includeDirs: [dir],
    keepCase: true,
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { spark: { connect: { SparkConnectService: grpc.ServiceClientConstructor } } };
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (existsSync(join(dir, target)) ? join(dir, target) : target);
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
  const Status = root.lookupType('google.rpc.Status');
  const ErrorInfo = root.lookupType('google.rpc.ErrorInfo');
  const protocol: ConnectProtocol = {
    Service: pkg.spark.connect.SparkConnectService,
    protoDir: dir,
    decodeStatus(bytes) {
      const status = Status.toObject(Status.decode(bytes), { defaults: true }) as {
        code: number;
        message: string;
        details: { type_url: string; value: Uint8Array }[];
      };
      const out: DecodedStatus = { code: status.code, message: status.message };
      for (const d of status.details ?? []) {
        if (d.type_url.endsWith('/google.rpc.ErrorInfo')) {
          const info = ErrorInfo.toObject(ErrorInfo.decode(d.value), { defaults: true }) as DecodedStatus['errorInfo'];
          out.errorInfo = info;
        }
      }
      return out;
    },
  };
  loaded.set(dir, protocol);
  return protocol;
}
