/**
 * Parses store URIs into a location the store registry can open. Two forms exist: local directories (a plain
 * path, relative or absolute, or a `file://` URL) and S3 buckets (`s3://bucket` or `s3://bucket/prefix`).
 * Anything else fails here with a ConfigError naming the URI, before any backend is loaded.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';

export interface LocalLocation {
  scheme: 'file';
  /** Absolute directory path. */
  path: string;
  /** Canonical `file://` URL of the directory. */
  uri: string;
}

export interface S3Location {
  scheme: 's3';
  bucket: string;
  /** Key prefix without leading or trailing slash; empty for the bucket root. */
  prefix: string;
  /** Canonical `s3://bucket/prefix` form. */
  uri: string;
}

export type StoreLocation = LocalLocation | S3Location;

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
// S3 bucket naming rules (lowercase letters, digits, dots, hyphens; 3-63 chars; starts and ends alphanumeric).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * @example
 * parseStoreUri('s3://lake/prod/')   // { scheme: 's3', bucket: 'lake', prefix: 'prod', uri: 's3://lake/prod' }
 * parseStoreUri('./data')            // { scheme: 'file', path: '/cwd/data', uri: 'file:///cwd/data' }
 */
export function parseStoreUri(uri: string, cwd: string = process.cwd()): StoreLocation {
  const fail = (why: string): never => {
    throw new ConfigError(`invalid store URI ${JSON.stringify(uri)}: ${why}`, { context: { uri } });
  };
  if (uri.trim() === '') fail('empty; use a directory path, file:///dir or s3://bucket/prefix');
  const m = SCHEME.exec(uri);
  if (!m) {
    const abs = path.resolve(cwd, uri);
    return { scheme: 'file', path: abs, uri: pathToFileURL(abs).href };
  }
  const scheme = m[1].toLowerCase();
  if (scheme === 'file') {
    let abs: string;
    try {
      abs = fileURLToPath(uri);
    } catch (e) {
      return fail(`not a local file URL (${(e as Error).message}); use file:///absolute/path`);
    }
    abs = path.resolve(abs);
    return { scheme: 'file', path: abs, uri: pathToFileURL(abs).href };
  }
  if (scheme === 's3') {
    const rest = uri.slice(m[0].length);
    if (/[?#]/.test(rest)) fail('query strings and fragments are not allowed');
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
    if (!BUCKET.test(bucket)) fail(`bucket ${JSON.stringify(bucket)} is not a valid S3 bucket name`);
    if (prefix !== '' && prefix.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      fail('the prefix must not contain empty, "." or ".." segments');
    }
    return { scheme: 's3', bucket, prefix, uri: prefix ? `s3://${bucket}/${prefix}` : `s3://${bucket}` };
  }
  return fail(`unsupported scheme "${scheme}://"; use a directory path, file:///dir or s3://bucket/prefix`);
}
