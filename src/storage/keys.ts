/**
 * Key rules shared by every backend, checked once here so a key that works on a local directory also works on
 * S3 and the other way round: `/`-separated, relative, no empty, `.` or `..` segments, no backslashes.
 */
import { StorageError } from '../errors.js';

/** Throws StorageError code INVALID_KEY unless `key` names an object under the store root. */
export function checkKey(uri: string, key: string): void {
  const bad =
    key.length === 0 ||
    key.startsWith('/') ||
    key.endsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad) {
    throw new StorageError('INVALID_KEY', `invalid object key ${JSON.stringify(key)} in ${uri}`, {
      context: { uri, key },
    });
  }
}

/** Throws StorageError code INVALID_KEY for list prefixes that could escape the root (`..`, leading `/`). */
export function checkPrefix(uri: string, prefix: string): void {
  if (prefix === '') return;
  const bad =
    prefix.startsWith('/') ||
    prefix.includes('\\') ||
    prefix.includes('\0') ||
    prefix.split('/').some((s, i, all) => s === '..' || s === '.' || (s === '' && i < all.length - 1));
  if (bad) {
    throw new StorageError('INVALID_KEY', `invalid list prefix ${JSON.stringify(prefix)} in ${uri}`, {
      context: { uri, key: prefix },
    });
  }
}

/** Byte-order comparison of keys, the order S3 lists in (UTF-8 binary), so both backends sort the same. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
