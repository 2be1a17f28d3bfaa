/**
 * A raw file's line normalizing, in this thread (`inlineNormalizer`) or on a worker thread (`NormalizerThread`),
 * behind one interface: the caller posts raw chunks in order and gets back, per chunk and in the same order, the
 * normalizer's output for it. On a worker the lexing and typing of lines runs beside the engine's appends in this
 * thread; at most `depth` chunks are in flight, so memory stays bounded. A normalizer error (a bad header, an empty
 * file) comes back as the same error, with its code and context; a worker that dies fails every pending and later
 * request with an error naming the file, never a hang.
 */
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../util/moduleWorker.js';
import type { ColumnChunk } from '../engine/SqlEngine.js';
import { FraudopsError, InputError, type ErrorContext } from '../errors.js';
import { LineNormalizer, type HeaderStyle, type LineNormalizerOptions, type StructuralReject } from './LineNormalizer.js';

/** What the normalizer made of one chunk (or of the file's end). */
export interface NormalizedPart {
  /** Normalized bytes for the SQL reader (LineNormalizer.push). */
  main: Buffer[];
  /** Typed rows as column chunks (LineNormalizer.drainColumns). */
  columns: ColumnChunk[];
  /** Text rows (LineNormalizer.drainText). */
  text: Buffer[];
  /** Structural rejects of the chunk's lines, in line order (the inline normalizer reports them as they come instead). */
  rejects: StructuralReject[];
  /** Data lines seen so far. */
  rows: number;
}

/** The normalizer's counts once the file is done. */
export interface NormalizerSummary {
  rows: number;
  forwarded: number;
  textRows: number;
  crlfLines: number;
  headerStyle: HeaderStyle | undefined;
  suspectIds: string[] | undefined;
}

export interface ChunkNormalizer {
  /** Chunks the caller may have posted and not yet consumed. */
  readonly depth: number;
  push(chunk: Buffer): Promise<NormalizedPart>;
  /** The last line's part; after it resolves, `summary` holds the counts. */
  finish(): Promise<NormalizedPart>;
  summary(): NormalizerSummary;
  close(): Promise<void>;
}

/** The normalizer in this thread; its structural rejects go to `onReject` as they are found. */
export function inlineNormalizer(file: string, onReject: (r: StructuralReject) => void, options: LineNormalizerOptions): ChunkNormalizer {
  const n = new LineNormalizer(file, onReject, options);
  const part = (main: Buffer[]): NormalizedPart => ({ main, columns: n.drainColumns(), text: n.drainText(), rejects: [], rows: n.rows });
  return {
    depth: 1,
    push: async (chunk) => part(n.push(chunk)),
    finish: async () => part(n.finish()),
    summary: () => summaryOf(n),
    close: async () => undefined,
  };
}

export type ToNormalizer =
  | { op: 'open'; id: number; file: string; options: LineNormalizerOptions }
  | { op: 'push'; id: number; chunk: Uint8Array }
  | { op: 'finish'; id: number }
  | { op: 'close'; id: number };

export type FromNormalizer =
  | { op: 'part'; id: number; part: NormalizedPart; summary: NormalizerSummary | undefined }
  | { op: 'error'; id: number; error: { name: string; code?: string; message: string; context?: Record<string, unknown> } };

/** Raw chunks in flight to the worker at most, per file. */
const THREAD_DEPTH = 8;

/**
 * One worker thread that normalizes the lines of any number of files, each with a LineNormalizer of its own
 * (`open`), for as long as it is open. Started at the first `open` and kept: a worker per file paid its start-up,
 * module load and a cold JIT again for every file. It holds the process open only while a request is pending, and
 * `close` ends it. A worker that dies fails the requests of every file open on it; the next `open` starts another.
 */
export class NormalizerThread {
  private worker: Worker | undefined;
  private readonly files = new Map<number, ThreadedNormalizer>();
  private nextId = 0;
  private pending = 0;
  private closed = false;

  /** A normalizer for `file` on this thread. */
  open(file: string, options: LineNormalizerOptions): ChunkNormalizer {
    if (this.closed) throw new FraudopsError('NORMALIZER_CLOSED', `${file}: the line normalizer thread was closed`, { context: { file } });
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    const n = new ThreadedNormalizer(file, id, {
      post: (m, transfer) => {
        if (this.pending++ === 0) worker.ref();
        worker.postMessage(m, transfer);
      },
      close: () => {
        if (this.files.get(id) !== n) return;
        this.files.delete(id);
        if (this.worker === worker) worker.postMessage({ op: 'close', id } satisfies ToNormalizer);
      },
    });
    this.files.set(id, n);
    worker.postMessage({ op: 'open', id, file, options } satisfies ToNormalizer);
    return n;
  }

  /** Ends the worker; the files still open on it fail their pending and later requests. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    this.fail(worker, new Error('closed'));
    await worker.terminate();
  }

  private start(): Worker {
    const worker = moduleWorker(import.meta.url, 'normalizerWorker');
    worker.unref();
    worker.on('message', (m: FromNormalizer) => {
      if (--this.pending === 0) worker.unref();
      this.files.get(m.id)?.onMessage(m);
    });
    worker.on('error', (e) => this.fail(worker, e));
    worker.on('messageerror', (e) => this.fail(worker, e));
    worker.on('exit', (code) => this.fail(worker, new Error(`exited with code ${code}`)));
    return worker;
  }

  private fail(worker: Worker, e: unknown): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.pending = 0;
    worker.unref();
    const files = [...this.files.values()];
    this.files.clear();
    for (const n of files) n.fail(e);
  }
}

/** One file's normalizer on a NormalizerThread. */
class ThreadedNormalizer implements ChunkNormalizer {
  readonly depth = THREAD_DEPTH;
  private readonly waiting: { resolve(p: NormalizedPart): void; reject(e: unknown): void }[] = [];
  private failure: unknown;
  private closed = false;
  private done: NormalizerSummary | undefined;

  constructor(
    private readonly file: string,
    private readonly id: number,
    private readonly thread: { post(m: ToNormalizer, transfer: ArrayBuffer[]): void; close(): void },
  ) {}

  push(chunk: Buffer): Promise<NormalizedPart> {
    // A copy of the chunk's own bytes: posting a view would copy its whole backing buffer.
    const copy = new Uint8Array(chunk.byteLength);
    copy.set(chunk);
    return this.request({ op: 'push', id: this.id, chunk: copy }, [copy.buffer]);
  }

  finish(): Promise<NormalizedPart> {
    return this.request({ op: 'finish', id: this.id }, []);
  }

  summary(): NormalizerSummary {
    if (!this.done) throw new Error(`${this.file}: the normalizer's counts are asked for before its end`);
    return this.done;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(new FraudopsError('NORMALIZER_CLOSED', `${this.file}: the line normalizer was closed`, { context: { file: this.file } }));
    this.thread.close();
  }

  private request(m: ToNormalizer, transfer: ArrayBuffer[]): Promise<NormalizedPart> {
    const p = new Promise<NormalizedPart>((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      this.waiting.push({ resolve, reject });
      this.thread.post(m, transfer);
    });
    // Awaited in order by the caller, who may stop at an earlier one: never an unhandled rejection.
    p.catch(() => undefined);
    return p;
  }

  onMessage(m: FromNormalizer): void {
    const w = this.waiting.shift();
    if (!w) return;
    if (m.op === 'error') {
      w.reject(rebuildError(m.error));
      return;
    }
    const part = m.part;
    if (m.summary) this.done = m.summary;
    w.resolve({
      main: part.main.map(asBuffer),
      columns: part.columns,
      text: part.text.map(asBuffer),
      rejects: part.rejects.map((r) => ({ ...r, raw: asBuffer(r.raw) })),
      rows: part.rows,
    });
  }

  fail(e: unknown): void {
    if (this.failure === undefined) {
      this.failure = this.closed
        ? e
        : new FraudopsError('NORMALIZER_FAILED', `${this.file}: the line normalizer thread failed: ${e instanceof Error ? e.message : String(e)}`, {
            context: { file: this.file },
            cause: e,
          });
    }
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }
}

function summaryOf(n: LineNormalizer): NormalizerSummary {
  return { rows: n.rows, forwarded: n.forwarded, textRows: n.textRows, crlfLines: n.crlfLines, headerStyle: n.headerStyle, suspectIds: n.suspectIds() };
}

/** A structured-cloned Buffer arrives as a Uint8Array: the same bytes as a Buffer again. */
function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The worker's error as the same kind of error here: its code and context (file, line, field) kept. */
function rebuildError(info: { name: string; code?: string; message: string; context?: Record<string, unknown> }): Error {
  const context = info.context as ErrorContext | undefined;
  if (info.code === undefined) return new Error(info.message);
  return info.name === 'InputError' ? new InputError(info.code, info.message, { context }) : new FraudopsError(info.code, info.message, { context });
}
