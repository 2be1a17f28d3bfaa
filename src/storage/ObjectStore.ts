/**
 * The object-store seam. Every stage reads and writes through this interface, so the same code runs on a
 * local directory (`file://` or a plain path) and on any S3-compatible service (`s3://bucket/prefix`).
 * Keys are always `/`-separated and relative to the store's root; the root is fixed when the store is opened.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  /** Key relative to the store root, `/`-separated, no leading slash. */
  key: string;
  size: number;
  /** Opaque change token: the S3 ETag, or a content hash / mtime-based token for local files. */
  etag: string;
  lastModified: Date;
}

export interface ReadOptions {
  /** Inclusive byte range start. */
  start?: number;
  /** Inclusive byte range end. */
  end?: number;
  signal?: AbortSignal;
}

export interface WriteOptions {
  contentType?: string;
  signal?: AbortSignal;
  /** Fail with code OBJECT_EXISTS instead of overwriting (used for commit records). */
  ifNoneMatch?: boolean;
}

export interface ObjectStore {
  /** URI of the store root, e.g. `file:///data/lake` or `s3://bucket/lake`. */
  readonly uri: string;
  /** Metadata of one object, or undefined when it does not exist. */
  head(key: string, signal?: AbortSignal): Promise<ObjectInfo | undefined>;
  /** All objects whose key starts with `prefix`, sorted by key. */
  list(prefix: string, signal?: AbortSignal): Promise<ObjectInfo[]>;
  /** Streams an object (or a byte range). Missing objects fail with StorageError code OBJECT_NOT_FOUND. */
  read(key: string, options?: ReadOptions): Promise<Readable>;
  /** Reads a whole (small) object into memory. */
  readBytes(key: string, signal?: AbortSignal): Promise<Buffer>;
  /** Writes from a stream without buffering the whole body (multipart upload on S3). */
  write(key: string, body: Readable | Buffer | string, options?: WriteOptions): Promise<ObjectInfo>;
  /** Uploads a local file. */
  writeFile(key: string, localPath: string, options?: WriteOptions): Promise<ObjectInfo>;
  /** Deletes objects; missing keys are ignored. */
  delete(keys: string[], signal?: AbortSignal): Promise<void>;
  /**
   * A local filesystem path holding the object's bytes, for engines that need a path (DuckDB reading Parquet).
   * Local stores return the file itself; remote stores download into `cacheDir` once per (key, etag).
   */
  localPath(key: string, cacheDir: string, signal?: AbortSignal): Promise<string>;
  close(): Promise<void>;
}
