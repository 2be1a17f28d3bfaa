/**
 * A raw file's line normalizing, in this thread (InlineNormalizer) or on a worker thread (ThreadedNormalizer),
 * behind one interface: the caller posts raw chunks in order and gets back, per chunk and in the same order, the
 * normalizer's output for it. On a worker the lexing and typing of lines runs beside the engine's appends in this
 * thread; at most `depth` chunks are in flight, so memory stays bounded. A normalizer error (a bad header, an empty
 * file) comes back as the same error, with its code and context; a worker that dies fails every pending and later
 * request with an error naming the file, never a hang.
 */
import { Worker } from 'node:worker_threads';
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

export interface NormalizerWorkerData {
  file: string;
  options: LineNormalizerOptions;
}

export type ToNormalizer = { op: 'push'; chunk: Uint8Array } | { op: 'finish' };

export type FromNormalizer =
  | { op: 'part'; part: NormalizedPart; summary: NormalizerSummary | undefined }
  | { op: 'error'; error: { name: string; code?: string; message: string; context?: Record<string, unknown> } };

/** Raw chunks in flight to a worker at most. */
const THREAD_DEPTH = 8;

/** The normalizer on a worker thread of its own, for one file. */
export class ThreadedNormalizer implements ChunkNormalizer {
  readonly depth = THREAD_DEPTH;
  private readonly worker: Worker;
  private readonly waiting: { resolve(p: NormalizedPart): void; reject(e: unknown): void }[] = [];
  private failure: unknown;
  private closed = false;
  private done: NormalizerSummary | undefined;

  constructor(private readonly file: string, options: LineNormalizerOptions) {
    const workerData: NormalizerWorkerData = { file, options };
    // From TypeScript sources (tests, tsx) the worker is bootstrapped through tsx; builds load the .js file.
    this.worker = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import(${JSON.stringify(tsxApi())}).then((m) => m.tsImport(${JSON.stringify(new URL('./normalizerWorker.ts', import.meta.url).href)}, ${JSON.stringify(import.meta.url)}));`,
          { eval: true, workerData },
        )
      : new Worker(new URL('./normalizerWorker.js', import.meta.url), { workerData });
    this.worker.on('message', (m: FromNormalizer) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('messageerror', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`exited with code ${code}`)));
  }

  push(chunk: Buffer): Promise<NormalizedPart> {
    // A copy of the chunk's own bytes: posting a view would copy its whole backing buffer.
    const copy = new Uint8Array(chunk.byteLength);
    copy.set(chunk);
    return this.request({ op: 'push', chunk: copy }, [copy.buffer]);
  }

  finish(): Promise<NormalizedPart> {
    return this.request({ op: 'finish' }, []);
  }

  summary(): NormalizerSummary {
    if (!this.done) throw new Error(`${this.file}: the normalizer's counts are asked for before its end`);
    return this.done;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(new FraudopsError('NORMALIZER_CLOSED', `${this.file}: the line normalizer was closed`, { context: { file: this.file } }));
    await this.worker.terminate();
  }

  private request(m: ToNormalizer, transfer: ArrayBuffer[]): Promise<NormalizedPart> {
    const p = new Promise<NormalizedPart>((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(m, transfer);
    });
    // Awaited in order by the caller, who may stop at an earlier one: never an unhandled rejection.
    p.catch(() => undefined);
    return p;
  }

  private onMessage(m: FromNormalizer): void {
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

  private fail(e: unknown): void {
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

/** The tsx loader API, resolved from this module so the worker does not depend on the current directory. */
function tsxApi(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return 'tsx/esm/api';
  }
}
