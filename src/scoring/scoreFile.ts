/**
 * `fraudops score`: a raw day file through the scorer's own path, with an in-process source and sink instead of
 * Kafka. Predictions go to a JSON-lines file, dead letters to another, and the result reports the throughput.
 * Both files are written under temporary names and published together only when scoring succeeds, so a failed
 * or interrupted run leaves the previous files as they were. The demo uses this to show scoring without a broker.
 */
import { statSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { StorageError } from '../errors.js';
import { openAtomicWriteStream, type AtomicWriteStream } from '../storage/atomicFile.js';
import { DEFAULT_REGISTERED_MODEL } from '../models/artifact.js';
import { holdTracking, withContext, type ContextualOptions, type StageContext } from '../stage/StageContext.js';
import { LakeHistory } from './LakeHistory.js';
import { ModelSource } from './ModelSource.js';
import { readRawLines } from './rawLines.js';
import { Scorer } from './Scorer.js';
import { StreamFeatures } from './StreamFeatures.js';

export interface ScoreFileOptions extends ContextualOptions {
  raw: string;
  out: string;
  /** Dead letters (JSON lines); default `<out>.dead.jsonl`. */
  deadLetters?: string;
  /** Lake for customer and terminal history; without it windows start empty. */
  lake?: string;
  tracking?: string;
  registeredModel?: string;
  /** Alias or version number. Default `champion`. */
  model?: string;
  batchSize?: number;
  withFeatures?: boolean;
  onProgress?: (scored: number) => void;
}

export interface ScoreFileResult {
  raw: string;
  out: string;
  deadLetters: string;
  lines: number;
  scored: number;
  alerts: number;
  dead: number;
  deadByReason: Record<string, number>;
  modelVersion: string;
  featureSpecHash: string;
  seconds: number;
  transactionsPerSecond: number;
  lake?: string;
}

export async function scoreFile(options: ScoreFileOptions, ctx?: StageContext): Promise<ScoreFileResult> {
  const o = withContext(options, ctx);
  const started = performance.now();
  const held = await holdTracking(ctx, o.tracking, { mustExist: true });
  const tracking = held.value;
  let history: LakeHistory | undefined;
  try {
    history = o.lake ? await LakeHistory.open(o.lake, join(o.workDir ?? tmpdir(), 'fraudops-score'), ctx) : undefined;
  } catch (e) {
    await held.release();
    throw e;
  }
  const deadPath = o.deadLetters ?? `${o.out}.dead.jsonl`;
  let out: AtomicWriteStream | undefined;
  let dead: AtomicWriteStream | undefined;
  let published = false;
  try {
    out = await openOutput(o.out, 'out');
    dead = await openOutput(deadPath, 'dead-letters');
  } catch (e) {
    await out?.abort();
    await history?.close();
    await held.release();
    throw e;
  }
  try {
    const models = new ModelSource(tracking, o.registeredModel ?? DEFAULT_REGISTERED_MODEL, o.model ?? 'champion');
    const model = await models.load();
    const scorer = new Scorer(new StreamFeatures(model.artifact.featureSpec, history, () => 0));
    const r: ScoreFileResult = {
      raw: o.raw,
      out: o.out,
      deadLetters: deadPath,
      lines: 0,
      scored: 0,
      alerts: 0,
      dead: 0,
      deadByReason: {},
      modelVersion: model.version,
      featureSpecHash: '',
      seconds: 0,
      transactionsPerSecond: 0,
      lake: history?.uri,
    };
    for await (const batch of readRawLines(o.raw, o.batchSize ?? 5000, o.signal)) {
      const now = Date.now();
      const res = await scorer.scoreBatch(
        batch.map((l) => ({ value: l.bytes, partition: 0, offset: BigInt(l.line), ingestedAt: now })),
        model,
        { withFeatures: o.withFeatures },
      );
      r.lines += batch.length;
      let text = '';
      for (const p of res.predictions) {
        r.featureSpecHash = p.featureSpecHash;
        if (p.decision === 'alert') r.alerts++;
        text += `${JSON.stringify(p)}\n`;
      }
      await write(out.stream, text);
      text = '';
      for (const d of res.deadLetters) {
        r.deadByReason[d.reason] = (r.deadByReason[d.reason] ?? 0) + 1;
        text += `${JSON.stringify({ line: Number(d.offset), reason: d.reason, raw: d.value.toString('base64') })}\n`;
      }
      if (text) await write(dead.stream, text);
      r.scored += res.predictions.length;
      r.dead += res.deadLetters.length;
      o.onProgress?.(r.scored);
      ctx?.emit({ type: 'progress', stage: 'score', message: `${r.scored.toLocaleString('en-US')} transactions scored`, done: r.scored, unit: 'transactions' });
    }
    await dead.commit();
    await out.commit();
    published = true;
    r.seconds = (performance.now() - started) / 1000;
    r.transactionsPerSecond = r.scored / r.seconds;
    return r;
  } finally {
    if (!published) await Promise.all([out.abort(), dead.abort()]);
    await history?.close();
    await held.release();
  }
}

/** A temporary file beside `path`; a path that is a directory, or whose folder cannot be made, is refused up front. */
async function openOutput(path: string, flag: string): Promise<AtomicWriteStream> {
  const full = resolve(path);
  const unwritable = (why: string, cause?: unknown) =>
    new StorageError('OUTPUT_UNWRITABLE', `--${flag} ${path}: ${why}`, { context: { field: flag, path: full }, ...(cause ? { cause } : {}) });
  try {
    if (statSync(full, { throwIfNoEntry: false })?.isDirectory()) throw unwritable('is a directory; give a file name');
    return await openAtomicWriteStream(full);
  } catch (e) {
    if (e instanceof StorageError) throw e;
    throw unwritable(`cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, e);
  }
}

async function write(s: WriteStream, text: string): Promise<void> {
  if (!s.write(text)) await once(s, 'drain');
}
