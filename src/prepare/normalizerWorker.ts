/**
 * Worker-thread entry of a NormalizerThread: keeps a LineNormalizer per open file, runs it on the raw chunks the
 * main thread posts, one message each, and answers each push and finish with what the normalizer made of it (a
 * request of a file it does not have open is answered with an error). The column chunks and text buffers it
 * answers with are transferred, never copied: each owns its ArrayBuffer (LineNormalizer allocates one per chunk and
 * per output buffer).
 */
import { parentPort } from 'node:worker_threads';
import { LineNormalizer, type StructuralReject } from './LineNormalizer.js';
import type { FromNormalizer, ToNormalizer } from './normalizerThread.js';

const port = parentPort!;
const open = new Map<number, { normalizer: LineNormalizer; rejects: StructuralReject[] }>();

port.on('message', (m: ToNormalizer) => {
  if (m.op === 'open') {
    const rejects: StructuralReject[] = [];
    // Each reject's bytes in a buffer of their own: posting a view would copy its whole backing buffer.
    const normalizer = new LineNormalizer(m.file, (r) => rejects.push({ line: r.line, reason: r.reason, raw: Buffer.from(new Uint8Array(r.raw).buffer) }), m.options);
    open.set(m.id, { normalizer, rejects });
    return;
  }
  if (m.op === 'close') {
    open.delete(m.id);
    return;
  }
  try {
    const file = open.get(m.id);
    if (!file) throw new Error(`no normalizer ${m.id} is open`);
    const { normalizer, rejects } = file;
    const main = m.op === 'push' ? normalizer.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength)) : normalizer.finish();
    const columns = normalizer.drainColumns();
    const text = normalizer.drainText();
    const transfer = new Set<ArrayBuffer>();
    for (const b of [...main, ...text]) transfer.add(b.buffer as ArrayBuffer);
    for (const c of columns) for (const col of c.columns) if (col) transfer.add(col.buffer as ArrayBuffer);
    const reply: FromNormalizer = {
      op: 'part',
      id: m.id,
      part: { main, columns, text, rejects: rejects.splice(0), rows: normalizer.rows },
      summary:
        m.op === 'finish'
          ? {
              rows: normalizer.rows,
              forwarded: normalizer.forwarded,
              textRows: normalizer.textRows,
              crlfLines: normalizer.crlfLines,
              headerStyle: normalizer.headerStyle,
              suspectIds: normalizer.suspectIds(),
            }
          : undefined,
    };
    port.postMessage(reply, [...transfer]);
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string; context?: Record<string, unknown> };
    port.postMessage({ op: 'error', id: m.id, error: { name: String(err.name ?? 'Error'), code: err.code, message: String(err.message ?? e), context: err.context } } satisfies FromNormalizer);
  }
});
