/**
 * Resolves how the S3 backend connects, from explicit options first and the standard AWS environment second, so
 * the same binary talks to AWS, MinIO, Yandex Object Storage or a local moto server without code changes.
 * Credentials are not read here: they come from the SDK's default provider chain (environment keys, AWS_PROFILE
 * and the ~/.aws files, SSO, web identity, container and instance metadata) unless passed explicitly.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { ConfigError } from '../errors.js';

export interface S3StoreOptions {
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, then us-east-1. */
  region?: string;
  /** Default: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then the AWS endpoint for the region. */
  endpoint?: string;
  /** Default: FRAUDOPS_S3_FORCE_PATH_STYLE, AWS_S3_FORCE_PATH_STYLE, else on exactly when an endpoint is set. */
  forcePathStyle?: boolean;
  /** Named profile in ~/.aws/config and ~/.aws/credentials. Default: AWS_PROFILE, then "default". */
  profile?: string;
  /** Static keys or a provider; overrides the default chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Multipart part size in bytes. Default 16 MiB (so streams up to ~156 GiB; known sizes scale it up). */
  partSize?: number;
  /** Parts uploaded in parallel; memory use is at most partSize × queueSize per upload. Default 4. */
  queueSize?: number;
  /** SDK attempts per request (network errors, throttling, 5xx). Default: the SDK's (3). */
  maxAttempts?: number;
  /**
   * How long a request may wait for the server without receiving a byte before it is given up (and retried):
   * a server that never answers must not hang a run. Default: FRAUDOPS_S3_REQUEST_TIMEOUT_MS, else 60 s.
   */
  requestTimeoutMs?: number;
}

export interface ResolvedS3Config {
  region?: string;
  endpoint?: string;
  forcePathStyle: boolean;
  profile?: string;
  /**
   * Send checksums only when an operation requires them. Many S3-compatible services reject the trailing CRC
   * checksums that newer SDKs add to every upload, so this is on for custom endpoints unless the standard
   * AWS_REQUEST_CHECKSUM_CALCULATION variable says otherwise.
   */
  checksumsWhenRequired: boolean;
  partSize: number;
  queueSize: number;
  requestTimeoutMs: number;
}

export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
export const DEFAULT_QUEUE_SIZE = 4;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** S3 rejects parts smaller than 5 MiB (except the last). */
const MIN_PART_SIZE = 5 * 1024 * 1024;

type Env = Record<string, string | undefined>;

/**
 * @example
 * resolveS3Config({}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_REGION: 'us-east-1' })
 * // { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true, ... }
 */
export function resolveS3Config(options: S3StoreOptions = {}, env: Env = process.env): ResolvedS3Config {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const region = options.region ?? get('AWS_REGION') ?? get('AWS_DEFAULT_REGION');

  let endpoint = options.endpoint;
  let endpointFrom = 'the endpoint option';
  for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
    if (endpoint !== undefined) break;
    endpoint = get(name);
    endpointFrom = name;
  }
  if (endpoint !== undefined) endpoint = checkEndpoint(endpoint, endpointFrom);

  let forcePathStyle = options.forcePathStyle;
  for (const name of ['FRAUDOPS_S3_FORCE_PATH_STYLE', 'AWS_S3_FORCE_PATH_STYLE']) {
    const v = get(name);
    if (forcePathStyle === undefined && v !== undefined) forcePathStyle = parseBool(v, name);
  }
  // MinIO and moto only serve path-style requests; AWS prefers virtual-hosted.
  forcePathStyle ??= endpoint !== undefined;

  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new ConfigError(`S3 part size must be an integer of at least ${MIN_PART_SIZE} bytes, got ${partSize}`, {
      context: { field: 'partSize' },
    });
  }
  const queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
  if (!Number.isInteger(queueSize) || queueSize < 1) {
    throw new ConfigError(`S3 upload queue size must be a positive integer, got ${queueSize}`, {
      context: { field: 'queueSize' },
    });
  }

  const timeoutFromEnv = get('FRAUDOPS_S3_REQUEST_TIMEOUT_MS');
  const requestTimeoutMs = options.requestTimeoutMs ?? (timeoutFromEnv === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : Number(timeoutFromEnv));
  if (!Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs < 1) {
    throw new ConfigError(
      `S3 request timeout must be a positive whole number of milliseconds, got ${JSON.stringify(options.requestTimeoutMs ?? timeoutFromEnv)}`,
      { context: { field: options.requestTimeoutMs === undefined ? 'FRAUDOPS_S3_REQUEST_TIMEOUT_MS' : 'requestTimeoutMs' } },
    );
  }

  return {
    region,
    endpoint,
    forcePathStyle,
    profile: options.profile,
    checksumsWhenRequired: endpoint !== undefined && get('AWS_REQUEST_CHECKSUM_CALCULATION') === undefined,
    partSize,
    queueSize,
    requestTimeoutMs,
  };
}

function checkEndpoint(value: string, from: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${from} is not a URL: ${JSON.stringify(value)}`, { context: { field: from } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${from} must be an http(s) URL, got ${JSON.stringify(value)}`, { context: { field: from } });
  }
  return value.replace(/\/+$/, '');
}

function parseBool(value: string, name: string): boolean {
  const v = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(value)}`, { context: { field: name } });
}
