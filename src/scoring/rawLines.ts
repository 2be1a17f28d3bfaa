/**
 * Reads one raw day file (a local path or an object-store URI, `.gz` included) as data lines: the header line
 * is skipped, every other line is handed on as its original bytes with its 1-based line number, in batches.
 * Used by `fraudops score` (the in-process source) and `fraudops replay`.
 */
import { createGunzip } from 'node:zlib';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { openStore } from '../storage/openStore.js';
import { FraudopsError } from '../errors.js';

export interface RawLine {
  line: number;
  bytes: Buffer;
}

/** Splits a file URI or path into the store root and the key of the file in it. */
export function splitFileUri(uri: string): { root: string; key: string } {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]+)\/(.+)$/.exec(uri);
  if (m && !uri.startsWith('file://')) {
    const full = m[2];
    return { root: `${m[1]}/${posix.dirname(full) === '.' ? '' : posix.dirname(full)}`.replace(/\/$/, ''), key: posix.basename(full) };
  }
  const path = uri.startsWith('file://') ? new URL(uri).pathname : uri;
  return { root: posix.dirname(path), key: posix.basename(path) };
}

/** Yields the data lines of a raw file in batches of at most `batchSize`. */
export async function* readRawLines(uri: string, batchSize: number, signal?: AbortSignal): AsyncGenerator<RawLine[]> {
  const { root, key } = splitFileUri(uri);
  const store = await openStore(root);
  try {
    if (!(await store.head(key, signal))) {
      throw new FraudopsError('INPUT_NOT_FOUND', `${uri}: no such raw file`, { context: { file: uri } });
    }
    let stream: Readable = await store.read(key, { signal });
    if (key.endsWith('.gz')) stream = stream.pipe(createGunzip());
    let rest: Buffer = Buffer.alloc(0);
    let lineNo = 0;
    let batch: RawLine[] = [];
    const take = (bytes: Buffer): void => {
      lineNo++;
      if (lineNo === 1 && isHeader(bytes)) return;
      batch.push({ line: lineNo, bytes });
    };
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let s = 0;
      for (let nl = buf.indexOf(10, s); nl >= 0; nl = buf.indexOf(10, s)) {
        take(Buffer.from(buf.subarray(s, nl)));
        s = nl + 1;
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      rest = Buffer.from(buf.subarray(s));
    }
    if (rest.length) take(rest);
    if (batch.length) yield batch;
  } finally {
    await store.close();
  }
}

/** The course header (`# ...`) or a plain CSV header naming transaction_id first. */
export function isHeader(bytes: Buffer): boolean {
  const text = bytes.subarray(0, 64).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  return text.startsWith('#') || text.startsWith('transaction_id') || text.startsWith('tranaction_id');
}
