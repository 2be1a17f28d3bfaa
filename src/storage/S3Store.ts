/**
 * ObjectStore over any S3-compatible service (AWS, MinIO, Yandex Object Storage, moto). Bodies stream both ways:
 * uploads go through lib-storage's multipart `Upload` (at most partSize × queueSize bytes in memory), downloads
 * hand back the HTTP body as a Node Readable, so the raw→lake preparation never holds a whole file.
 * Connection settings come from s3Config.ts; every failure becomes a StorageError with {uri, key} context.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { addAbortSignal, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Upload } from '@aws-sdk/lib-storage';
import { StorageError } from '../errors.js';
import { publishFile } from './atomicFile.js';
import { checkKey, checkPrefix, compareKeys } from './keys.js';
import type { ObjectInfo, ObjectStore, ReadOptions, WriteOptions } from './ObjectStore.js';
import { resolveS3Config, type ResolvedS3Config, type S3StoreOptions } from './s3Config.js';
import { parseStoreUri, type S3Location } from './uri.js';

/** Region used when neither options, environment nor profile name one (custom endpoints rarely care). */
const FALLBACK_REGION = 'us-east-1';
const DELETE_BATCH = 1000;
const MAX_PARTS = 10_000;

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH',
  'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);
const UNAVAILABLE_NAMES = new Set([
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'SlowDown', 'Throttling', 'ThrottlingException',
  'ServiceUnavailable', 'InternalError', 'NetworkingError',
]);

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

export class S3Store implements ObjectStore {
  readonly uri: string;
  /** Becomes false when the server rejects `If-None-Match` on PUT; later commits use HEAD-then-PUT only. */
  private conditionalPut = true;

  private constructor(
    private readonly client: S3Client,
    readonly location: S3Location,
    readonly config: ResolvedS3Config,
  ) {
    this.uri = location.uri;
  }

  /**
   * Opens `s3://bucket/prefix`. No request is made: a missing bucket or bad credentials surface on first use.
   * @example
   * const store = await S3Store.create('s3://lake/prod', { endpoint: 'http://127.0.0.1:9000' });
   * try { await store.write('a.txt', 'hello'); } finally { await store.close(); }
   */
  static async create(
    location: S3Location | string,
    options: S3StoreOptions = {},
    env: Record<string, string | undefined> = process.env,
  ): Promise<S3Store> {
    const loc = typeof location === 'string' ? parseStoreUri(location) : location;
    if (loc.scheme !== 's3') throw new StorageError('INVALID_URI', `not an s3:// URI: ${loc.uri}`, { context: { uri: loc.uri } });
    const config = resolveS3Config(options, env);
    const base: S3ClientConfig = {
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      profile: config.profile,
      maxAttempts: options.maxAttempts,
      // A connection or an answer that never comes is an error (and retried), not a hang.
      requestHandler: { connectionTimeout: Math.min(10_000, config.requestTimeoutMs), requestTimeout: config.requestTimeoutMs, throwOnRequestTimeout: true },
      credentials: options.credentials ?? fromNodeProviderChain({ profile: config.profile }),
      ...(config.checksumsWhenRequired
        ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
        : {}),
    };
    let client = new S3Client({ ...base, region: config.region });
    if (config.region === undefined) {
      // Let the SDK look in the profile; only when it finds nothing fall back to a fixed region.
      try {
        await client.config.region();
      } catch {
        client.destroy();
        client = new S3Client({ ...base, region: FALLBACK_REGION });
      }
    }
    return new S3Store(client, loc, config);
  }

  async head(key: string, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    checkKey(this.uri, key);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }), {
        abortSignal: signal,
      });
      if (r.ETag === undefined) throw this.protocol(key, 'head', 'an object answer without an ETag');
      return { key, size: r.ContentLength ?? 0, etag: r.ETag, lastModified: r.LastModified ?? new Date(0) };
    } catch (e) {
      const err = this.fail(e, key, 'head');
      if (err.code === 'OBJECT_NOT_FOUND') return undefined;
      throw err;
    }
  }

  async list(prefix: string, signal?: AbortSignal): Promise<ObjectInfo[]> {
    checkPrefix(this.uri, prefix);
    const out: ObjectInfo[] = [];
    const strip = this.location.prefix ? this.location.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.fullKey(prefix), ContinuationToken: token }),
          { abortSignal: signal },
        );
      } catch (e) {
        throw this.fail(e, prefix, 'list');
      }
      // Every S3 listing names its bucket; a 200 without it (an empty body, a proxy's page) is no listing at all,
      // and taking it for an empty one would hide every object behind the prefix.
      if (page.Name === undefined && page.KeyCount === undefined) throw this.protocol(prefix, 'list', 'a listing without a bucket name or key count');
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || o.Key.endsWith('/')) continue; // "folder" markers made by web consoles
        out.push({ key: o.Key.slice(strip), size: o.Size ?? 0, etag: o.ETag ?? '', lastModified: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async read(key: string, options: ReadOptions = {}): Promise<Readable> {
    checkKey(this.uri, key);
    const { start, end, signal } = options;
    const range = start === undefined && end === undefined ? undefined : `bytes=${start ?? 0}-${end ?? ''}`;
    let body: Readable;
    try {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Range: range }),
        { abortSignal: signal },
      );
      // In Node the SDK's body is the IncomingMessage itself: a real stream, never buffered.
      body = r.Body as Readable;
      // Every S3 object answer carries its ETag; a 200 without one (an empty answer) is not the object.
      if (r.ETag === undefined) {
        body?.destroy?.();
        throw this.protocol(key, 'read', 'an object answer without an ETag');
      }
    } catch (e) {
      throw this.fail(e, key, 'read');
    }
    // Errors in the middle of the body (reset connections) surface as StorageError too, retriable where it helps.
    const fail = (e: unknown): StorageError => this.fail(e, key, 'read');
    const guarded = Readable.from(
      (async function* () {
        try {
          for await (const chunk of body) yield chunk as Buffer;
        } catch (e) {
          throw fail(e);
        }
      })(),
      { objectMode: false },
    );
    return signal ? addAbortSignal(signal, guarded) : guarded;
  }

  async readBytes(key: string, signal?: AbortSignal): Promise<Buffer> {
    const body = await this.read(key, { signal });
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of body) chunks.push(chunk as Buffer);
    } catch (e) {
      throw this.fail(e, key, 'read');
    }
    return Buffer.concat(chunks);
  }

  async write(key: string, body: Readable | Buffer | string, options: WriteOptions = {}): Promise<ObjectInfo> {
    return this.upload(key, body, undefined, options);
  }

  async writeFile(key: string, localPath: string, options: WriteOptions = {}): Promise<ObjectInfo> {
    checkKey(this.uri, key);
    let size: number;
    try {
      size = (await fs.stat(localPath)).size;
    } catch (e) {
      throw new StorageError('SOURCE_UNREADABLE', `cannot read ${localPath} to upload as ${key}: ${String(e)}`, {
        context: { uri: this.uri, key, file: localPath },
        cause: e,
      });
    }
    return this.upload(key, createReadStream(localPath), size, options);
  }

  async delete(keys: string[], signal?: AbortSignal): Promise<void> {
    for (const key of keys) checkKey(this.uri, key);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      let r;
      try {
        r = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((k) => ({ Key: this.fullKey(k) })), Quiet: true },
          }),
          { abortSignal: signal },
        );
      } catch (e) {
        throw this.fail(e, batch[0], 'delete');
      }
      const failed = (r.Errors ?? []).filter((x) => x.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0];
        const key = first.Key?.slice(this.location.prefix ? this.location.prefix.length + 1 : 0) ?? batch[0];
        throw this.fail({ name: first.Code, message: first.Message }, key, `delete (${failed.length} failed)`);
      }
    }
  }

  /**
   * Downloads once per (store, key, etag) into `cacheDir/<sha1>.<ext>`; the key's extension is kept so engines
   * that pick a reader by file name (DuckDB) still do. The GET carries If-Match, so the cached bytes are exactly
   * the version the name promises; if the object changes in between, the download restarts with the new etag.
   */
  async localPath(key: string, cacheDir: string, signal?: AbortSignal): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const info = await this.head(key, signal);
      if (!info) throw this.notFound(key);
      const ext = path.extname(key);
      const name = createHash('sha1').update(`${this.uri}\0${key}\0${info.etag}`).digest('hex');
      const dest = path.join(cacheDir, /^\.[A-Za-z0-9]{1,12}$/.test(ext) ? name + ext : name);
      const cached = await fs.stat(dest).catch(() => undefined);
      if (cached?.isFile() && cached.size === info.size) return dest;

      let body: Readable;
      try {
        const r = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), IfMatch: info.etag }),
          { abortSignal: signal },
        );
        body = r.Body as Readable;
      } catch (e) {
        if (statusOf(e) === 412 && attempt < 2) continue; // changed since HEAD: try the new version
        throw this.fail(e, key, 'download');
      }
      try {
        // A cache entry is re-downloadable, so it is published atomically but not synced.
        await publishFile(
          dest,
          async (tmp) => {
            await pipeline(body, createWriteStream(tmp, { flags: 'wx' }), { signal });
            const got = (await fs.stat(tmp)).size;
            if (got !== info.size) throw this.protocol(key, 'download', `${got} bytes where the object has ${info.size}`);
          },
          { durable: false },
        );
      } catch (e) {
        body.destroy();
        if (e instanceof StorageError || isSdkOrNetwork(e)) throw this.fail(e, key, 'download');
        throw new StorageError('STORAGE_IO', `cannot cache ${key} from ${this.uri} in ${cacheDir}: ${String(e)}`, {
          context: { uri: this.uri, key, file: dest },
          cause: e,
        });
      }
      return dest;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private get bucket(): string {
    return this.location.bucket;
  }

  private fullKey(key: string): string {
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }

  /**
   * One code path for every upload. For `ifNoneMatch` a HEAD runs first (cheap early exit, and the only guard on
   * servers that ignore If-None-Match: there two writers racing between HEAD and PUT can both succeed), then the
   * PUT (or CompleteMultipartUpload) carries `If-None-Match: *`, which AWS and moto (and recent MinIO) enforce
   * atomically.
   */
  private async upload(
    key: string,
    body: Readable | Buffer | string,
    size: number | undefined,
    options: WriteOptions,
  ): Promise<ObjectInfo> {
    checkKey(this.uri, key);
    const { signal, ifNoneMatch } = options;
    if (signal?.aborted) throw this.fail(signal.reason, key, 'write');
    if (ifNoneMatch && (await this.head(key, signal))) throw this.exists(key);
    const conditional = ifNoneMatch === true && this.conditionalPut;
    const known = size ?? (typeof body === 'string' ? Buffer.byteLength(body) : Buffer.isBuffer(body) ? body.length : undefined);
    // Grow parts for very large known sizes so they fit S3's 10 000-part limit.
    const partSize = Math.max(this.config.partSize, known ? Math.ceil(known / MAX_PARTS) : 0);
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const upload = new Upload({
      client: this.client,
      partSize,
      queueSize: this.config.queueSize,
      abortController: controller,
      params: {
        Bucket: this.bucket,
        Key: this.fullKey(key),
        Body: body,
        ContentType: options.contentType,
        ...(known !== undefined ? { ContentLength: known } : {}),
        ...(conditional ? { IfNoneMatch: '*' } : {}),
      },
    });
    try {
      await upload.done();
    } catch (e) {
      if (body instanceof Readable) body.destroy();
      const status = statusOf(e);
      const name = (e as SdkError).name;
      if (conditional && (status === 412 || name === 'PreconditionFailed')) throw this.exists(key, e);
      if (conditional && (status === 501 || name === 'NotImplemented')) {
        this.conditionalPut = false;
        // Only in-memory bodies can be sent again; a consumed stream cannot.
        if (!(body instanceof Readable)) return this.upload(key, body, size, options);
      }
      throw this.fail(e, key, 'write');
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const info = await this.head(key, signal);
    if (!info) throw this.protocol(key, 'write', 'the server acknowledged the upload, but holds no such object');
    return info;
  }

  /** A 200 that is not what S3 answers: retriable, since a proxy or a server restarting may answer properly next time. */
  private protocol(key: string, op: string, what: string): StorageError {
    const where = this.config.endpoint ?? 'AWS S3';
    return new StorageError('STORAGE_PROTOCOL', `S3 endpoint ${where} answered ${op} ${key} in ${this.uri} with ${what}`, {
      context: { uri: this.uri, key },
      retriable: true,
    });
  }

  private notFound(key: string): StorageError {
    return new StorageError('OBJECT_NOT_FOUND', `no object ${key} in ${this.uri}`, { context: { uri: this.uri, key } });
  }

  private exists(key: string, cause?: unknown): StorageError {
    return new StorageError('OBJECT_EXISTS', `object ${key} already exists in ${this.uri}`, {
      context: { uri: this.uri, key },
      cause,
    });
  }

  /** Maps SDK and socket errors to StorageError codes; callers and retry loops read `code` and `retriable`. */
  private fail(e: unknown, key: string, op: string): StorageError {
    if (e instanceof StorageError) return e;
    const err = e as SdkError;
    const name = err.name ?? err.Code ?? '';
    const status = statusOf(e);
    const context = { uri: this.uri, key };
    const what = `${op} ${key} in ${this.uri}`;
    const detail = `${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}`;
    const make = (code: string, message: string, retriable = false): StorageError =>
      new StorageError(code, message, { context, retriable, cause: e });

    if (name === 'AbortError') return make('ABORTED', `${what} was aborted`);
    if (name === 'NoSuchBucket') return make('BUCKET_NOT_FOUND', `bucket ${this.bucket} does not exist (${what})`);
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return make('OBJECT_NOT_FOUND', `no object ${key} in ${this.uri}`);
    if (name === 'CredentialsProviderError') {
      return make('CREDENTIALS_MISSING', `no AWS credentials for ${this.uri}: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE (${err.message})`);
    }
    if (['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'AllAccessDisabled'].includes(name) || status === 403) {
      return make('ACCESS_DENIED', `access denied: ${what}: ${detail}`);
    }
    if (name === 'InvalidRange' || status === 416) return make('INVALID_RANGE', `${what}: ${detail}`);
    if (name === 'ConditionalRequestConflict' || status === 409) {
      return make('WRITE_CONFLICT', `${what} raced with another writer; retry: ${detail}`, true);
    }
    if (isSdkOrNetwork(e) && (UNAVAILABLE_NAMES.has(name) || UNAVAILABLE_CODES.has(err.code ?? '') || status === 429 || (status ?? 0) >= 500 || status === undefined)) {
      const where = this.config.endpoint ?? 'AWS S3';
      return make('STORAGE_UNAVAILABLE', `S3 endpoint ${where} unavailable during ${what}: ${detail}`, true);
    }
    return make('STORAGE_IO', `${what} failed: ${detail}`);
  }
}

function statusOf(e: unknown): number | undefined {
  const err = e as SdkError;
  return err?.$metadata?.httpStatusCode ?? err?.$response?.statusCode;
}

/** True for errors that came from the HTTP exchange rather than the local filesystem. */
function isSdkOrNetwork(e: unknown): boolean {
  const err = e as SdkError;
  if (!err || typeof err !== 'object') return false;
  if (err.$metadata !== undefined) return true;
  if (UNAVAILABLE_CODES.has(err.code ?? '') || UNAVAILABLE_NAMES.has(err.name ?? '')) return true;
  return false;
}
