/**
 * Worker-thread entry of a ThreadedNormalizer: runs one file's LineNormalizer on the raw chunks the main thread
 * posts, one message each, and answers each with what the normalizer made of it. The column chunks and text
 * buffers it answers with are transferred, never copied: each owns its ArrayBuffer (LineNormalizer allocates one
 * per chunk and per output buffer).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LineNormalizer, type StructuralReject } from './LineNormalizer.js';
import type { FromNormalizer, NormalizerWorkerData, ToNormalizer } from './normalizerThread.js';

const { file, options } = workerData as NormalizerWorkerData;
const port = parentPort!;
let rejects: StructuralReject[] = [];
// Each reject's bytes in a buffer of their own: posting a view would copy its whole backing buffer.
const normalizer = new LineNormalizer(file, (r) => rejects.push({ line: r.line, reason: r.reason, raw: Buffer.from(new Uint8Array(r.raw).buffer) }), options);

port.on('message', (m: ToNormalizer) => {
  try {
    const main = m.op === 'push' ? normalizer.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength)) : normalizer.finish();
    const columns = normalizer.drainColumns();
    const text = normalizer.drainText();
    const transfer = new Set<ArrayBuffer>();
    for (const b of [...main, ...text]) transfer.add(b.buffer as ArrayBuffer);
    for (const c of columns) for (const col of c.columns) if (col) transfer.add(col.buffer as ArrayBuffer);
    const reply: FromNormalizer = {
      op: 'part',
      part: { main, columns, text, rejects, rows: normalizer.rows },
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
    rejects = [];
    port.postMessage(reply, [...transfer]);
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string; context?: Record<string, unknown> };
    port.postMessage({ op: 'error', error: { name: String(err.name ?? 'Error'), code: err.code, message: String(err.message ?? e), context: err.context } } satisfies FromNormalizer);
  }
});
